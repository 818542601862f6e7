#include "morph_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Elementwise

static inline void binary_row(int op, const float *a, int64_t sa, const float *b, int64_t sb,
                              float *o, int64_t n) {
  // Separate loops for the common stride patterns so the compiler vectorises them.
#define ROW(EXPR)                                                              \
  if (sa == 1 && sb == 1) {                                                    \
    for (int64_t i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = EXPR; } \
  } else if (sa == 1 && sb == 0) {                                             \
    float y = b[0];                                                            \
    for (int64_t i = 0; i < n; i++) { float x = a[i]; o[i] = EXPR; }           \
  } else if (sa == 0 && sb == 1) {                                             \
    float x = a[0];                                                            \
    for (int64_t i = 0; i < n; i++) { float y = b[i]; o[i] = EXPR; }           \
  } else {                                                                     \
    for (int64_t i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; o[i] = EXPR; } \
  }
  switch (op) {
  case MORPH_ADD: ROW(x + y); break;
  case MORPH_SUB: ROW(x - y); break;
  case MORPH_MUL: ROW(x * y); break;
  default: ROW(x / y); break;
  }
#undef ROW
}

void morph_binary(int op, const float *a, const int64_t *astride, const float *b,
                  const int64_t *bstride, float *out, const int64_t *shape, int rank) {
  if (rank == 0) { binary_row(op, a, 0, b, 0, out, 1); return; }
  int64_t n = shape[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  int64_t counter[MORPH_MAX_RANK] = {0};
  int64_t ao = 0, bo = 0;
  for (int64_t r = 0; r < outer; r++) {
    binary_row(op, a + ao, astride[rank - 1], b + bo, bstride[rank - 1], out + r * n, n);
    // Advance the multi-index over the outer dims (odometer).
    for (int d = rank - 2; d >= 0; d--) {
      counter[d]++;
      ao += astride[d];
      bo += bstride[d];
      if (counter[d] < shape[d]) break;
      ao -= astride[d] * shape[d];
      bo -= bstride[d] * shape[d];
      counter[d] = 0;
    }
  }
}

void morph_unary(int op, const float *x, float *y, size_t n, float p) {
  switch (op) {
  case MORPH_NEG: for (size_t i = 0; i < n; i++) y[i] = -x[i]; break;
  case MORPH_EXP: for (size_t i = 0; i < n; i++) y[i] = expf(x[i]); break;
  case MORPH_LOG: for (size_t i = 0; i < n; i++) y[i] = logf(x[i]); break;
  case MORPH_SQRT: for (size_t i = 0; i < n; i++) y[i] = sqrtf(x[i]); break;
  case MORPH_ABS: for (size_t i = 0; i < n; i++) y[i] = fabsf(x[i]); break;
  case MORPH_RELU: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
  case MORPH_LEAKY_RELU: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : p * x[i]; break;
  case MORPH_TANH: for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]); break;
  case MORPH_SIGMOID:
    // Stable in both tails: never evaluates exp of a large positive number.
    for (size_t i = 0; i < n; i++) {
      float v = x[i];
      if (v >= 0) { y[i] = 1.0f / (1.0f + expf(-v)); }
      else { float e = expf(v); y[i] = e / (1.0f + e); }
    }
    break;
  case MORPH_SCALE: for (size_t i = 0; i < n; i++) y[i] = p * x[i]; break;
  case MORPH_ADD_SCALAR: for (size_t i = 0; i < n; i++) y[i] = x[i] + p; break;
  case MORPH_STEP: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? 1.0f : 0.0f; break;
  case MORPH_LEAKY_SLOPE: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? 1.0f : p; break;
  case MORPH_SIGN:
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? 1.0f : (x[i] < 0.0f ? -1.0f : 0.0f);
    break;
  default: break;
  }
}

void morph_relu_backward(const float *g, const float *x, float *dx, size_t n, float slope) {
  for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? g[i] : slope * g[i];
}

