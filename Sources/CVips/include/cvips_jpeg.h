// CVips: a direct libjpeg-turbo decoder for the training input path.
//
// On small JPEGs (CelebA's are 178×218) libvips' per-image machinery — loader object, region,
// sequential cache, signals — costs more than the decode itself (measured 0.88 ms against
// 0.40 ms per image). For the plain case (8-bit, 3 components, upright) Morph decodes with
// libjpeg-turbo, the library libvips itself uses for JPEG, straight into a row buffer and warps
// from it. Anything else goes through libvips as before.
#ifndef CVIPS_JPEG_H
#define CVIPS_JPEG_H

#include <stddef.h>

/// A JPEG file read into memory, header parsed, not yet decoded.
typedef struct cvips_jpeg cvips_jpeg;

/// Outcome of the direct-JPEG calls.
enum {
  CVIPS_JPEG_OK = 0,
  /// Not a case the direct path handles (e.g. CMYK, greyscale, 12-bit): use libvips.
  CVIPS_JPEG_UNSUPPORTED = 1,
  /// The file could not be read or decoded (the caller lets libvips report why).
  CVIPS_JPEG_FAILED = -1,
};

/// Largest file the direct path reads (whole, into memory): 64 MB, far above a photo's JPEG;
/// larger files, and anything that is not a regular file, are CVIPS_JPEG_UNSUPPORTED.
#define CVIPS_JPEG_DIRECT_MAX_BYTES (64L << 20)

/// Reads the file at `path` and its JPEG header. On CVIPS_JPEG_OK, `*out` is set (close it
/// with cvips_jpeg_close) with the image's width, height and EXIF orientation (1–8, 1 when
/// absent).
int cvips_jpeg_open(const char *path, cvips_jpeg **out, int *width, int *height,
                    int *orientation);

/// Decodes the image at 1/`shrink` of its size (1, 2, 4 or 8; DCT-domain scaling) and warps
/// it as cvips_warp_to_chw does, with `inv` in the coordinates of the decoded (shrunk) image.
/// With `fail_on_truncation`, a file that ends early is CVIPS_JPEG_FAILED instead of being
/// filled in with grey. `out` is written only on success.
int cvips_jpeg_decode_warp_to_chw(cvips_jpeg *jpeg, int shrink, int fail_on_truncation,
                                  const double *inv, int ow, int oh, int extend,
                                  float level_gain, float level_offset, const float *scale,
                                  const float *offset, float *out);

/// Frees the file buffer and the decoder.
void cvips_jpeg_close(cvips_jpeg *jpeg);

#endif
