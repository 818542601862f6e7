// CMorphKernels: hot loops of the tensor engine, compiled with -O3 even in debug builds.
// Kernels are free functions over raw float pointers with explicit sizes.
#ifndef MORPH_KERNELS_H
#define MORPH_KERNELS_H
#include <stddef.h>

/// y[i] = max(x[i], 0) for i < n.
void morph_relu_forward(const float *x, float *y, size_t n);

#endif
