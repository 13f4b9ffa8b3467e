package cuda

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Param is one kernel parameter as a PTX .entry declares it.
type Param struct {
	Size  uint32 // bytes
	Align uint32 // bytes
}

// Entry is a kernel entry point of a PTX module and its parameters in order.
type Entry struct {
	Name   string
	Params []Param
}

// ParseEntries lists the .entry declarations of a PTX module. Launch uses
// the parameter sizes to pack arguments (cuLaunchKernel copies each
// parameter by its declared size) and to reject a wrong argument count
// before the driver reads past the caller's arguments.
func ParseEntries(ptx []byte) ([]Entry, error) {
	var entries []Entry
	rest := ptx
	for {
		i := bytes.Index(rest, []byte(".entry"))
		if i < 0 {
			return entries, nil
		}
		line := 1 + bytes.Count(ptx[:len(ptx)-len(rest)+i], []byte("\n"))
		rest = rest[i+len(".entry"):]
		open, closing := bytes.IndexByte(rest, '('), bytes.IndexByte(rest, ')')
		if open < 0 || closing < open {
			return nil, fmt.Errorf("ptx line %d: .entry without a parameter list", line)
		}
		e := Entry{Name: string(bytes.TrimSpace(rest[:open]))}
		if e.Name == "" {
			return nil, fmt.Errorf("ptx line %d: .entry without a name", line)
		}
		list := strings.TrimSpace(string(rest[open+1 : closing]))
		if list != "" {
			for _, decl := range strings.Split(list, ",") {
				p, err := parseParam(decl)
				if err != nil {
					return nil, fmt.Errorf("ptx line %d: entry %s: %w", line, e.Name, err)
				}
				e.Params = append(e.Params, p)
			}
		}
		entries = append(entries, e)
		rest = rest[closing+1:]
	}
}

// parseParam reads one `.param .u64 .ptr .align 8 name[4]` declaration.
func parseParam(decl string) (Param, error) {
	fields := strings.Fields(decl)
	if len(fields) < 3 || fields[0] != ".param" {
		return Param{}, fmt.Errorf("bad parameter declaration %q", strings.TrimSpace(decl))
	}
	var p Param
	var elem uint32
	for i := 1; i < len(fields)-1; i++ {
		f := fields[i]
		if f == ".align" && i+1 < len(fields)-1 {
			n, err := strconv.ParseUint(fields[i+1], 10, 32)
			if err != nil {
				return Param{}, fmt.Errorf("bad alignment in %q", decl)
			}
			p.Align = uint32(n)
			i++
			continue
		}
		if len(f) >= 3 && strings.ContainsRune("usbf", rune(f[1])) {
			if bits, err := strconv.ParseUint(f[2:], 10, 32); err == nil && bits%8 == 0 && bits <= 64 {
				elem = uint32(bits / 8)
			}
		}
	}
	if elem == 0 {
		return Param{}, fmt.Errorf("no scalar type in %q", strings.TrimSpace(decl))
	}
	count := uint32(1)
	name := fields[len(fields)-1]
	if lb := strings.IndexByte(name, '['); lb >= 0 && strings.HasSuffix(name, "]") {
		n, err := strconv.ParseUint(name[lb+1:len(name)-1], 10, 32)
		if err != nil || n == 0 {
			return Param{}, fmt.Errorf("bad array length in %q", decl)
		}
		count = uint32(n)
	}
	p.Size = elem * count
	if p.Align == 0 {
		p.Align = elem
	}
	return p, nil
}
