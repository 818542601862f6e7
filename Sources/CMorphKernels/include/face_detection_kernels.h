// Kernels of the MTCNN face detector and of the pooling/activation ops it needs
// (face_detection.c): general max pooling with PyTorch's ceil mode, PReLU, area resampling of
// 8-bit images straight into normalised network input, and non-maximum suppression.
#ifndef MORPH_FACE_DETECTION_KERNELS_H
#define MORPH_FACE_DETECTION_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// k×k max pooling with stride s of planes [p0, p1) of h×w into oh×ow (x, y and idx point
/// at plane 0). Windows are clipped at the right and bottom edges (PyTorch's ceil_mode with no
/// padding); the first maximum in row-major order wins, NaN beats everything (as PyTorch).
/// `idx`, unless NULL, receives the flat input index of each maximum.
void morph_maxpool(const float *x, size_t p0, size_t p1, int h, int w, int k, int s, int oh, int ow,
                   float *y, int64_t *idx);

/// y = max(x, 0) + a[c]·min(x, 0) for rows [r0, r1) of a tensor viewed as rows × c × inner.
void morph_prelu(const float *x, const float *a, size_t r0, size_t r1, int c, size_t inner, float *y);

/// Area resampling (PyTorch's `interpolate(mode="area")`, i.e. adaptive average pooling) of
/// the crop [x0, x0+cw) × [y0, y0+ch) of an 8-bit interleaved image (`stride` bytes per row,
/// `bands` bytes per pixel, the first three used) to 3 planes of oh×ow floats, each value then
/// mapped v ↦ (v − mean)·scale. Output cell i covers input [⌊i·n/o⌋, ⌈(i+1)·n/o⌉) on each
/// axis. `colbuf` is scratch for 3·ow floats. A crop with no pixels leaves `out` untouched.
/// `bands` must be at least 3.
void morph_area_resize_u8(const uint8_t *image, size_t stride, int bands, int x0, int y0, int cw, int ch,
                          int oh, int ow, float mean, float scale, float *out, float *colbuf);

/// Greedy non-maximum suppression of n boxes (x0, y0, x1, y1 rows of `boxes`) visited in
/// `order` (best first). A box is dropped when its overlap with a kept one is above
/// `threshold`: intersection over union, or over the smaller area when `min_mode`. With
/// `plus_one` widths are x1 − x0 + 1 (the original MTCNN's pixel convention), else x1 − x0
/// (torchvision's). Writes the kept indices to `keep` (n entries of room) and returns their
/// count. `suppressed` is scratch for n bytes.
int morph_nms(const float *boxes, const int32_t *order, int n, float threshold, int min_mode, int plus_one,
              int32_t *keep, uint8_t *suppressed);

#endif
