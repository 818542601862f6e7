// The mask and blend of `FacePaste`: per-pixel work over a face's region of the photo.
#include "cvips_paste.h"
#include <math.h>

void cvips_face_mask(int w, int h, const double *to_face, double cx, double cy, double rx,
                     double ry, double inner, float *out) {
  const double a = to_face[0], b = to_face[1], tx = to_face[2];
  const double c = to_face[3], d = to_face[4], ty = to_face[5];
  const double span = 1.0 - inner;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      // Normalised elliptic radius of the pixel's position in the aligned face.
      const double u = (a * x + b * y + tx - cx) / rx;
      const double v = (c * x + d * y + ty - cy) / ry;
      const double r = sqrt(u * u + v * v);
      float m;
      if (r >= 1.0) {
        m = 0.0f;  // exactly zero: the blend then keeps the photo's byte
      } else if (r <= inner) {
        m = 1.0f;
      } else {
        const double t = (1.0 - r) / span;  // 0 at the ellipse, 1 at the inner radius
        m = (float)(t * t * (3.0 - 2.0 * t));
      }
      out[(size_t)y * w + x] = m;
    }
  }
}

void cvips_blend_u8(const unsigned char *base, const unsigned char *over, const float *mask,
                    size_t pixels, int bands, unsigned char *out) {
  for (size_t i = 0; i < pixels; i++) {
    const float m = mask[i];
    const size_t o = i * (size_t)bands;
    if (m == 0.0f) {
      for (int k = 0; k < bands; k++) out[o + k] = base[o + k];
      continue;
    }
    for (int k = 0; k < bands; k++) {
      const float v = (float)base[o + k] + m * ((float)over[o + k] - (float)base[o + k]);
      const float r = floorf(v + 0.5f);
      out[o + k] = (unsigned char)(r < 0 ? 0 : (r > 255 ? 255 : r));
    }
  }
}
