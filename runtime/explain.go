package runtime

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Explanation says, for one operation and context, how every kernel of the
// operation looks to the engine and the order it would try them in. It is
// computed on demand and never on the dispatch path.
type Explanation struct {
	Op            string
	Context       Context
	Mode          Mode
	PolicyVersion uint64
	Kernels       []KernelVerdict // every kernel of the op, highest priority first
	Order         []string        // candidate kernel names in the order the engine tries them
}

// KernelVerdict is one kernel's standing for an explained context.
type KernelVerdict struct {
	Kernel     KernelID
	Name       string
	Backend    Platform
	Priority   int32
	Reference  bool
	Accepted   bool          // the kernel fits the context and the policy admits it
	Reasons    Reasons       // why it was rejected; empty when accepted
	Rank       int           // 1-based position in Order, 0 when not a candidate
	Source     string        // what put it in the order: lock, rule, chain, "priority", "reference"
	Breaker    BreakerState  // live state; an OPEN kernel is skipped at run time
	RetryAfter time.Duration // time left in an open breaker's cooldown
}

// Explain evaluates every kernel of op for context c (c.Op is set to op)
// under the rules in force, without running anything. Breaker states are
// read live.
func (e *Engine) Explain(op OpID, c Context) Explanation {
	c.Op = op
	s := e.snap.Load()
	d := e.decide(s.policy, &c)
	info := &e.reg.Ops[op]
	x := Explanation{Op: info.Name, Context: c, Mode: e.opts.Mode, PolicyVersion: s.version}
	for _, k := range d.kernels {
		x.Order = append(x.Order, e.reg.Kernels[k].Name)
	}
	for _, k := range info.Kernels {
		ki := &e.reg.Kernels[k]
		v := KernelVerdict{Kernel: k, Name: ki.Name, Backend: ki.Backend, Priority: ki.Priority, Reference: k == info.Reference}
		v.Reasons = e.rejects(s.policy, k, &c)
		v.Accepted = v.Reasons.Empty()
		for i, cand := range d.kernels {
			if cand == k {
				v.Rank, v.Source = i+1, d.sources[i]
			}
		}
		v.Breaker, v.RetryAfter = e.BreakerStatus(k)
		x.Kernels = append(x.Kernels, v)
	}
	return x
}

// String renders the explanation as a table, the form `lzgen explain` prints.
func (x Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "op %s  mode %v  rules v%d\n", x.Op, x.Mode, x.PolicyVersion)
	fmt.Fprintf(&b, "context: %s\n", FormatContext(&x.Context))
	if len(x.Order) == 0 {
		b.WriteString("try order: (no kernel accepts this context)\n\n")
	} else {
		fmt.Fprintf(&b, "try order: %s\n\n", strings.Join(x.Order, " -> "))
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tKERNEL\tBACKEND\tPRIORITY\tBREAKER\tSOURCE\tVERDICT")
	for _, v := range x.Kernels {
		rank, source := "-", "-"
		if v.Rank > 0 {
			rank, source = strconv.Itoa(v.Rank), v.Source
		}
		name := v.Name
		if v.Reference {
			name += " (reference)"
		}
		breaker := v.Breaker.String()
		if v.Breaker == BreakerOpen {
			breaker += fmt.Sprintf(" (retry in %v)", v.RetryAfter.Round(100*time.Millisecond))
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%s\t%s\t%s\n", rank, name, v.Backend, v.Priority, breaker, source, v.verdict())
	}
	tw.Flush()
	return b.String()
}

// verdict is "accepted" or "rejected: CODE (message); CODE (message)".
func (v *KernelVerdict) verdict() string {
	if v.Accepted {
		return "accepted"
	}
	var parts []string
	for _, r := range v.Reasons.List() {
		parts = append(parts, r.String()+" ("+r.Message()+")")
	}
	return "rejected: " + strings.Join(parts, "; ")
}

// FormatContext writes c as the `lzgen explain -ctx` syntax, e.g.
// "platform=cpu,dtype=float16,head_dim=128", leaving out zero fields (and op).
func FormatContext(c *Context) string {
	var parts []string
	for f := FieldPlatform; f < NumFields; f++ {
		v := c.Int(f)
		var text string
		switch f {
		case FieldPlatform:
			text = c.Platform.String()
		case FieldDType:
			text = c.DType.String()
		case FieldLayout:
			text = c.Layout.String()
		case FieldDropoutP:
			text = strconv.FormatFloat(float64(c.DropoutP), 'g', -1, 32)
		default:
			if f.Kind() == KindBool {
				text = "true"
			} else {
				text = strconv.FormatInt(v, 10)
			}
		}
		if v != 0 || f == FieldPlatform || (f == FieldDropoutP && c.DropoutP != 0) {
			parts = append(parts, f.String()+"="+text)
		}
	}
	return strings.Join(parts, ",")
}
