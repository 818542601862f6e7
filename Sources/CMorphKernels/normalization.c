// Fused batch / instance normalisation with a per-channel affine transform: one statistics
// pass and one output pass forward, one sums pass and one output pass backward.
#include "morph_kernels.h"
#include <math.h>

void morph_channel_norm_forward(const float *x, int n, int c, size_t l, int per_image, float eps,
                                const float *w, const float *b, float *y, float *mean, float *var,
                                int c0, int c1) {
  for (int ch = c0; ch < c1; ch++) {
    int groups = per_image ? n : 1, span = per_image ? 1 : n;
    for (int gi = 0; gi < groups; gi++) {
      double s = 0, ss = 0;
      for (int k = 0; k < span; k++) {
        const float *p = x + ((size_t)(gi + k) * c + ch) * l;
        double t = 0;
        for (size_t i = 0; i < l; i++) t += p[i];
        s += t;
      }
      double cnt = (double)span * l, mu = s / cnt;
      for (int k = 0; k < span; k++) {
        const float *p = x + ((size_t)(gi + k) * c + ch) * l;
        double t = 0;
        for (size_t i = 0; i < l; i++) { double d = p[i] - mu; t += d * d; }
        ss += t;
      }
      double v = ss / cnt;
      size_t idx = per_image ? (size_t)gi * c + ch : (size_t)ch;
      mean[idx] = (float)mu;
      var[idx] = (float)v;
      float r = (float)(1.0 / sqrt(v + eps));
      float scale = r * w[ch], shift = b[ch] - (float)mu * scale;
      for (int k = 0; k < span; k++) {
        size_t off = ((size_t)(gi + k) * c + ch) * l;
        const float *p = x + off;
        float *q = y + off;
        for (size_t i = 0; i < l; i++) q[i] = p[i] * scale + shift;
      }
    }
  }
}

void morph_channel_norm_backward(const float *x, const float *g, int n, int c, size_t l,
                                 int per_image, float eps, const float *mean, const float *var,
                                 const float *w, float *dx, float *dw, float *db, int c0, int c1) {
  for (int ch = c0; ch < c1; ch++) {
    int groups = per_image ? n : 1, span = per_image ? 1 : n;
    double dwc = 0, dbc = 0;
    for (int gi = 0; gi < groups; gi++) {
      size_t idx = per_image ? (size_t)gi * c + ch : (size_t)ch;
      float mu = mean[idx];
      float r = (float)(1.0 / sqrt((double)var[idx] + eps));
      double sg = 0, sgx = 0;
      for (int k = 0; k < span; k++) {
        size_t off = ((size_t)(gi + k) * c + ch) * l;
        const float *p = x + off, *gp = g + off;
        double a = 0, bsum = 0;
        for (size_t i = 0; i < l; i++) { a += gp[i]; bsum += gp[i] * ((p[i] - mu) * r); }
        sg += a;
        sgx += bsum;
      }
      dwc += sgx;
      dbc += sg;
      if (dx) {
        double cnt = (double)span * l;
        float mg = (float)(sg / cnt), mgx = (float)(sgx / cnt), k0 = w[ch] * r;
        for (int k = 0; k < span; k++) {
          size_t off = ((size_t)(gi + k) * c + ch) * l;
          const float *p = x + off, *gp = g + off;
          float *q = dx + off;
          for (size_t i = 0; i < l; i++) {
            float xh = (p[i] - mu) * r;
            q[i] = k0 * (gp[i] - mg - xh * mgx);
          }
        }
      }
    }
    if (dw) dw[ch] = (float)dwc;
    if (db) db[ch] = (float)dbc;
  }
}
