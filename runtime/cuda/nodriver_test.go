package cuda

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
)

// TestNoDriverEveryEntryPoint checks that a machine without CUDA gets
// ErrNoDriver from every public entry point rather than a crash.
func TestNoDriverEveryEntryPoint(t *testing.T) {
	t.Cleanup(SetDriver(noDriver{err: ErrNoDriver}))
	if Available() {
		t.Error("Available() = true without a driver")
	}
	set := NewModuleSet(fstest.MapFS{"norm.ptx": {Data: []byte(".entry lz_rms_norm(.param .u64 x)")}}, ".")
	_, getErr := set.Ref("norm.cu", "lz_rms_norm").Get()
	_, countErr := DeviceCount()
	_, attrErr := DeviceAttribute(0, AttrComputeCapabilityMajor)
	_, allocErr := Alloc(0, 64)
	_, streamErr := NewStream(0)
	syncErr := Synchronize(0)
	for name, err := range map[string]error{"Get": getErr, "DeviceCount": countErr, "DeviceAttribute": attrErr,
		"Alloc": allocErr, "NewStream": streamErr, "Synchronize": syncErr} {
		if !errors.Is(err, ErrNoDriver) {
			t.Errorf("%s: error = %v, want ErrNoDriver", name, err)
		}
	}
}

// TestSystemDriverWithoutLibcuda runs the real dlopen path; on a machine
// with an NVIDIA driver there is nothing to check.
func TestSystemDriverWithoutLibcuda(t *testing.T) {
	d := systemDriver()
	err := d.Init()
	if err == nil {
		t.Skip("this machine has a CUDA driver")
	}
	if !errors.Is(err, ErrNoDriver) {
		t.Errorf("Init() = %v, want ErrNoDriver", err)
	}
	if err2 := d.Init(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Init() = %v, want the first error again", err2)
	}
}

// TestBuildsWithoutCgo compiles the CUDA packages with CGO_ENABLED=0 and
// runs the system-driver test there, where it must report ErrNoDriver.
func TestBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles packages; skipped with -short")
	}
	vet := exec.Command("go", "vet", "./", "./cudatest", "../../kernels/cuda")
	vet.Env = append(vet.Environ(), "CGO_ENABLED=0")
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go vet: %v\n%s", err, out)
	}
	run := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestSystemDriverWithoutLibcuda$", ".")
	run.Env = append(run.Environ(), "CGO_ENABLED=0")
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSystemDriverWithoutLibcuda") {
		t.Fatalf("CGO_ENABLED=0 go test: %v\n%s", err, out)
	}
}
