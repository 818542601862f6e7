// Nearest ×2 upsampling followed by a 3×3 convolution, computed on the small image: each of
// the four output phases is a 2×2 convolution of the input (see morph_kernels.h).
#include "morph_kernels.h"

#include <string.h>

void morph_subpixel_weights(const float *w, int cout, int cin, float *out) {
  // Tap ky of the 3×3 kernel lands on input offset r of phase a: a = 0 → {0}, {1, 2};
  // a = 1 → {0, 1}, {2}. The same holds for columns.
  static const int first[2][2] = {{0, 1}, {0, 2}}, last[2][2] = {{0, 2}, {1, 2}};
  const size_t pair = (size_t)cout * cin;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      float *phase = out + (size_t)(2 * a + b) * pair * 4;
      for (size_t oc = 0; oc < pair; oc++) {
        const float *k = w + oc * 9;
        float *dst = phase + oc * 4;
        for (int r = 0; r < 2; r++)
          for (int c = 0; c < 2; c++) {
            float sum = 0;
            for (int ky = first[a][r]; ky <= last[a][r]; ky++)
              for (int kx = first[b][c]; kx <= last[b][c]; kx++) sum += k[ky * 3 + kx];
            dst[r * 2 + c] = sum;
          }
      }
    }
}

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
