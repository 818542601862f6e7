// The interleave of a sub-pixel convolution's four phase planes and its adjoint (see
// SubpixelConvolution.swift and morph_kernels.h).
#include "morph_kernels.h"

#include <string.h>

void morph_subpixel_interleave(const float *z, int cout, int h, int w, size_t p0, size_t p1, float *y) {
  const size_t zw = (size_t)w + 1, zplane = ((size_t)h + 1) * zw, yw = 2 * (size_t)w;
  const size_t yplane = 4 * (size_t)h * w;
  for (size_t p = p0; p < p1; p++) {
    size_t img = p / (size_t)cout, o = p % (size_t)cout;
    float *dst = y + p * yplane;
    for (int a = 0; a < 2; a++) {
      // Phases (a, 0) and (a, 1) fill alternate pixels of the same output rows: one pass
      // writes each row contiguously.
      const float *s0 = z + ((img * 4 + (size_t)(2 * a)) * cout + o) * zplane + (size_t)a * zw;
      const float *s1 = z + ((img * 4 + (size_t)(2 * a + 1)) * cout + o) * zplane + (size_t)a * zw + 1;
      for (int i = 0; i < h; i++) {
        const float *r0 = s0 + (size_t)i * zw, *r1 = s1 + (size_t)i * zw;
        float *out = dst + (2 * (size_t)i + a) * yw;
        for (int j = 0; j < w; j++) {
          out[2 * j] = r0[j];
          out[2 * j + 1] = r1[j];
        }
      }
    }
  }
}

void morph_subpixel_deinterleave(const float *y, int cout, int h, int w, size_t p0, size_t p1, float *z) {
  const size_t zw = (size_t)w + 1, zplane = ((size_t)h + 1) * zw, yw = 2 * (size_t)w;
  const size_t yplane = 4 * (size_t)h * w;
  for (size_t p = p0; p < p1; p++) {
    size_t img = p / (size_t)cout, o = p % (size_t)cout;
    const float *src = y + p * yplane;
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++) {
        float *dst = z + ((img * 4 + (size_t)(2 * a + b)) * cout + o) * zplane;
        memset(dst, 0, sizeof(float) * zplane);
        for (int i = 0; i < h; i++) {
          float *row = dst + (size_t)(i + a) * zw + b;
          const float *in = src + (2 * (size_t)i + a) * yw + b;
          for (int j = 0; j < w; j++) row[j] = in[2 * j];
        }
      }
  }
}
