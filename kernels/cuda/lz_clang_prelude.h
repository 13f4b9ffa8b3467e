// What nvcc predefines and clang does not when it compiles CUDA without a
// CUDA SDK (-nocudainc -nocudalib): the execution-space attributes and the
// built-in thread-index variables. build-ptx.sh force-includes this file
// only when it falls back to clang.
#ifndef LZ_CLANG_PRELUDE_H
#define LZ_CLANG_PRELUDE_H
#include <__clang_cuda_builtin_vars.h>
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#endif // LZ_CLANG_PRELUDE_H
