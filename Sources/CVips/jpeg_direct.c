// The direct libjpeg-turbo path declared in cvips_jpeg.h.
#include "cvips_jpeg.h"
#include "warp_kernel.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>

/// libjpeg reports fatal errors through error_exit, which must not return: jump back to the
/// call that started the work. Warnings come through emit_message(-1); a premature end of
/// file is one, and it becomes an error when the caller asks for that. No message is kept:
/// on failure the caller hands the file to libvips, which reports it.
struct direct_error {
  struct jpeg_error_mgr base;
  jmp_buf escape;
  int fail_on_truncation;
};

struct cvips_jpeg {
  struct jpeg_decompress_struct info;
  struct direct_error error;
  unsigned char *file;
  size_t file_len;
  int created;
};

static void on_error_exit(j_common_ptr info) { longjmp(((struct direct_error *)info->err)->escape, 1); }

static void on_message(j_common_ptr info, int level) {
  struct direct_error *error = (struct direct_error *)info->err;
  if (level >= 0) return;  // trace messages
  int code = info->err->msg_code;
  if (error->fail_on_truncation && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER)) longjmp(error->escape, 1);
}

static unsigned read16(const unsigned char *p, int little) {
  return little ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}
static unsigned long read32(const unsigned char *p, int little) {
  return little ? ((unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 |
                   (unsigned long)p[3] << 24)
                : ((unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
                   (unsigned long)p[2] << 8 | (unsigned long)p[3]);
}

/// The orientation tag (0x0112) of an APP1 Exif block, or 1. Bounds are checked at every read:
/// the block comes from an untrusted file.
static int exif_orientation(const unsigned char *data, unsigned len) {
  if (len < 14 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
  const unsigned char *tiff = data + 6;
  size_t size = len - 6;
  int little;
  if (tiff[0] == 'I' && tiff[1] == 'I') little = 1;
  else if (tiff[0] == 'M' && tiff[1] == 'M') little = 0;
  else return 1;
  unsigned long ifd = read32(tiff + 4, little);
  if (ifd + 2 > size) return 1;
  unsigned entries = read16(tiff + ifd, little);
  for (unsigned i = 0; i < entries; i++) {
    size_t at = ifd + 2 + (size_t)i * 12;
    if (at + 12 > size) return 1;
    if (read16(tiff + at, little) == 0x0112) {
      unsigned value = read16(tiff + at + 8, little);
      return value >= 1 && value <= 8 ? (int)value : 1;
    }
  }
  return 1;
}

int cvips_jpeg_open(const char *path, cvips_jpeg **out, int *width, int *height,
                    int *orientation) {
  *out = NULL;
  // The file is read whole, so only a regular file of a photo's size takes this path (O_NONBLOCK:
  // a FIFO must not block the open); anything else goes to the libvips path, which streams and
  // refuses it in its own words.
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return CVIPS_JPEG_FAILED;
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0 ||
      info.st_size > CVIPS_JPEG_DIRECT_MAX_BYTES) {
    close(fd);
    return CVIPS_JPEG_UNSUPPORTED;
  }
  FILE *file = fdopen(fd, "rb");
  if (!file) {
    close(fd);
    return CVIPS_JPEG_FAILED;
  }
  cvips_jpeg *jpeg = calloc(1, sizeof *jpeg);
  if (jpeg) jpeg->file = malloc((size_t)info.st_size);
  if (!jpeg || !jpeg->file) {
    fclose(file);
    cvips_jpeg_close(jpeg);
    return CVIPS_JPEG_FAILED;
  }
  jpeg->file_len = fread(jpeg->file, 1, (size_t)info.st_size, file);
  fclose(file);
  if (jpeg->file_len != (size_t)info.st_size) {
    cvips_jpeg_close(jpeg);
    return CVIPS_JPEG_FAILED;
  }
  jpeg->info.err = jpeg_std_error(&jpeg->error.base);
  jpeg->error.base.error_exit = on_error_exit;
  jpeg->error.base.emit_message = on_message;
  if (setjmp(jpeg->error.escape)) {
    cvips_jpeg_close(jpeg);
    return CVIPS_JPEG_FAILED;
  }
  jpeg_create_decompress(&jpeg->info);
  jpeg->created = 1;
  jpeg_mem_src(&jpeg->info, jpeg->file, (unsigned long)jpeg->file_len);
  jpeg_save_markers(&jpeg->info, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&jpeg->info, TRUE);
  const struct jpeg_decompress_struct *h = &jpeg->info;
  if (h->num_components != 3 || h->data_precision != 8 ||
      (h->jpeg_color_space != JCS_YCbCr && h->jpeg_color_space != JCS_RGB)) {
    cvips_jpeg_close(jpeg);
    return CVIPS_JPEG_UNSUPPORTED;
  }
  int found = 1;
  for (jpeg_saved_marker_ptr m = h->marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && (found = exif_orientation(m->data, m->data_length)) != 1) break;
  *orientation = found;
  *width = (int)h->image_width;
  *height = (int)h->image_height;
  *out = jpeg;
  return CVIPS_JPEG_OK;
}

int cvips_jpeg_decode_warp_to_chw(cvips_jpeg *jpeg, int shrink, int fail_on_truncation,
                                  const double *inv, int ow, int oh, int extend,
                                  float level_gain, float level_offset, const float *scale,
                                  const float *offset, float *out) {
  if (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8) return CVIPS_JPEG_FAILED;
  // `volatile`: read after a longjmp back into this frame.
  unsigned char *volatile pixels = NULL;
  jpeg->error.fail_on_truncation = fail_on_truncation;
  if (setjmp(jpeg->error.escape)) {
    free(pixels);
    return CVIPS_JPEG_FAILED;
  }
  struct jpeg_decompress_struct *info = &jpeg->info;
  info->out_color_space = JCS_RGB;
  info->scale_num = 1;
  info->scale_denom = (unsigned)shrink;
  jpeg_start_decompress(info);
  const int w = (int)info->output_width, h = (int)info->output_height;
  const size_t stride = (size_t)w * 3;
  pixels = malloc(stride * (size_t)h + 1);  // +1: the warp reads 4 bytes per 3-byte pixel
  if (!pixels) {
    jpeg_abort_decompress(info);
    return CVIPS_JPEG_FAILED;
  }
  while (info->output_scanline < info->output_height) {
    // Up to four rows per call (the decoder's maximum row group), each straight into place.
    JSAMPROW rows[4];
    unsigned count = info->output_height - info->output_scanline;
    if (count > 4) count = 4;
    for (unsigned r = 0; r < count; r++) rows[r] = pixels + stride * (info->output_scanline + r);
    jpeg_read_scanlines(info, rows, count);
  }
  jpeg_finish_decompress(info);
  cvips_warp_rgb8_chw(pixels, stride, w, h, inv, ow, oh, extend, level_gain, level_offset, scale,
                      offset, out);
  free(pixels);
  return CVIPS_JPEG_OK;
}

void cvips_jpeg_close(cvips_jpeg *jpeg) {
  if (!jpeg) return;
  if (jpeg->created) jpeg_destroy_decompress(&jpeg->info);
  free(jpeg->file);
  free(jpeg);
}
