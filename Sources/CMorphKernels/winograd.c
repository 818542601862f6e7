// Winograd F(2×2, 3×3) transforms (Lavin & Gray 2015):
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
#include "morph_kernels.h"
#include "winograd_common.h"
#include <string.h>

void morph_winograd_weights(const float *w, int cout, int cin, int transpose_flip, int o0, int o1, float *u, float *rows) {
  int O = transpose_flip ? cin : cout, I = transpose_flip ? cout : cin;
  // One output channel's 16 rows at a time, in a small buffer (see winograd_store_rows),
  // rows holding 16·I floats.
  for (int o = o0; o < o1; o++) {
    for (int i = 0; i < I; i++) {
      float g[3][3], t[4][3];
      winograd_kernel(w, cin, o, i, transpose_flip, g);
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
    winograd_store_rows(u, rows, 16, O, o, I);
  }
}

void morph_winograd_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                          float *v, size_t ldv, size_t xs, size_t col0, float *pbuf) {
  int ph = 2 * (ty1 - ty0) + 2, pw = 2 * tw + 2;
  for (int ci = 0; ci < c; ci++) {
    winograd_padded_rows(x + (size_t)ci * h * w, h, w, pad, 2 * ty0 - pad, ph, pw, pbuf);
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
