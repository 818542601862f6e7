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

// Longest padded row (2·tiles + 2 floats) the vectorised passes keep on the stack; wider
// planes take the per-tile loops.
enum { ROW_SCRATCH = 1024 };

/// Bᵀ d B for one row of tiles, per tile (any width).
static void input_row_per_tile(const float *r0, int pw, int tw, float *o, size_t xs) {
  const float *r1 = r0 + pw, *r2 = r1 + pw, *r3 = r2 + pw;
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

/// The same, as two passes the compiler vectorises: Bᵀ over the four input rows (whole rows),
/// then B over each tile's four columns (consecutive tiles are consecutive in each output
/// matrix). Needs pw ≤ ROW_SCRATCH.
static void input_row_vectorised(const float *r0, int pw, int tw, float *o, size_t xs) {
  const float *restrict a = r0, *restrict b = r0 + pw, *restrict c = r0 + 2 * pw, *restrict d = r0 + 3 * pw;
  float t[4][ROW_SCRATCH];
  float *restrict t0 = t[0], *restrict t1 = t[1], *restrict t2 = t[2], *restrict t3 = t[3];
  for (int x = 0; x < pw; x++) {
    t0[x] = a[x] - c[x];
    t1[x] = b[x] + c[x];
    t2[x] = c[x] - b[x];
    t3[x] = b[x] - d[x];
  }
  for (int i = 0; i < 4; i++) {
    const float *restrict ti = t[i];
    float *restrict o0 = o + (size_t)(i * 4) * xs, *restrict o1 = o0 + xs, *restrict o2 = o1 + xs, *restrict o3 = o2 + xs;
    for (int tx = 0; tx < tw; tx++) {
      float e0 = ti[2 * tx], e1 = ti[2 * tx + 1], e2 = ti[2 * tx + 2], e3 = ti[2 * tx + 3];
      o0[tx] = e0 - e2;
      o1[tx] = e1 + e2;
      o2[tx] = e2 - e1;
      o3[tx] = e1 - e3;
    }
  }
}

void morph_winograd_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                          float *v, size_t ldv, size_t xs, size_t col0, float *pbuf) {
  int ph = 2 * (ty1 - ty0) + 2, pw = 2 * tw + 2;
  for (int ci = 0; ci < c; ci++) {
    winograd_padded_rows(x + (size_t)ci * h * w, h, w, pad, 2 * ty0 - pad, ph, pw, pbuf);
    float *vb = v + (size_t)ci * ldv + col0;
    for (int ty = ty0; ty < ty1; ty++) {
      const float *r0 = pbuf + (size_t)(2 * (ty - ty0)) * pw;
      float *o = vb + (size_t)(ty - ty0) * tw;
      if (pw <= ROW_SCRATCH) input_row_vectorised(r0, pw, tw, o, xs);
      else input_row_per_tile(r0, pw, tw, o, xs);
    }
  }
}

