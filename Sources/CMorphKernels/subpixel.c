// The interleave of a sub-pixel convolution's four phase planes and its adjoint (see
// SubpixelConvolution.swift and morph_kernels.h).
#include "morph_kernels.h"

#include <string.h>

void morph_subpixel_interleave(const float *z, int n, int cout, int h, int w, float *y) {
  const size_t zw = (size_t)w + 1, zplane = ((size_t)h + 1) * zw, yw = 2 * (size_t)w;
  const size_t yplane = 4 * (size_t)h * w;
  for (int img = 0; img < n; img++)
    for (int o = 0; o < cout; o++) {
      float *dst = y + ((size_t)img * cout + o) * yplane;
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
          const float *src = z + (((size_t)img * 4 + (size_t)(2 * a + b)) * cout + o) * zplane;
          for (int i = 0; i < h; i++) {
            const float *row = src + (size_t)(i + a) * zw + b;
            float *out = dst + (2 * (size_t)i + a) * yw + b;
            for (int j = 0; j < w; j++) out[2 * j] = row[j];
          }
        }
    }
}

void morph_subpixel_deinterleave(const float *y, int n, int cout, int h, int w, float *z) {
  const size_t zw = (size_t)w + 1, zplane = ((size_t)h + 1) * zw, yw = 2 * (size_t)w;
  const size_t yplane = 4 * (size_t)h * w;
  memset(z, 0, sizeof(float) * (size_t)n * 4 * cout * zplane);
  for (int img = 0; img < n; img++)
    for (int o = 0; o < cout; o++) {
      const float *src = y + ((size_t)img * cout + o) * yplane;
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
          float *dst = z + (((size_t)img * 4 + (size_t)(2 * a + b)) * cout + o) * zplane;
          for (int i = 0; i < h; i++) {
            float *row = dst + (size_t)(i + a) * zw + b;
            const float *in = src + (2 * (size_t)i + a) * yw + b;
            for (int j = 0; j < w; j++) row[j] = in[2 * j];
          }
        }
    }
}
