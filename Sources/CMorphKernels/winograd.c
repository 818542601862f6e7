// Winograd F(2×2, 3×3) transforms (Lavin & Gray 2015):
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
#include "morph_kernels.h"
#include <stdlib.h>
#include <string.h>

void morph_winograd_weights(const float *w, int cout, int cin, int transpose_flip, float *u) {
  int O = transpose_flip ? cin : cout, I = transpose_flip ? cout : cin;
  // One output channel's 16 rows are built in a small buffer and copied out row by row:
  // written straight into u, the 16 streams sit O·I floats apart (a power of two for most
  // layers) and evict each other from the cache on every store.
  float *rows = malloc(sizeof(float) * 16 * (size_t)I);
  if (!rows) return;
  for (int o = 0; o < O; o++) {
    for (int i = 0; i < I; i++) {
      float g[3][3], t[4][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
          g[a][b] = transpose_flip ? w[((size_t)(i * cin + o) * 3 + 2 - a) * 3 + 2 - b]
                                   : w[((size_t)(o * cin + i) * 3 + a) * 3 + b];
      for (int b = 0; b < 3; b++) {  // t = G g
        t[0][b] = g[0][b];
        t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
      }
      for (int a = 0; a < 4; a++) {  // (G g) Gᵀ
        float *r = rows + (size_t)(a * 4) * I + i;
        r[0] = t[a][0];
        r[I] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
        r[2 * (size_t)I] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
        r[3 * (size_t)I] = t[a][2];
      }
    }
    for (int xi = 0; xi < 16; xi++) memcpy(u + ((size_t)xi * O + o) * I, rows + (size_t)xi * I, sizeof(float) * I);
  }
  free(rows);
}

void morph_winograd_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                          float *v, size_t ldv, size_t xs, size_t col0, float *pbuf) {
  int ph = 2 * (ty1 - ty0) + 2, pw = 2 * tw + 2;
  int lo = pad < pw ? pad : pw, hi = pad + w < pw ? pad + w : pw;
  for (int ci = 0; ci < c; ci++) {
    const float *src = x + (size_t)ci * h * w;
    // A zero-padded copy of the rows the tiles read makes every patch branch-free.
    for (int r = 0; r < ph; r++) {
      float *dst = pbuf + (size_t)r * pw;
      int sr = 2 * ty0 + r - pad;
      if (sr < 0 || sr >= h) { memset(dst, 0, sizeof(float) * pw); continue; }
      memset(dst, 0, sizeof(float) * lo);
      memcpy(dst + lo, src + (size_t)sr * w, sizeof(float) * (hi - lo));
      memset(dst + hi, 0, sizeof(float) * (pw - hi));
    }
    float *vb = v + (size_t)ci * ldv + col0;
    for (int ty = ty0; ty < ty1; ty++) {
      const float *r0 = pbuf + (size_t)(2 * (ty - ty0)) * pw, *r1 = r0 + pw, *r2 = r1 + pw, *r3 = r2 + pw;
      float *o = vb + (size_t)(ty - ty0) * tw;
      for (int tx = 0; tx < tw; tx++) {
        int c0 = 2 * tx;
        float t[4][4];
        for (int j = 0; j < 4; j++) {  // Bᵀ d
          float d0 = r0[c0 + j], d1 = r1[c0 + j], d2 = r2[c0 + j], d3 = r3[c0 + j];
          t[0][j] = d0 - d2;
          t[1][j] = d1 + d2;
          t[2][j] = d2 - d1;
          t[3][j] = d1 - d3;
        }
        for (int i = 0; i < 4; i++) {  // (Bᵀ d) B
          o[(size_t)(i * 4 + 0) * xs + tx] = t[i][0] - t[i][2];
          o[(size_t)(i * 4 + 1) * xs + tx] = t[i][1] + t[i][2];
          o[(size_t)(i * 4 + 2) * xs + tx] = t[i][2] - t[i][1];
          o[(size_t)(i * 4 + 3) * xs + tx] = t[i][1] - t[i][3];
        }
      }
    }
  }
}

void morph_winograd_output(const float *m, int co, int oh, int ow, int tw, int ty0, int ty1, size_t ldm,
                           size_t xs, size_t col0, const float *bias, int relu, float *y) {
  for (int o = 0; o < co; o++) {
    const float *mb = m + (size_t)o * ldm + col0;
    float b = bias ? bias[o] : 0.0f;
    float *dst = y + (size_t)o * oh * ow;
    for (int ty = ty0; ty < ty1; ty++)
      for (int tx = 0; tx < tw; tx++) {
        const float *p = mb + (size_t)(ty - ty0) * tw + tx;
        float s[2][4];
        for (int j = 0; j < 4; j++) {  // Aᵀ m
          float m0 = p[(size_t)(0 * 4 + j) * xs], m1 = p[(size_t)(1 * 4 + j) * xs];
          float m2 = p[(size_t)(2 * 4 + j) * xs], m3 = p[(size_t)(3 * 4 + j) * xs];
          s[0][j] = m0 + m1 + m2;
          s[1][j] = m1 - m2 - m3;
        }
        for (int i = 0; i < 2; i++) {
          int oy = 2 * ty + i;
          if (oy >= oh) break;
          float r[2] = {s[i][0] + s[i][1] + s[i][2] + b, s[i][1] - s[i][2] - s[i][3] + b};
          for (int jx = 0; jx < 2; jx++) {
            int ox = 2 * tx + jx;
            if (ox >= ow) break;
            float val = r[jx];
            dst[(size_t)oy * ow + ox] = relu && val < 0.0f ? 0.0f : val;
          }
        }
      }
  }
}