/// Aᵀ m A for one row of tiles into output rows oy0 (and oy0 + 1 when `two_rows`), per tile.
static void output_row_per_tile(const float *p, size_t xs, int tw, int ow, int two_rows, float b, int relu,
                                float *row0) {
  for (int tx = 0; tx < tw; tx++) {
    float s[2][4];
    for (int j = 0; j < 4; j++) {  // Aᵀ m
      float m0 = p[(size_t)(0 * 4 + j) * xs + tx], m1 = p[(size_t)(1 * 4 + j) * xs + tx];
      float m2 = p[(size_t)(2 * 4 + j) * xs + tx], m3 = p[(size_t)(3 * 4 + j) * xs + tx];
      s[0][j] = m0 + m1 + m2;
      s[1][j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 1 + two_rows; i++) {
      float r[2] = {s[i][0] + s[i][1] + s[i][2] + b, s[i][1] - s[i][2] - s[i][3] + b};
      for (int jx = 0; jx < 2; jx++) {
        int ox = 2 * tx + jx;
        if (ox >= ow) break;
        float val = r[jx];
        row0[(size_t)i * ow + ox] = relu && val < 0.0f ? 0.0f : val;
      }
    }
  }
}

/// The same as two vectorised passes: Aᵀ over the 16 matrices (consecutive tiles are
/// consecutive), then A over each tile's columns, written as interleaved pairs. Needs
/// tw ≤ ROW_SCRATCH.
static void output_row_vectorised(const float *p, size_t xs, int tw, int ow, int two_rows, float b, int relu,
                                  float *row0) {
  float s[2][4][ROW_SCRATCH];
  for (int j = 0; j < 4; j++) {
    const float *restrict q0 = p + (size_t)j * xs, *restrict q1 = p + (size_t)(4 + j) * xs;
    const float *restrict q2 = p + (size_t)(8 + j) * xs, *restrict q3 = p + (size_t)(12 + j) * xs;
    float *restrict u = s[0][j], *restrict l = s[1][j];
    for (int tx = 0; tx < tw; tx++) {
      u[tx] = q0[tx] + q1[tx] + q2[tx];
      l[tx] = q1[tx] - q2[tx] - q3[tx];
    }
  }
  int pairs = ow / 2;  // tiles whose two columns are both inside the image
  for (int i = 0; i < 1 + two_rows; i++) {
    const float *restrict a0 = s[i][0], *restrict a1 = s[i][1], *restrict a2 = s[i][2], *restrict a3 = s[i][3];
    float *restrict row = row0 + (size_t)i * ow;
    if (relu) {
      for (int tx = 0; tx < pairs; tx++) {
        float e = a0[tx] + a1[tx] + a2[tx] + b, f = a1[tx] - a2[tx] - a3[tx] + b;
        row[2 * tx] = e < 0.0f ? 0.0f : e;
        row[2 * tx + 1] = f < 0.0f ? 0.0f : f;
      }
    } else {
      for (int tx = 0; tx < pairs; tx++) {
        row[2 * tx] = a0[tx] + a1[tx] + a2[tx] + b;
        row[2 * tx + 1] = a1[tx] - a2[tx] - a3[tx] + b;
      }
    }
    if (ow % 2) {  // the last tile's left column only
      float e = a0[pairs] + a1[pairs] + a2[pairs] + b;
      row[2 * pairs] = relu && e < 0.0f ? 0.0f : e;
    }
  }
}

void morph_winograd_output(const float *m, int co, int oh, int ow, int tw, int ty0, int ty1, size_t ldm,
                           size_t xs, size_t col0, const float *bias, int relu, float *y) {
  for (int o = 0; o < co; o++) {
    const float *mb = m + (size_t)o * ldm + col0;
    float b = bias ? bias[o] : 0.0f;
    float *dst = y + (size_t)o * oh * ow;
    for (int ty = ty0; ty < ty1; ty++) {
      const float *p = mb + (size_t)(ty - ty0) * tw;
      int two_rows = 2 * ty + 1 < oh;
      float *row0 = dst + (size_t)(2 * ty) * ow;
      if (tw <= ROW_SCRATCH) output_row_vectorised(p, xs, tw, ow, two_rows, b, relu, row0);
      else output_row_per_tile(p, xs, tw, ow, two_rows, b, relu, row0);
    }
  }
}

// MARK: - Weight gradient, F(3×3, 2×2)
// dW[o][c] = Σ over 2×2 tiles of g[o] correlated with the 4×4 input patch under them. By
// F(3×3, 2×2) (points 0, ±1, ∞): dW = A'ᵀ[(G' g G'ᵀ) ⊙ (B'ᵀ d B')]A' with
//   B'ᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 −1 0 1], G' = [1 0; ½ ½; ½ −½; 0 1],
//   A'ᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1].
// B'ᵀ is the forward Bᵀ with its last row negated, so B'ᵀ d B' = S (Bᵀ d B) S with
// S = diag(1, 1, 1, −1): the forward input transform serves, and S goes into the g side.

void morph_winograd_grad_tiles(const float *g, int co, int oh, int ow, int tw, int ty0, int ty1, float *u,
                               size_t ldu, size_t xs, size_t col0) {
  static const float sign[4] = {1.0f, 1.0f, 1.0f, -1.0f};
  for (int o = 0; o < co; o++) {
    const float *src = g + (size_t)o * oh * ow;
    float *ub = u + (size_t)o * ldu + col0;
    for (int ty = ty0; ty < ty1; ty++) {
      int y0 = 2 * ty, second_row = y0 + 1 < oh;
      const float *row0 = src + (size_t)y0 * ow, *row1 = row0 + ow;
      float *q = ub + (size_t)(ty - ty0) * tw;
      for (int tx = 0; tx < tw; tx++) {
        int x0 = 2 * tx, second_col = x0 + 1 < ow;
        float g00 = row0[x0], g01 = second_col ? row0[x0 + 1] : 0.0f;
        float g10 = second_row ? row1[x0] : 0.0f, g11 = second_row && second_col ? row1[x0 + 1] : 0.0f;
        float t[4][2] = {{g00, g01}, {0.5f * (g00 + g10), 0.5f * (g01 + g11)},
                         {0.5f * (g00 - g10), 0.5f * (g01 - g11)}, {g10, g11}};  // G' g
        for (int i = 0; i < 4; i++) {  // (G' g) G'ᵀ, times S on both sides
          float a = t[i][0], b = t[i][1], s = sign[i];
          q[(size_t)(i * 4 + 0) * xs + tx] = s * a;
          q[(size_t)(i * 4 + 1) * xs + tx] = s * 0.5f * (a + b);
          q[(size_t)(i * 4 + 2) * xs + tx] = s * 0.5f * (a - b);
          q[(size_t)(i * 4 + 3) * xs + tx] = -s * b;
        }
      }
    }
  }
}

void morph_winograd_weight_grad_output(const float *m, int co, int ci, size_t xs, float *dw) {
  for (int o = 0; o < co; o++)
    for (int c = 0; c < ci; c++) {
      const float *p = m + (size_t)o * ci + c;
      float t[3][4];
      for (int j = 0; j < 4; j++) {  // A'ᵀ M
        float m0 = p[(size_t)j * xs], m1 = p[(size_t)(4 + j) * xs], m2 = p[(size_t)(8 + j) * xs],
              m3 = p[(size_t)(12 + j) * xs];
        t[0][j] = m0 + m1 + m2;
        t[1][j] = m1 - m2;
        t[2][j] = m1 + m2 + m3;
      }
      float *d = dw + ((size_t)o * ci + c) * 9;
      for (int a = 0; a < 3; a++) {  // (A'ᵀ M) A'
        d[a * 3 + 0] = t[a][0] + t[a][1] + t[a][2];
        d[a * 3 + 1] = t[a][1] - t[a][2];
        d[a * 3 + 2] = t[a][1] + t[a][2] + t[a][3];
      }
    }
}
