// Winograd F(4×4, 3×3) transforms (Lavin & Gray 2015, interpolation points 0, ±1, ±2, ∞):
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// A 4×4 output tile costs 36 multiplies per channel pair instead of 144 (F(2×2) needs 64 for
// the same four tiles' worth), and its transformed input is 36 floats per 16 outputs instead
// of 16 per 4. Layouts match winograd.c with 36 matrices instead of 16.
#include "morph_kernels.h"
#include "winograd_common.h"
#include <string.h>

void morph_winograd4_weights(const float *w, int cout, int cin, int transpose_flip, int o0, int o1, float *u, float *rows) {
  int O = transpose_flip ? cin : cout, I = transpose_flip ? cout : cin;
  const float s6 = 1.0f / 6.0f, s12 = 1.0f / 12.0f, s24 = 1.0f / 24.0f;
  // One output channel's 36 rows at a time, in a small buffer (see winograd_store_rows),
  // rows holding 36·I floats.
  for (int o = o0; o < o1; o++) {
    for (int i = 0; i < I; i++) {
      float g[3][3], t[6][3];
      winograd_kernel(w, cin, o, i, transpose_flip, g);
      for (int b = 0; b < 3; b++) {  // t = G g
        float g0 = g[0][b], g1 = g[1][b], g2 = g[2][b];
        t[0][b] = 0.25f * g0;
        t[1][b] = -(g0 + g1 + g2) * s6;
        t[2][b] = -(g0 - g1 + g2) * s6;
        t[3][b] = g0 * s24 + g1 * s12 + g2 * s6;
        t[4][b] = g0 * s24 - g1 * s12 + g2 * s6;
        t[5][b] = g2;
      }
      for (int a = 0; a < 6; a++) {  // (G g) Gᵀ
        float g0 = t[a][0], g1 = t[a][1], g2 = t[a][2];
        float *r = rows + (size_t)(a * 6) * I + i;
        r[0] = 0.25f * g0;
        r[I] = -(g0 + g1 + g2) * s6;
        r[2 * (size_t)I] = -(g0 - g1 + g2) * s6;
        r[3 * (size_t)I] = g0 * s24 + g1 * s12 + g2 * s6;
        r[4 * (size_t)I] = g0 * s24 - g1 * s12 + g2 * s6;
        r[5 * (size_t)I] = g2;
      }
    }
    winograd_store_rows(u, rows, 36, O, o, I);
  }
}

void morph_winograd4_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                           float *v, size_t ldv, size_t xs, size_t col0, float *pbuf) {
  int ph = 4 * (ty1 - ty0) + 2, pw = 4 * tw + 2;
  for (int ci = 0; ci < c; ci++) {
    winograd_padded_rows(x + (size_t)ci * h * w, h, w, pad, 4 * ty0 - pad, ph, pw, pbuf);
    float *vb = v + (size_t)ci * ldv + col0;
    for (int ty = ty0; ty < ty1; ty++) {
      const float *r0 = pbuf + (size_t)(4 * (ty - ty0)) * pw;
      float *o = vb + (size_t)(ty - ty0) * tw;
      for (int tx = 0; tx < tw; tx++) {
        const float *p = r0 + 4 * tx;
        float t[6][6];
        for (int j = 0; j < 6; j++) {  // Bᵀ d, column j
          float d0 = p[j], d1 = p[pw + j], d2 = p[2 * pw + j], d3 = p[3 * pw + j], d4 = p[4 * pw + j],
                d5 = p[5 * pw + j];
          t[0][j] = 4.0f * d0 - 5.0f * d2 + d4;
          t[1][j] = -4.0f * (d1 + d2) + d3 + d4;
          t[2][j] = 4.0f * (d1 - d2) - d3 + d4;
          t[3][j] = 2.0f * (d3 - d1) - d2 + d4;
          t[4][j] = 2.0f * (d1 - d3) - d2 + d4;
          t[5][j] = 4.0f * d1 - 5.0f * d3 + d5;
        }
        for (int i = 0; i < 6; i++) {  // (Bᵀ d) B, row i
          float d0 = t[i][0], d1 = t[i][1], d2 = t[i][2], d3 = t[i][3], d4 = t[i][4], d5 = t[i][5];
          float *q = o + (size_t)(i * 6) * xs + tx;
          q[0] = 4.0f * d0 - 5.0f * d2 + d4;
          q[xs] = -4.0f * (d1 + d2) + d3 + d4;
          q[2 * xs] = 4.0f * (d1 - d2) - d3 + d4;
          q[3 * xs] = 2.0f * (d3 - d1) - d2 + d4;
          q[4 * xs] = 2.0f * (d1 - d3) - d2 + d4;
          q[5 * xs] = 4.0f * d1 - 5.0f * d3 + d5;
        }
      }
    }
  }
}

void morph_winograd4_output(const float *m, int co, int oh, int ow, int tw, int ty0, int ty1, size_t ldm,
                            size_t xs, size_t col0, const float *bias, int relu, float *y) {
  for (int o = 0; o < co; o++) {
    const float *mb = m + (size_t)o * ldm + col0;
    float b = bias ? bias[o] : 0.0f;
    float *dst = y + (size_t)o * oh * ow;
    for (int ty = ty0; ty < ty1; ty++)
      for (int tx = 0; tx < tw; tx++) {
        const float *p = mb + (size_t)(ty - ty0) * tw + tx;
        float s[4][6];
        for (int j = 0; j < 6; j++) {  // Aᵀ m, column j
          float m0 = p[(size_t)j * xs], m1 = p[(size_t)(6 + j) * xs], m2 = p[(size_t)(12 + j) * xs];
          float m3 = p[(size_t)(18 + j) * xs], m4 = p[(size_t)(24 + j) * xs], m5 = p[(size_t)(30 + j) * xs];
          float a = m1 + m2, d = m1 - m2, e = m3 + m4, f = m3 - m4;
          s[0][j] = m0 + a + e;
          s[1][j] = d + 2.0f * f;
          s[2][j] = a + 4.0f * e;
          s[3][j] = d + 8.0f * f + m5;
        }
        for (int i = 0; i < 4; i++) {
          int oy = 4 * ty + i;
          if (oy >= oh) break;
          float a = s[i][1] + s[i][2], d = s[i][1] - s[i][2], e = s[i][3] + s[i][4], f = s[i][3] - s[i][4];
          float r[4] = {s[i][0] + a + e + b, d + 2.0f * f + b, a + 4.0f * e + b, d + 8.0f * f + s[i][5] + b};
          float *row = dst + (size_t)oy * ow + 4 * tx;
          int n = ow - 4 * tx < 4 ? ow - 4 * tx : 4;
          for (int jx = 0; jx < n; jx++) row[jx] = relu && r[jx] < 0.0f ? 0.0f : r[jx];
        }
      }
  }
}
