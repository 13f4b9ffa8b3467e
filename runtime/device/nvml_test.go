//go:build cgo

package device

import (
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/layerzero/lzgen/runtime"
)

// v100 is an sm_70 GPU; go-nvml ships no Volta mock, so an A100 config is
// relabelled.
var v100 = func() gpus.Config {
	c := gpus.A100_SXM4_40GB
	c.Name, c.Architecture, c.MemoryMB, c.CudaMajor, c.CudaMinor = "Tesla V100-SXM2-32GB", nvml.DEVICE_ARCH_VOLTA, 32768, 7, 0
	return c
}()

// kernels mirrors the quickstart's attention.causal CUDA kernels, highest
// priority first, with a Hopper-only kernel above the sm80 one.
var kernels = []struct {
	name string
	when runtime.Constraints
}{
	{"attention_causal_sm90", runtime.Constraints{Platform: runtime.PlatformCUDA, MinSM: 90,
		DTypes: runtime.DTypeSet(0).With(runtime.Float16).With(runtime.BFloat16), SupportsGQA: true}},
	{"attention_causal_flash_sm80", runtime.Constraints{Platform: runtime.PlatformCUDA, MinSM: 80,
		DTypes: runtime.DTypeSet(0).With(runtime.Float16).With(runtime.BFloat16), SupportsGQA: true,
		HeadDim: runtime.Range{Max: 128, Multiple: 64}, Layouts: runtime.LayoutSet(0).With(runtime.BSHD)}},
}

// selectKernel returns the first kernel whose constraints accept a bf16
// attention call on device 0, as generated context builders fill it, and
// every rejection on the way.
func selectKernel() (string, map[string]runtime.Reasons) {
	c := runtime.Context{Platform: runtime.PlatformCUDA, Device: 0, SM: runtime.DeviceSM(0),
		DType: runtime.BFloat16, Layout: runtime.BSHD, BatchSize: 1, SeqLenQ: 128, SeqLenK: 128,
		NumHeads: 32, NumKVHeads: 8, HeadDim: 128, IsCausal: true}
	rejected := map[string]runtime.Reasons{}
	for _, k := range kernels {
		if rs := k.when.Check(&c); !rs.Empty() {
			rejected[k.name] = rs
			continue
		}
		return k.name, rejected
	}
	return "", rejected
}

// detectAndPublish runs detection on a mock machine and publishes it,
// restoring every published device's SM afterwards.
func detectAndPublish(t *testing.T, lib nvml.Interface) []Info {
	t.Helper()
	devices, err := DetectWith(lib)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		before := runtime.DeviceSM(int32(d.Index))
		t.Cleanup(func() { runtime.SetDeviceSM(int32(d.Index), before) })
	}
	Publish(devices)
	return devices
}

func TestDetectH100(t *testing.T) {
	devices := detectAndPublish(t, dgxh100.New())
	if len(devices) != 8 {
		t.Fatalf("detected %d GPUs, want 8", len(devices))
	}
	d := devices[3]
	if d.Index != 3 || d.Name != "NVIDIA H100 80GB HBM3" || d.SM() != 90 || d.MemoryBytes != 80<<30 ||
		d.DriverVersion != "550.54.15" || d.CUDADriverVersion != 12040 || d.UUID == "" {
		t.Errorf("GPU 3 = %+v, want an sm_90 80 GiB H100 on driver 550.54.15 / CUDA 12.4 with a UUID", d)
	}
	if got := runtime.DeviceSM(7); got != 90 {
		t.Errorf("DeviceSM(7) = %d after Publish, want 90", got)
	}
	if !strings.Contains(d.String(), "sm_90") {
		t.Errorf("String() = %q, want it to name sm_90", d)
	}
}

func TestSelectionBySM(t *testing.T) {
	for _, tc := range []struct {
		machine  string
		lib      nvml.Interface
		want     string
		rejected map[string]runtime.Reason
	}{
		{"dgx-h100", dgxh100.New(), "attention_causal_sm90", nil},
		{"dgx-a100", dgxa100.New(), "attention_causal_flash_sm80",
			map[string]runtime.Reason{"attention_causal_sm90": runtime.SMTooOld}},
		{"v100", dgxh100.NewWithGPUs(v100), "",
			map[string]runtime.Reason{"attention_causal_sm90": runtime.SMTooOld, "attention_causal_flash_sm80": runtime.SMTooOld}},
	} {
		t.Run(tc.machine, func(t *testing.T) {
			detectAndPublish(t, tc.lib)
			got, rejected := selectKernel()
			if got != tc.want {
				t.Errorf("selected %q, want %q (rejections %v)", got, tc.want, rejected)
			}
			if len(rejected) != len(tc.rejected) {
				t.Errorf("rejections %v, want %v", rejected, tc.rejected)
			}
			for name, reason := range tc.rejected {
				if rs := rejected[name]; rs != runtime.Reasons(0).With(reason) {
					t.Errorf("%s rejected with %v, want only %v", name, rs, reason)
				}
			}
		})
	}
}

func TestDetectReportsNVMLFailure(t *testing.T) {
	lib := dgxh100.New()
	lib.InitFunc = func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }
	if _, err := DetectWith(lib); !errors.Is(err, ErrUnavailable) || !errors.Is(err, nvml.ERROR_LIBRARY_NOT_FOUND) {
		t.Errorf("DetectWith(no library) error = %v, want ErrUnavailable wrapping ERROR_LIBRARY_NOT_FOUND", err)
	}
	lib = dgxh100.New()
	dev := lib.Devices[2].(*server.Device)
	dev.GetCudaComputeCapabilityFunc = func() (int, int, nvml.Return) { return 0, 0, nvml.ERROR_GPU_IS_LOST }
	if _, err := DetectWith(lib); !errors.Is(err, nvml.ERROR_GPU_IS_LOST) || !strings.Contains(err.Error(), "GPU 2") {
		t.Errorf("DetectWith(lost GPU 2) error = %v, want it to name GPU 2 and wrap ERROR_GPU_IS_LOST", err)
	}
}
