// Pieces shared by the F(2×2, 3×3) and F(4×4, 3×3) transforms (winograd.c, winograd4.c).
#ifndef MORPH_WINOGRAD_COMMON_H
#define MORPH_WINOGRAD_COMMON_H
#include <stddef.h>
#include <string.h>

/// The 3×3 kernel of (output o, input i) of the convolution being transformed: w's own
/// (w is cout×cin×3×3), or with transpose_flip that of its input gradient, w[i][o] rotated by
/// 180°.
static inline void winograd_kernel(const float *w, int cin, int o, int i, int transpose_flip, float g[3][3]) {
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      g[a][b] = transpose_flip ? w[((size_t)(i * cin + o) * 3 + 2 - a) * 3 + 2 - b]
                               : w[((size_t)(o * cin + i) * 3 + a) * 3 + b];
}

/// Rows row0 … row0 + ph − 1 of the h×w plane src, padded by pad zeros on the left and cut or
/// zero-filled to pw columns, into pbuf (ph×pw); rows outside the plane are zeros. A padded
/// copy of the rows the tiles read makes every patch branch-free.
static inline void winograd_padded_rows(const float *src, int h, int w, int pad, int row0, int ph, int pw, float *pbuf) {
  int lo = pad < pw ? pad : pw, hi = pad + w < pw ? pad + w : pw;
  for (int r = 0; r < ph; r++) {
    float *dst = pbuf + (size_t)r * pw;
    int sr = row0 + r;
    if (sr < 0 || sr >= h) { memset(dst, 0, sizeof(float) * pw); continue; }
    memset(dst, 0, sizeof(float) * lo);
    if (hi > lo) memcpy(dst + lo, src + (size_t)sr * w, sizeof(float) * (hi - lo));
    memset(dst + hi, 0, sizeof(float) * (pw - hi));
  }
}

/// Copies one output channel o's rows (matrices rows of I floats, built contiguously in rows)
/// to their places in u ([matrices][O][I]). Stored straight into u, the matrices' streams sit
/// O·I floats apart (a power of two for most layers) and evict each other on every store.
static inline void winograd_store_rows(float *u, const float *rows, int matrices, int O, int o, int I) {
  for (int xi = 0; xi < matrices; xi++) memcpy(u + ((size_t)xi * O + o) * I, rows + (size_t)xi * I, sizeof(float) * I);
}

#endif
