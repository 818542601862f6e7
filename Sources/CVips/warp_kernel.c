// The bilinear affine warp from interleaved 8-bit RGB to normalised planar floats, shared by
// the libvips path (cvips.c) and the direct JPEG path (jpeg_direct.c).
#include "warp_kernel.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
/// Four bytes at p (one RGB pixel and a byte of the next) as four floats.
static inline __m128 load_px4(const unsigned char *p) {
  int32_t word;
  memcpy(&word, p, 4);
  const __m128i zero = _mm_setzero_si128();
  __m128i v = _mm_unpacklo_epi8(_mm_cvtsi32_si128(word), zero);
  return _mm_cvtepi32_ps(_mm_unpacklo_epi16(v, zero));
}
#endif

/// Bilinear sample at 16.16 fixed-point (xs, ys) when a neighbour may lie outside the image:
/// outside neighbours are black (extend 0) or the nearest edge pixel (extend 1). Levels in v.
static void sample_border(const unsigned char *src, size_t stride, int w, int h, int64_t xs,
                          int64_t ys, int extend, float v[3]) {
  const int x0 = (int)(xs >> 16), y0 = (int)(ys >> 16);  // arithmetic shift = floor
  const float fx = (float)(xs & 0xffff) / 65536.0f, fy = (float)(ys & 0xffff) / 65536.0f;
  const float wgt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
  const int xs4[4] = {x0, x0 + 1, x0, x0 + 1}, ys4[4] = {y0, y0, y0 + 1, y0 + 1};
  v[0] = v[1] = v[2] = 0;
  for (int k = 0; k < 4; k++) {
    int sx = xs4[k], sy = ys4[k];
    if (sx < 0 || sy < 0 || sx >= w || sy >= h) {
      if (!extend) continue;
      sx = sx < 0 ? 0 : (sx >= w ? w - 1 : sx);
      sy = sy < 0 ? 0 : (sy >= h ? h - 1 : sy);
    }
    const unsigned char *p = src + stride * sy + (size_t)sx * 3;
    v[0] += wgt[k] * p[0];
    v[1] += wgt[k] * p[1];
    v[2] += wgt[k] * p[2];
  }
}

/// Coordinates step along each output row in 16.16 fixed point.
void cvips_warp_rgb8_chw(const unsigned char *src, size_t stride, int w, int h, const double *inv,
                     int ow, int oh, int extend, float level_gain, float level_offset,
                     const float *scale, const float *offset, float *out) {
  const size_t plane = (size_t)ow * oh;
  float *o0 = out, *o1 = out + plane, *o2 = out + 2 * plane;
  const int64_t step_x = llround(inv[0] * 65536.0), step_y = llround(inv[3] * 65536.0);
#if defined(__SSE2__)
  const __m128 gain = _mm_set1_ps(level_gain), lift = _mm_set1_ps(level_offset);
  const __m128 lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
  const __m128 sc = _mm_setr_ps(scale[0], scale[1], scale[2], 0);
  const __m128 of = _mm_setr_ps(offset[0], offset[1], offset[2], 0);
#endif
  for (int Y = 0; Y < oh; Y++) {
    // Input position of output pixel (0, Y) (libvips' integer-centre convention).
    int64_t xs = llround((inv[1] * Y + inv[2]) * 65536.0);
    int64_t ys = llround((inv[4] * Y + inv[5]) * 65536.0);
    for (int X = 0; X < ow; X++, xs += step_x, ys += step_y) {
      const int x0 = (int)(xs >> 16), y0 = (int)(ys >> 16);
      const size_t i = (size_t)Y * ow + X;
      // Inside (with a spare byte to the right for 4-byte loads): lerp along x on both rows,
      // then along y; then brightness/contrast on levels, clamp as an 8-bit image would, and
      // normalise.
      if ((unsigned)x0 < (unsigned)(w - 2) && (unsigned)y0 < (unsigned)(h - 1)) {
        const unsigned char *p = src + stride * y0 + (size_t)x0 * 3, *q = p + stride;
        const float fx = (float)(xs & 0xffff) / 65536.0f, fy = (float)(ys & 0xffff) / 65536.0f;
#if defined(__SSE2__)
        const __m128 a = load_px4(p), b = load_px4(p + 3), c = load_px4(q), d = load_px4(q + 3);
        const __m128 FX = _mm_set1_ps(fx), FY = _mm_set1_ps(fy);
        const __m128 t = _mm_add_ps(a, _mm_mul_ps(_mm_sub_ps(b, a), FX));
        const __m128 u = _mm_add_ps(c, _mm_mul_ps(_mm_sub_ps(d, c), FX));
        __m128 v = _mm_add_ps(t, _mm_mul_ps(_mm_sub_ps(u, t), FY));
        v = _mm_min_ps(_mm_max_ps(_mm_add_ps(_mm_mul_ps(v, gain), lift), lo), hi);
        v = _mm_add_ps(_mm_mul_ps(v, sc), of);
        float r[4];
        _mm_storeu_ps(r, v);
        o0[i] = r[0];
        o1[i] = r[1];
        o2[i] = r[2];
        continue;
#else
        float v[3];
        for (int ch = 0; ch < 3; ch++) {
          const float t = p[ch] + (p[ch + 3] - p[ch]) * fx, u = q[ch] + (q[ch + 3] - q[ch]) * fx;
          v[ch] = t + (u - t) * fy;
        }
        o0[i] = fminf(fmaxf(v[0] * level_gain + level_offset, 0.0f), 255.0f) * scale[0] + offset[0];
        o1[i] = fminf(fmaxf(v[1] * level_gain + level_offset, 0.0f), 255.0f) * scale[1] + offset[1];
        o2[i] = fminf(fmaxf(v[2] * level_gain + level_offset, 0.0f), 255.0f) * scale[2] + offset[2];
        continue;
#endif
      }
      float v[3];
      sample_border(src, stride, w, h, xs, ys, extend, v);
      o0[i] = fminf(fmaxf(v[0] * level_gain + level_offset, 0.0f), 255.0f) * scale[0] + offset[0];
      o1[i] = fminf(fmaxf(v[1] * level_gain + level_offset, 0.0f), 255.0f) * scale[1] + offset[1];
      o2[i] = fminf(fmaxf(v[2] * level_gain + level_offset, 0.0f), 255.0f) * scale[2] + offset[2];
    }
  }
}

