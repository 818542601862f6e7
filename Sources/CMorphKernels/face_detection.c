// Kernels of the MTCNN face detector (see face_detection_kernels.h). Each reproduces the
// PyTorch operation facenet-pytorch uses, to the rounding, so that Morph's detector finds the
// same boxes: max_pool2d(ceil_mode=True), nn.PReLU, interpolate(mode="area") and the two NMS
// variants (torchvision.ops.nms and facenet-pytorch's nms_numpy).
#include "face_detection_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/// max(a, b) as PyTorch's pooling takes it: b wins when larger or NaN. Written as a select so
/// the compiler can vectorise it (a branch on random data mispredicts half the time).
static inline float pool_max(float a, float b) { return ((b > a) | (b != b)) ? b : a; }

/// Values only (no indices): separable, the window's rows first (vectorised along the row),
/// then its columns. Same maxima as the direct scan; a NaN anywhere in a window still wins.
static void maxpool_values(const float *x, size_t p0, size_t p1, int h, int w, int k, int s, int oh, int ow,
                           float *y) {
  if (k == 2 && s == 2) {
    // P-Net's 2×2 pool over large planes: pairs of rows, pairs of columns, no scratch.
    for (size_t p = p0; p < p1; p++) {
      const float *src = x + p * (size_t)h * w;
      float *dst = y + p * (size_t)oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        const float *r0 = src + (size_t)(2 * oy) * w;
        const float *r1 = 2 * oy + 1 < h ? r0 + w : r0;
        float *o = dst + (size_t)oy * ow;
        int full = w / 2 < ow ? w / 2 : ow;
        for (int ox = 0; ox < full; ox++)
          o[ox] = pool_max(pool_max(r0[2 * ox], r0[2 * ox + 1]), pool_max(r1[2 * ox], r1[2 * ox + 1]));
        for (int ox = full; ox < ow; ox++) o[ox] = pool_max(r0[2 * ox], r1[2 * ox]);
      }
    }
    return;
  }
  float *rowmax = malloc(sizeof(float) * (size_t)w);
  if (!rowmax) return;
  for (size_t p = p0; p < p1; p++) {
    const float *src = x + p * (size_t)h * w;
    float *dst = y + p * (size_t)oh * ow;
    for (int oy = 0; oy < oh; oy++) {
      int ys = oy * s, ye = ys + k < h ? ys + k : h;
      memcpy(rowmax, src + (size_t)ys * w, sizeof(float) * (size_t)w);
      for (int yy = ys + 1; yy < ye; yy++) {
        const float *row = src + (size_t)yy * w;
        for (int xx = 0; xx < w; xx++) rowmax[xx] = pool_max(rowmax[xx], row[xx]);
      }
      for (int ox = 0; ox < ow; ox++) {
        int xs = ox * s, xe = xs + k < w ? xs + k : w;
        float bv = rowmax[xs];
        for (int xx = xs + 1; xx < xe; xx++) bv = pool_max(bv, rowmax[xx]);
        dst[oy * ow + ox] = bv;
      }
    }
  }
  free(rowmax);
}

void morph_maxpool(const float *x, size_t p0, size_t p1, int h, int w, int k, int s, int oh, int ow,
                   float *y, int64_t *idx) {
  if (!idx) {
    maxpool_values(x, p0, p1, h, w, k, s, oh, ow, y);
    return;
  }
  for (size_t p = p0; p < p1; p++) {
    const float *src = x + p * (size_t)h * w;
    int64_t base = (int64_t)(p * (size_t)h * w);
    float *dst = y + p * (size_t)oh * ow;
    int64_t *di = idx ? idx + p * (size_t)oh * ow : NULL;
    for (int oy = 0; oy < oh; oy++) {
      int ys = oy * s, ye = ys + k < h ? ys + k : h;
      for (int ox = 0; ox < ow; ox++) {
        int xs = ox * s, xe = xs + k < w ? xs + k : w;
        int64_t best = (int64_t)ys * w + xs;
        float bv = src[best];
        for (int yy = ys; yy < ye; yy++)
          for (int xx = xs; xx < xe; xx++) {
            float v = src[(size_t)yy * w + xx];
            // PyTorch: `(val > maxval) || isnan(val)`, scanning rows then columns.
            if (v > bv || isnan(v)) { bv = v; best = (int64_t)yy * w + xx; }
          }
        dst[oy * ow + ox] = bv;
        if (di) di[oy * ow + ox] = base + best;
      }
    }
  }
}

