package kcuda

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
	"github.com/layerzero/lzgen/runtime/cuda/cudatest"
)

// sourceHash is what build-ptx.sh stamps: the sha256 of the .cu followed by
// every .h and .cuh file of this directory in name order.
func sourceHash(t *testing.T, cu string) string {
	t.Helper()
	var headers []string
	for _, pattern := range []string{"*.h", "*.cuh"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		headers = append(headers, matches...)
	}
	slices.Sort(headers)
	h := sha256.New()
	for _, name := range append([]string{cu}, headers...) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestPTXIsFresh fails when a .cu file or a header changed since `make ptx`
// last ran, or a module was never built. It needs no CUDA compiler.
func TestPTXIsFresh(t *testing.T) {
	sources, err := filepath.Glob("*.cu")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no .cu files found (%v)", err)
	}
	for _, cu := range sources {
		ptx := PTX.PTXPath(cu)
		data, err := ptxFS.ReadFile(ptx)
		if err != nil {
			t.Errorf("%s has no PTX (%v): run `make ptx`", cu, err)
			continue
		}
		first, _, _ := bytes.Cut(data, []byte("\n"))
		stamp, ok := strings.CutPrefix(string(first), "// lzgen-source-sha256: ")
		if want := sourceHash(t, cu); !ok || stamp != want {
			t.Errorf("%s is stale against %s and the headers (stamp %q, sources hash to %s): run `make ptx`", ptx, cu, first, want)
		}
	}
}

// prototype is one kernel of the generated header.
type prototype struct {
	entry, module string
	sizes         []uint32 // C parameter sizes
}

var (
	protoLine   = regexp.MustCompile(`^extern "C" __global__ void (\w+)\((.*)\);$`)
	definedLine = regexp.MustCompile(`^// (\w+) implements .*, defined in (\S+)\.$`)
)

// headerPrototypes reads lz_kernels.h.
func headerPrototypes(t *testing.T) []prototype {
	t.Helper()
	f, err := os.Open("lz_kernels.h")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	modules := map[string]string{}
	var protos []prototype
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := definedLine.FindStringSubmatch(sc.Text()); m != nil {
			modules[m[1]] = m[2]
		}
		m := protoLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		p := prototype{entry: m[1], module: modules[m[1]]}
		for _, param := range strings.Split(m[2], ", ") {
			size, err := cTypeSize(param)
			if err != nil {
				t.Fatalf("lz_kernels.h: %s: %v", p.entry, err)
			}
			p.sizes = append(p.sizes, size)
		}
		protos = append(protos, p)
	}
	if len(protos) == 0 {
		t.Fatal("lz_kernels.h declares no kernels")
	}
	return protos
}

// cTypeSize returns the size of a parameter declared as "type name" with
// the C types lzgen emits.
func cTypeSize(param string) (uint32, error) {
	typ := strings.TrimSpace(param[:strings.LastIndexAny(param, " *")+1])
	switch typ {
	case "void*", "const void*", "long long", "double":
		return 8, nil
	case "float", "int":
		return 4, nil
	}
	return 0, fmt.Errorf("unexpected C type %q", typ)
}

// TestPTXMatchesHeader checks that each kernel the header declares is in
// its module's PTX with parameters of the declared sizes, so the argument
// bytes a launch wrapper packs are the ones the kernel reads.
func TestPTXMatchesHeader(t *testing.T) {
	for _, p := range headerPrototypes(t) {
		data, err := ptxFS.ReadFile(PTX.PTXPath(p.module))
		if err != nil {
			t.Errorf("%s: module %q has no PTX: %v", p.entry, p.module, err)
			continue
		}
		entries, err := cuda.ParseEntries(data)
		if err != nil {
			t.Fatalf("%s: %v", p.module, err)
		}
		i := slices.IndexFunc(entries, func(e cuda.Entry) bool { return e.Name == p.entry })
		if i < 0 {
			t.Errorf("%s: not in %s's PTX", p.entry, p.module)
			continue
		}
		var got []uint32
		for _, param := range entries[i].Params {
			got = append(got, param.Size)
		}
		if !slices.Equal(got, p.sizes) {
			t.Errorf("%s: PTX parameter sizes %v, header declares %v", p.entry, got, p.sizes)
		}
	}
}

// TestEveryKernelResolves loads every declared kernel through PTX with the
// fake driver, as the generated launch wrappers do.
func TestEveryKernelResolves(t *testing.T) {
	cudatest.Install(t)
	for _, p := range headerPrototypes(t) {
		fn, err := PTX.Ref(p.module, p.entry).Get()
		if err != nil {
			t.Errorf("%s: %v", p.entry, err)
			continue
		}
		if fn.NumParams() != len(p.sizes) {
			t.Errorf("%s: %d parameters, header declares %d", p.entry, fn.NumParams(), len(p.sizes))
		}
	}
}

// TestDTypeCodes checks that the dtype argument's codes in lz_common.cuh
// are runtime.DType's values, which launch wrappers pass as int(c.DType).
func TestDTypeCodes(t *testing.T) {
	src, err := os.ReadFile("lz_common.cuh")
	if err != nil {
		t.Fatal(err)
	}
	for name, dt := range map[string]runtime.DType{"LZ_FLOAT32": runtime.Float32, "LZ_FLOAT16": runtime.Float16, "LZ_BFLOAT16": runtime.BFloat16} {
		m := regexp.MustCompile(`#define ` + name + ` (\d+)`).FindSubmatch(src)
		if m == nil {
			t.Errorf("lz_common.cuh does not define %s", name)
			continue
		}
		if v, _ := strconv.Atoi(string(m[1])); v != int(dt) {
			t.Errorf("%s = %d, runtime.%v = %d", name, v, dt, dt)
		}
	}
}
