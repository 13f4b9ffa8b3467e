// Package cuda is lzgen's binding to the CUDA driver API. It loads
// libcuda.so.1 with dlopen at run time (no CUDA headers or libraries are
// needed to build), so every program that imports it builds and runs on any
// machine: without a driver each entry point returns ErrNoDriver and the
// dispatch engine serves the call with a CPU kernel.
//
// Generated launch wrappers use three things: a ModuleSet over the embedded
// PTX, a FunctionRef per kernel entry (resolved lazily, once) and
// Function.Launch, which packs the arguments without allocating.
//
// Tests replace the driver with SetDriver; package cudatest has a fake that
// records every launch.
package cuda