void morph_prelu(const float *x, const float *a, size_t r0, size_t r1, int c, size_t inner, float *y) {
  for (size_t r = r0; r < r1; r++)
    for (int ch = 0; ch < c; ch++) {
      const float *src = x + (r * c + ch) * inner;
      float *dst = y + (r * c + ch) * inner;
      float slope = a[ch];
      for (size_t i = 0; i < inner; i++) {
        float v = src[i];
        dst[i] = v > 0 ? v : v * slope;
      }
    }
}

void morph_area_resize_u8(const uint8_t *image, size_t stride, int bands, int x0, int y0, int cw, int ch,
                          int oh, int ow, float mean, float scale, float *out, float *colbuf) {
  if (cw <= 0 || ch <= 0 || oh <= 0 || ow <= 0) return;
  size_t plane = (size_t)oh * ow;
  // Separable: per output row, the window's rows summed per input column (integers, so
  // exact and vectorisable), then per output column the window's columns of those sums. The
  // total is the exact integer sum of the window, as PyTorch's float sum is for windows below
  // 2^24 / 255 ≈ 65,793 pixels, so the result rounds the same.
  uint32_t *colsum = malloc(sizeof(uint32_t) * 3 * (size_t)cw);
  if (!colsum) return;
  for (int oy = 0; oy < oh; oy++) {
    // PyTorch's adaptive pooling window: start = ⌊i·n/o⌋, end = ⌈(i+1)·n/o⌉.
    int ys = (int)(((int64_t)oy * ch) / oh);
    int ye = (int)((((int64_t)oy + 1) * ch + oh - 1) / oh);
    int kh = ye - ys;
    memset(colsum, 0, sizeof(uint32_t) * 3 * (size_t)cw);
    for (int yy = ys; yy < ye; yy++) {
      const uint8_t *row = image + (size_t)(y0 + yy) * stride + (size_t)x0 * bands;
      if (bands == 3) {
        for (int i = 0; i < 3 * cw; i++) colsum[i] += row[i];
      } else {
        for (int xx = 0; xx < cw; xx++)
          for (int c = 0; c < 3; c++) colsum[3 * xx + c] += row[(size_t)xx * bands + c];
      }
    }
    for (int ox = 0; ox < ow; ox++) {
      int xs = (int)(((int64_t)ox * cw) / ow);
      int xe = (int)((((int64_t)ox + 1) * cw + ow - 1) / ow);
      int kw = xe - xs;
      uint64_t s0 = 0, s1 = 0, s2 = 0;
      for (int xx = xs; xx < xe; xx++) {
        s0 += colsum[3 * xx]; s1 += colsum[3 * xx + 1]; s2 += colsum[3 * xx + 2];
      }
      // PyTorch divides by the window's height and then its width.
      colbuf[ox] = (float)s0 / kh / kw;
      colbuf[ow + ox] = (float)s1 / kh / kw;
      colbuf[2 * ow + ox] = (float)s2 / kh / kw;
    }
    for (int c = 0; c < 3; c++) {
      float *dst = out + c * plane + (size_t)oy * ow;
      const float *src = colbuf + c * ow;
      for (int ox = 0; ox < ow; ox++) dst[ox] = (src[ox] - mean) * scale;
    }
  }
  free(colsum);
}

int morph_nms(const float *boxes, const int32_t *order, int n, float threshold, int min_mode, int plus_one,
              int32_t *keep, uint8_t *suppressed) {
  float add = plus_one ? 1.0f : 0.0f;
  memset(suppressed, 0, (size_t)n);
  int kept = 0;
  for (int a = 0; a < n; a++) {
    int i = order[a];
    if (suppressed[i]) continue;
    keep[kept++] = i;
    const float *bi = boxes + 4 * (size_t)i;
    float ai = (bi[2] - bi[0] + add) * (bi[3] - bi[1] + add);
    for (int b = a + 1; b < n; b++) {
      int j = order[b];
      if (suppressed[j]) continue;
      const float *bj = boxes + 4 * (size_t)j;
      float aj = (bj[2] - bj[0] + add) * (bj[3] - bj[1] + add);
      float xx0 = fmaxf(bi[0], bj[0]), yy0 = fmaxf(bi[1], bj[1]);
      float xx1 = fminf(bi[2], bj[2]), yy1 = fminf(bi[3], bj[3]);
      float iw = fmaxf(0.0f, xx1 - xx0 + add), ih = fmaxf(0.0f, yy1 - yy0 + add);
      float inter = iw * ih;
      float overlap = min_mode ? inter / fminf(ai, aj) : inter / (ai + aj - inter);
      if (overlap > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}