void morph_strided_copy(const float *x, const int64_t *stride, float *out, const int64_t *shape,
                        int rank) {
  if (rank == 0) { out[0] = x[0]; return; }
  int64_t n = shape[rank - 1], s = stride[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  int64_t counter[MORPH_MAX_RANK] = {0};
  int64_t off = 0;
  for (int64_t r = 0; r < outer; r++) {
    float *o = out + r * n;
    const float *src = x + off;
    if (s == 1) memcpy(o, src, (size_t)n * sizeof(float));
    else if (s == 0) { float v = src[0]; for (int64_t i = 0; i < n; i++) o[i] = v; }
    else for (int64_t i = 0; i < n; i++) o[i] = src[i * s];
    for (int d = rank - 2; d >= 0; d--) {
      counter[d]++;
      off += stride[d];
      if (counter[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      counter[d] = 0;
    }
  }
}

void morph_reduce_sum(const float *x, const int64_t *shape, int rank, const int64_t *ostride,
                      float *out, size_t outCount) {
  double *acc = calloc(outCount ? outCount : 1, sizeof(double));
  if (!acc) return;
  if (rank == 0) { acc[0] = x[0]; }
  else {
    int64_t n = shape[rank - 1], s = ostride[rank - 1];
    int64_t outer = 1;
    for (int d = 0; d < rank - 1; d++) outer *= shape[d];
    int64_t counter[MORPH_MAX_RANK] = {0};
    int64_t off = 0;
    for (int64_t r = 0; r < outer; r++) {
      const float *src = x + r * n;
      if (s == 0) {
        double t = 0;
        for (int64_t i = 0; i < n; i++) t += src[i];
        acc[off] += t;
      } else {
        for (int64_t i = 0; i < n; i++) acc[off + i * s] += src[i];
      }
      for (int d = rank - 2; d >= 0; d--) {
        counter[d]++;
        off += ostride[d];
        if (counter[d] < shape[d]) break;
        off -= ostride[d] * shape[d];
        counter[d] = 0;
      }
    }
  }
  for (size_t i = 0; i < outCount; i++) out[i] = (float)acc[i];
  free(acc);
}

// MARK: - Convolution helpers

/// Output columns ox whose input column ox·s − p + j lies inside [0, w): [*lo, *hi).
/// (With dilation d the caller passes j·d as j.)
static inline void valid_columns(int w, int ow, int stride, int pad, int j, int *lo, int *hi) {
  int first = pad - j;  // smallest ox·s that lands on column 0
  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  int last = w - 1 + pad - j;  // largest ox·s that lands on column w − 1
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*hi > ow) *hi = ow;
  if (*lo > *hi) *lo = *hi;
}

void morph_im2col(const float *x, int c, int h, int w, int kh, int kw, int stride, int pad, int dil,
                  int oh, int ow, float *col, size_t ldcol) {
  for (int ci = 0; ci < c; ci++)
    for (int i = 0; i < kh; i++)
      for (int j = 0; j < kw; j++) {
        float *row = col + ((size_t)(ci * kh + i) * kw + j) * ldcol;
        const float *plane = x + (size_t)ci * h * w;
        int lo, hi;
        valid_columns(w, ow, stride, pad, j * dil, &lo, &hi);
        for (int oy = 0; oy < oh; oy++) {
          int iy = oy * stride - pad + i * dil;
          float *r = row + (size_t)oy * ow;
          if (iy < 0 || iy >= h) { memset(r, 0, sizeof(float) * ow); continue; }
          const float *src = plane + (size_t)iy * w - pad + j * dil;  // src[ox·s] is column ox·s − p + j·d
          for (int ox = 0; ox < lo; ox++) r[ox] = 0.0f;
          if (stride == 1) memcpy(r + lo, src + lo, sizeof(float) * (size_t)(hi - lo));
          else for (int ox = lo; ox < hi; ox++) r[ox] = src[ox * stride];
          for (int ox = hi; ox < ow; ox++) r[ox] = 0.0f;
        }
      }
}

void morph_col2im(const float *col, int c, int h, int w, int kh, int kw, int stride, int pad, int dil,
                  int oh, int ow, float *x, size_t ldcol) {
  for (int ci = 0; ci < c; ci++)
    for (int i = 0; i < kh; i++)
      for (int j = 0; j < kw; j++) {
        const float *row = col + ((size_t)(ci * kh + i) * kw + j) * ldcol;
        float *plane = x + (size_t)ci * h * w;
        int lo, hi;
        valid_columns(w, ow, stride, pad, j * dil, &lo, &hi);
        for (int oy = 0; oy < oh; oy++) {
          int iy = oy * stride - pad + i * dil;
          if (iy < 0 || iy >= h) continue;
          const float *r = row + (size_t)oy * ow;
          float *dst = plane + (size_t)iy * w - pad + j * dil;
          if (stride == 1) for (int ox = lo; ox < hi; ox++) dst[ox] += r[ox];
          else for (int ox = lo; ox < hi; ox++) dst[ox * stride] += r[ox];
        }
      }
}

void morph_pack_images(const float *src, int count, size_t rows, size_t l, float *dst) {
  for (int j = 0; j < count; j++)
    for (size_t r = 0; r < rows; r++)
      memcpy(dst + r * count * l + j * l, src + (j * rows + r) * l, l * sizeof(float));
}

void morph_unpack_images(const float *src, int count, size_t rows, size_t l, float *dst) {
  for (int j = 0; j < count; j++)
    for (size_t r = 0; r < rows; r++)
      memcpy(dst + (j * rows + r) * l, src + r * count * l + j * l, l * sizeof(float));
}

void morph_channel_bias_act(float *y, size_t planes, size_t channels, size_t l, const float *bias,
                            int relu) {
  for (size_t p = 0; p < planes; p++) {
    float b = bias ? bias[p % channels] : 0.0f;
    float *r = y + p * l;
    if (relu) for (size_t i = 0; i < l; i++) { float v = r[i] + b; r[i] = v > 0.0f ? v : 0.0f; }
    else for (size_t i = 0; i < l; i++) r[i] += b;
  }
}

void morph_accumulate(float *dst, const float *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

// MARK: - Pooling and resampling

void morph_maxpool2(const float *x, size_t p0, size_t p1, int h, int w, float *y, int64_t *idx) {
  int oh = h / 2, ow = w / 2;
  for (size_t p = p0; p < p1; p++) {
    const float *src = x + p * (size_t)h * w;
    int64_t base = (int64_t)(p * (size_t)h * w);
    float *dst = y + p * (size_t)oh * ow;
    int64_t *di = idx ? idx + p * (size_t)oh * ow : NULL;
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        int64_t best = (int64_t)(2 * oy) * w + 2 * ox;
        float bv = src[best];
        int64_t cand[3] = {best + 1, best + w, best + w + 1};
        for (int k = 0; k < 3; k++)
          if (src[cand[k]] > bv || isnan(src[cand[k]])) { bv = src[cand[k]]; best = cand[k]; }
        dst[oy * ow + ox] = bv;
        if (di) di[oy * ow + ox] = base + best;
      }
  }
}

void morph_gather(const float *x, const int64_t *idx, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = x[idx[i]];
}

void morph_scatter_add(const float *x, const int64_t *idx, size_t n, float *out, size_t m) {
  memset(out, 0, m * sizeof(float));
  for (size_t i = 0; i < n; i++) out[idx[i]] += x[i];
}

void morph_upsample_nearest(const float *x, size_t planes, int h, int w, int f, float *y) {
  int oh = h * f, ow = w * f;
  for (size_t p = 0; p < planes; p++) {
    const float *src = x + p * (size_t)h * w;
    float *dst = y + p * (size_t)oh * ow;
    for (int oy = 0; oy < oh; oy++) {
      const float *r = src + (size_t)(oy / f) * w;
      float *o = dst + (size_t)oy * ow;
      for (int ox = 0; ox < ow; ox++) o[ox] = r[ox / f];
    }
  }
}

void morph_sum_pool(const float *x, size_t planes, int h, int w, int f, float *y) {
  int ih = h * f, iw = w * f;
  for (size_t p = 0; p < planes; p++) {
    const float *src = x + p * (size_t)ih * iw;
    float *dst = y + p * (size_t)h * w;
    memset(dst, 0, sizeof(float) * (size_t)h * w);
    for (int iy = 0; iy < ih; iy++) {
      const float *r = src + (size_t)iy * iw;
      float *o = dst + (size_t)(iy / f) * w;
      for (int ix = 0; ix < iw; ix++) o[ix / f] += r[ix];
    }
  }
}

/// Source taps of output coordinate o for ×2 bilinear, align_corners=False (PyTorch's
/// area_pixel_compute_source_index: src = (o + 0.5) / 2 − 0.5, clamped at 0).
static inline void bilinear_taps(int o, int n, int *i0, int *i1, float *l0, float *l1) {
  float src = (o + 0.5f) * 0.5f - 0.5f;
  if (src < 0) src = 0;
  int a = (int)src;
  if (a > n - 1) a = n - 1;
  *i0 = a;
  *i1 = a < n - 1 ? a + 1 : a;
  *l1 = src - a;
  *l0 = 1.0f - *l1;
}

void morph_bilinear_up2(const float *x, size_t planes, int h, int w, float *y) {
  int oh = 2 * h, ow = 2 * w;
  for (size_t p = 0; p < planes; p++) {
    const float *src = x + p * (size_t)h * w;
    float *dst = y + p * (size_t)oh * ow;
    for (int oy = 0; oy < oh; oy++) {
      int y0, y1; float wy0, wy1;
      bilinear_taps(oy, h, &y0, &y1, &wy0, &wy1);
      for (int ox = 0; ox < ow; ox++) {
        int x0, x1; float wx0, wx1;
        bilinear_taps(ox, w, &x0, &x1, &wx0, &wx1);
        dst[oy * ow + ox] = wy0 * (wx0 * src[y0 * w + x0] + wx1 * src[y0 * w + x1]) +
                            wy1 * (wx0 * src[y1 * w + x0] + wx1 * src[y1 * w + x1]);
      }
    }
  }
}

void morph_bilinear_up2_adjoint(const float *g, size_t planes, int h, int w, float *y) {
  int oh = 2 * h, ow = 2 * w;
  for (size_t p = 0; p < planes; p++) {
    const float *src = g + p * (size_t)oh * ow;
    float *dst = y + p * (size_t)h * w;
    memset(dst, 0, sizeof(float) * (size_t)h * w);
    for (int oy = 0; oy < oh; oy++) {
      int y0, y1; float wy0, wy1;
      bilinear_taps(oy, h, &y0, &y1, &wy0, &wy1);
      for (int ox = 0; ox < ow; ox++) {
        int x0, x1; float wx0, wx1;
        bilinear_taps(ox, w, &x0, &x1, &wx0, &wx1);
        float v = src[oy * ow + ox];
        dst[y0 * w + x0] += wy0 * wx0 * v;
        dst[y0 * w + x1] += wy0 * wx1 * v;
        dst[y1 * w + x0] += wy1 * wx0 * v;
        dst[y1 * w + x1] += wy1 * wx1 * v;
      }
    }
  }
}

// MARK: - Optimisers

void morph_adam_step(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1,
                     float beta2, float eps, float weightDecay, float bias1, float bias2) {
  // torch.optim.Adam (non-amsgrad): g += wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
  // p −= lr · (m / bias1) / (sqrt(v / bias2) + eps), bias_k = 1 − β_k^t.
  float step = lr / bias1;
  float sb2 = sqrtf(bias2);
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + weightDecay * p[i];
    m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
    v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    p[i] -= step * m[i] / (sqrtf(v[i]) / sb2 + eps);
  }
}
