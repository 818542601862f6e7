// Internal to CVips: the warp kernel shared by the libvips and direct-JPEG paths.
#ifndef CVIPS_WARP_KERNEL_H
#define CVIPS_WARP_KERNEL_H

#include <stddef.h>

/// One bilinear affine warp over interleaved 8-bit RGB rows `stride` bytes apart (w × h pixels)
/// into three `ow × oh` float planes at `out`. `inv` = {a, b, tx, c, d, ty} maps output pixel
/// (X, Y) to input position (a·X + b·Y + tx, c·X + d·Y + ty). Outside neighbours are black
/// (extend 0) or the nearest edge pixel (extend 1). Each value v is then levelled,
/// clamp(v·gain + offset, 0, 255), and normalised, ·scale[ch] + offset[ch].
void cvips_warp_rgb8_chw(const unsigned char *src, size_t stride, int w, int h, const double *inv,
                         int ow, int oh, int extend, float level_gain, float level_offset,
                         const float *scale, const float *offset, float *out);

#endif
