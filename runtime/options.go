package runtime

import (
	"fmt"
	"log/slog"
	"time"
)

// Clock tells the engine the time. Breaker cooldowns and per-call timings
// read it; tests inject a fake one or run under testing/synctest.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// BreakerConfig sets every kernel's circuit breaker (DESIGN §5).
type BreakerConfig struct {
	FailureThreshold int           // consecutive failures that open a closed breaker (default 5)
	Cooldown         time.Duration // how long an open breaker refuses calls (default 30s)
	HalfOpenMaxCalls int           // probes admitted at a time while half-open (default 1)
	SuccessThreshold int           // probe successes that close a half-open breaker (default 2)
	// OnStateChange, when set, is called after every transition, outside any
	// lock, on the goroutine whose call caused it.
	OnStateChange func(kernel KernelID, from, to BreakerState)
}

// DefaultBreakerConfig returns the DESIGN §5 settings: 5 failures, 30 s
// cooldown, 1 probe at a time, 2 probe successes.
func DefaultBreakerConfig() BreakerConfig {
	return BreakerConfig{FailureThreshold: 5, Cooldown: 30 * time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 2}
}

func (b BreakerConfig) validate() error {
	switch {
	case b.FailureThreshold < 1:
		return fmt.Errorf("%w: breaker failure threshold %d, want >= 1", ErrInvalidArgument, b.FailureThreshold)
	case b.Cooldown < time.Millisecond:
		return fmt.Errorf("%w: breaker cooldown %v, want >= 1ms", ErrInvalidArgument, b.Cooldown)
	case b.HalfOpenMaxCalls < 1 || b.HalfOpenMaxCalls > maxBreakerCount:
		return fmt.Errorf("%w: breaker half-open max calls %d, want 1..%d", ErrInvalidArgument, b.HalfOpenMaxCalls, maxBreakerCount)
	case b.SuccessThreshold < 1 || b.SuccessThreshold > maxBreakerCount:
		return fmt.Errorf("%w: breaker success threshold %d, want 1..%d", ErrInvalidArgument, b.SuccessThreshold, maxBreakerCount)
	}
	return nil
}

// Options is the engine's configuration; build it with Option functions.
type Options struct {
	Mode                Mode
	Breakers            bool // per-kernel circuit breakers (default on)
	Breaker             BreakerConfig
	Fallback            bool // try further candidates after a failure (default on)
	MaxFallbackAttempts int  // non-reference kernels called per dispatch at most (default 3); the reference kernel comes on top
	Telemetry           bool // per-kernel counters and latency histograms (default off)
	Strict              bool // rules warnings fail NewEngine like errors
	Logger              *slog.Logger
	Clock               Clock
	RulesFile           string       // rules file for ModeConfig and ModeHotReload
	CacheSize           int          // decision cache entries per snapshot (default 4096)
	Watch               WatchOptions // ModeHotReload's watcher settings

	explicitBreakers bool // WithBreakers was given, for ModeAuto
}

// Option configures NewEngine.
type Option func(*Options)

func defaultOptions() Options {
	return Options{
		Breakers:            true,
		Breaker:             DefaultBreakerConfig(),
		Fallback:            true,
		MaxFallbackAttempts: 3,
		Logger:              slog.Default(),
		Clock:               systemClock{},
		CacheSize:           4096,
	}
}

// WithMode sets the dispatch mode (default ModeAuto).
func WithMode(m Mode) Option { return func(o *Options) { o.Mode = m } }

// WithBreakers turns the per-kernel circuit breakers on or off.
func WithBreakers(on bool) Option {
	return func(o *Options) { o.Breakers, o.explicitBreakers = on, true }
}

// WithBreakerConfig replaces the breaker settings; zero fields keep their defaults.
func WithBreakerConfig(c BreakerConfig) Option {
	return func(o *Options) {
		d := DefaultBreakerConfig()
		if c.FailureThreshold == 0 {
			c.FailureThreshold = d.FailureThreshold
		}
		if c.Cooldown == 0 {
			c.Cooldown = d.Cooldown
		}
		if c.HalfOpenMaxCalls == 0 {
			c.HalfOpenMaxCalls = d.HalfOpenMaxCalls
		}
		if c.SuccessThreshold == 0 {
			c.SuccessThreshold = d.SuccessThreshold
		}
		o.Breaker = c
	}
}

// WithFallback turns fallback on or off; off means a single kernel call per dispatch.
func WithFallback(on bool) Option { return func(o *Options) { o.Fallback = on } }

// WithMaxFallbackAttempts caps the non-reference kernels called per dispatch
// (default 3); the reference kernel is tried after them.
func WithMaxFallbackAttempts(n int) Option { return func(o *Options) { o.MaxFallbackAttempts = n } }

// WithTelemetry turns per-kernel counters and latency histograms on or off.
func WithTelemetry(on bool) Option { return func(o *Options) { o.Telemetry = on } }

// WithStrict makes warnings in the rules file fail NewEngine.
func WithStrict(on bool) Option { return func(o *Options) { o.Strict = on } }

// WithLogger sets where engine events (breaker transitions, first fallback
// per cause, reloads) are logged; nil discards them.
func WithLogger(l *slog.Logger) Option {
	return func(o *Options) {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		o.Logger = l
	}
}

// WithClock injects the clock breakers and timings read.
func WithClock(c Clock) Option { return func(o *Options) { o.Clock = c } }

// WithRulesFile names the rules file for ModeConfig and ModeHotReload; in
// ModeAuto it selects ModeConfig.
func WithRulesFile(path string) Option { return func(o *Options) { o.RulesFile = path } }

// WithCacheSize bounds the decision cache of each rules snapshot.
func WithCacheSize(n int) Option { return func(o *Options) { o.CacheSize = n } }

// WithWatchOptions tunes the rules file watcher of ModeHotReload.
func WithWatchOptions(w WatchOptions) Option { return func(o *Options) { o.Watch = w } }

// resolve applies ModeAuto and checks the options against each other.
func (o *Options) resolve() error {
	if o.Mode >= numModes {
		return fmt.Errorf("%w: unknown mode %v", ErrInvalidArgument, o.Mode)
	}
	if o.Mode == ModeAuto {
		switch {
		case o.RulesFile != "":
			o.Mode = ModeConfig
		case (o.explicitBreakers && o.Breakers) || o.Telemetry:
			o.Mode = ModeDynamic
		default:
			o.Mode = ModeStatic
		}
	}
	if (o.Mode == ModeConfig || o.Mode == ModeHotReload) && o.RulesFile == "" {
		return fmt.Errorf("%w: mode %v needs a rules file (WithRulesFile)", ErrInvalidArgument, o.Mode)
	}
	if o.MaxFallbackAttempts < 1 {
		return fmt.Errorf("%w: max fallback attempts %d, want >= 1 (use WithFallback(false) for a single attempt)", ErrInvalidArgument, o.MaxFallbackAttempts)
	}
	if o.CacheSize < 1 {
		return fmt.Errorf("%w: cache size %d, want >= 1", ErrInvalidArgument, o.CacheSize)
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	return o.Breaker.validate()
}
