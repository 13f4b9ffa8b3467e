package runtime

import (
	"fmt"
	"strings"
)

// Mode says how a Dispatcher chooses kernels.
type Mode uint8

// Dispatch modes, as in the seed system.
const (
	// ModeAuto resolves at NewEngine: a rules file gives ModeConfig; breakers
	// or telemetry asked for explicitly give ModeDynamic; otherwise ModeStatic.
	ModeAuto Mode = iota
	// ModeStatic makes generated Dispatchers call the compiled static
	// dispatchers directly; the engine is only used for Explain.
	ModeStatic
	// ModeDynamic selects per call through the engine: decision cache,
	// breakers, fallback, telemetry; the manifest's dispatch section applies.
	ModeDynamic
	// ModeConfig is ModeDynamic with a rules file loaded once at NewEngine.
	ModeConfig
	// ModeHotReload is ModeConfig with the rules file watched and reloaded.
	ModeHotReload
	numModes
)

var modeNames = [numModes]string{"AUTO", "STATIC", "DYNAMIC", "CONFIG", "HOT_RELOAD"}

// String returns the seed's spelling: "AUTO", "STATIC", "DYNAMIC", "CONFIG", "HOT_RELOAD".
func (m Mode) String() string {
	if m < numModes {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode maps a mode name, in any case, to a Mode (for flags and env vars).
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if strings.EqualFold(s, name) {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown dispatch mode %q (want one of %s)", ErrInvalidArgument, s, strings.Join(modeNames[:], ", "))
}
