// Kernels for pasting an edited face back into its photo (plain C, compiled -O3).
#ifndef CVIPS_PASTE_H
#define CVIPS_PASTE_H

#include <stddef.h>

/// The feathered face mask of a `w × h` region: out[y·w + x] is the weight of the edited face at
/// region pixel (x, y). `to_face` = {a, b, tx, c, d, ty} maps a region pixel to the aligned
/// face's pixel coordinates; the mask is the ellipse centred (cx, cy) with radii (rx, ry) there,
/// 1 inside radius `inner` (a fraction of the ellipse, < 1), falling smoothly (smoothstep) to
/// exactly 0 at the ellipse and beyond.
void cvips_face_mask(int w, int h, const double *to_face, double cx, double cy, double rx,
                     double ry, double inner, float *out);

/// out = base + mask·(over − base), rounded, for `pixels` interleaved pixels of `bands` 8-bit
/// samples. Where mask is exactly 0 the output is `base`'s byte itself; where it is 1, `over`'s.
void cvips_blend_u8(const unsigned char *base, const unsigned char *over, const float *mask,
                    size_t pixels, int bands, unsigned char *out);

#endif
