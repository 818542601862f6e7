// Implementation of the non-variadic libvips wrappers declared in cvips.h.
#include "cvips.h"
#include "warp_kernel.h"
#include <vips/vector.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

// MARK: - Warnings
// libvips reports recoverable decoding trouble through g_warning, once per tile, from its worker
// threads; Morph already reports the item's failure in one line, so these are kept (bounded,
// under a lock) for `--verbose` instead of being printed beside it.
static GMutex warnings_lock;
static GString *warnings_text = NULL;
static unsigned warnings_dropped = 0;
static int warnings_echo = 0;
enum { WARNINGS_MAX_BYTES = 8192 };

static void route_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
  (void)level;
  (void)data;
  g_mutex_lock(&warnings_lock);
  if (!warnings_text) warnings_text = g_string_new(NULL);
  if (warnings_text->len < WARNINGS_MAX_BYTES) {
    g_string_append_printf(warnings_text, "%s: %s\n", domain ? domain : "glib", message ? message : "");
  } else {
    warnings_dropped++;
  }
  int echo = warnings_echo;
  g_mutex_unlock(&warnings_lock);
  if (echo) fprintf(stderr, "%s-WARNING: %s\n", domain ? domain : "glib", message ? message : "");
}

void cvips_warnings_route(int echo) {
  g_mutex_lock(&warnings_lock);
  warnings_echo = echo;
  g_mutex_unlock(&warnings_lock);
  g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, route_warning, NULL);
}

char *cvips_warnings_take(void) {
  g_mutex_lock(&warnings_lock);
  char *out = NULL;
  if (warnings_text && warnings_text->len > 0) {
    if (warnings_dropped > 0) g_string_append_printf(warnings_text, "(%u more)\n", warnings_dropped);
    out = g_strdup(warnings_text->str);
    g_string_truncate(warnings_text, 0);
    warnings_dropped = 0;
  }
  g_mutex_unlock(&warnings_lock);
  return out;
}

// The loaders Morph opens: the photo formats it lists (`ImageLoader.fileSuffixes`; HEIF is
// how phones store photos, AVIF the same container). libvips sniffs a
// file's content, not its name, so without this a `face.jpg` that holds a PDF, an SVG or any of
// ImageMagick's formats would be parsed by poppler, librsvg or ImageMagick — parsers libvips
// itself marks untrusted. Images come from outside, so every other loader is blocked.
static const char *const cvips_allowed_loaders[] = {
    "jpegload", "jpegload_buffer", "jpegload_source", "pngload",  "pngload_buffer",
    "pngload_source", "webpload", "webpload_buffer", "webpload_source", "tiffload",
    "tiffload_buffer", "tiffload_source", "gifload", "gifload_buffer", "gifload_source",
    "heifload", "heifload_buffer", "heifload_source", "ppmload", "ppmload_source",
    // Only for cvips_render_svg (Morph's own charts); no outside bytes are loaded from memory.
    "svgload_buffer"};

static void cvips_restrict_loaders(void) {
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (size_t i = 0; i < sizeof cvips_allowed_loaders / sizeof cvips_allowed_loaders[0]; i++) {
    GType type = vips_type_find("VipsOperation", cvips_allowed_loaders[i]);
    if (type) vips_operation_block_set(g_type_name(type), FALSE);
  }
}

int cvips_loader_blocked(const char *nickname) {
  GType type = vips_type_find("VipsOperation", nickname);
  if (!type) return -1;
  VipsOperationClass *class = VIPS_OPERATION_CLASS(g_type_class_ref(type));
  int blocked = (class->flags & VIPS_OPERATION_BLOCKED) ? 1 : 0;
  g_type_class_unref(class);
  return blocked;
}

int cvips_init(const char *argv0) {
  int result = VIPS_INIT(argv0 ? argv0 : "morph");
  if (result == 0) cvips_restrict_loaders();
  if (result == 0) cvips_warnings_route(0);
  // Orc, the run-time SIMD code generator libvips 8.14 uses, crashed the test process once
  // (a bad pointer inside liborc while training threads loaded faces); sharp, bimg and imagor
  // turn it off for the same kind of crash. Morph's images are small, so the plain C paths cost
  // little.
  if (result == 0) vips_vector_set_enabled(FALSE);
  return result;
}

int cvips_vector_enabled(void) { return vips_vector_isenabled() ? 1 : 0; }

void cvips_configure(int concurrency, int cache_max_ops, size_t cache_max_mem_bytes) {
  if (concurrency > 0) vips_concurrency_set(concurrency);
  if (cache_max_ops >= 0) vips_cache_set_max(cache_max_ops);
  if (cache_max_mem_bytes > 0) vips_cache_set_max_mem(cache_max_mem_bytes);
}

char *cvips_error_take(void) {
  char *msg = g_strdup(vips_error_buffer());
  vips_error_clear();
  return msg;
}

int cvips_load_file(const char *path, int sequential, int fail_on_error, VipsImage **out) {
  *out = vips_image_new_from_file(
      path, "access", sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM,
      "fail_on", fail_on_error ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE, NULL);
  return *out ? 0 : -1;
}

// Morph's own charts (`LinePlot` writes the SVG and renders it here). `svgload_buffer` is the
// one non-photo loader left on, and nothing else in Morph loads from memory by sniffing, so the
// only SVG librsvg ever sees is one Morph wrote.
int cvips_render_svg(const char *svg, size_t len, VipsImage **out) {
  *out = NULL;
  VipsImage *lazy = NULL;
  if (vips_svgload_buffer((void *)svg, len, &lazy, NULL)) return -1;
  // The loader reads `svg` when pixels are computed: compute them now, while it still exists.
  *out = vips_image_copy_memory(lazy);
  g_object_unref(lazy);
  return *out ? 0 : -1;
}

int cvips_header(const char *path, int *width, int *height, int *bands) {
  VipsImage *im = vips_image_new_from_file(path, NULL);
  if (!im) return -1;
  *width = vips_image_get_width(im);
  *height = vips_image_get_height(im);
  *bands = vips_image_get_bands(im);
  g_object_unref(im);
  return 0;
}

int cvips_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }

int cvips_to_srgb8(VipsImage *in, VipsImage **out) {
  VipsImage *t[4] = {NULL, NULL, NULL, NULL};
  VipsImage *cur = in;
  int rc = 0;
  g_object_ref(cur);
  // Any interpretation (grey, CMYK, 16-bit RGB, Lab...) → sRGB.
  if (vips_image_get_interpretation(cur) != VIPS_INTERPRETATION_sRGB ||
      vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
    if (vips_colourspace(cur, &t[0], VIPS_INTERPRETATION_sRGB, NULL)) { rc = -1; goto done; }
    g_object_unref(cur); cur = t[0]; t[0] = NULL;
  }
  // Alpha → flatten on white.
  if (vips_image_hasalpha(cur)) {
    double white[3] = {255, 255, 255};
    VipsArrayDouble *bg = vips_array_double_new(white, 3);
    int frc = vips_flatten(cur, &t[1], "background", bg, NULL);
    vips_area_unref(VIPS_AREA(bg));
    if (frc) { rc = -1; goto done; }
    g_object_unref(cur); cur = t[1]; t[1] = NULL;
  }
  // Exactly 3 bands (a grey image converted may still be 1 band on odd inputs).
  if (vips_image_get_bands(cur) == 1) {
    VipsImage *b[3] = {cur, cur, cur};
    if (vips_bandjoin(b, &t[2], 3, NULL)) { rc = -1; goto done; }
    g_object_unref(cur); cur = t[2]; t[2] = NULL;
  } else if (vips_image_get_bands(cur) > 3) {
    if (vips_extract_band(cur, &t[2], 0, "n", 3, NULL)) { rc = -1; goto done; }
    g_object_unref(cur); cur = t[2]; t[2] = NULL;
  }
  if (vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
    if (vips_cast(cur, &t[3], VIPS_FORMAT_UCHAR, NULL)) { rc = -1; goto done; }
    g_object_unref(cur); cur = t[3]; t[3] = NULL;
  }
  *out = cur;
  return 0;
done:
  g_object_unref(cur);
  return rc;
}

int cvips_crop(VipsImage *in, int left, int top, int width, int height, VipsImage **out) {
  return vips_crop(in, out, left, top, width, height, NULL);
}

int cvips_resize(VipsImage *in, double hscale, double vscale, VipsImage **out) {
  return vips_resize(in, out, hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
}

int cvips_affine(VipsImage *in, double a, double b, double c, double d, double idx, double idy,
                 double odx, double ody, int ox, int oy, int ow, int oh, int interp,
                 VipsImage **out) {
  VipsInterpolate *ip = vips_interpolate_new(interp == 2 ? "bicubic" : "bilinear");
  VipsArea *area = VIPS_AREA(vips_array_int_newv(4, ox, oy, ow, oh));
  int rc = vips_affine(in, out, a, b, c, d, "interpolate", ip, "oarea", area, "idx", idx, "idy",
                       idy, "odx", odx, "ody", ody, NULL);
  vips_area_unref(area);
  g_object_unref(ip);
  return rc;
}

int cvips_flip_horizontal(VipsImage *in, VipsImage **out) {
  return vips_flip(in, out, VIPS_DIRECTION_HORIZONTAL, NULL);
}

int cvips_embed(VipsImage *in, int x, int y, int width, int height, const double *bg, int nbg,
                VipsImage **out) {
  VipsArrayDouble *b = vips_array_double_new(bg, nbg);
  int rc = vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND,
                      "background", b, NULL);
  vips_area_unref(VIPS_AREA(b));
  return rc;
}

int cvips_linear_uchar(VipsImage *in, double a, double b, VipsImage **out) {
  return vips_linear1(in, out, a, b, "uchar", TRUE, NULL);
}

int cvips_text(const char *text, const char *font, int width, int dpi, VipsImage **out) {
  return vips_text(out, text, "font", font ? font : "sans 10", "width", width, "dpi", dpi,
                   "rgba", FALSE, NULL);
}

int cvips_arrayjoin(VipsImage **in, int n, int across, int shim, const double *bg, int nbg,
                    VipsImage **out) {
  VipsArrayDouble *b = vips_array_double_new(bg, nbg);
  int rc = vips_arrayjoin(in, out, n, "across", across, "shim", shim, "background", b, NULL);
  vips_area_unref(VIPS_AREA(b));
  return rc;
}

// libvips' draw operations (and vips_image_get_data) turn the image they read from into a
// memory image in place (vips_image_wio_input): a lazily computed image is rendered and its
// generate function cleared. Such an image may be shared — the operation cache hands every
// thread the same object for the same label text or the same crop — and a second thread
// reading it at that moment calls the cleared (null) generate function: the intermittent
// SIGSEGV in a "libvips worker" thread. So they read a private memory copy instead; an image
// already in memory is only referenced (vips_image_copy_memory), a lazy one is left as it was.
static VipsImage *private_pixels(VipsImage *in) { return vips_image_copy_memory(in); }

int cvips_is_lazy(VipsImage *in) { return in->dtype == VIPS_IMAGE_PARTIAL ? 1 : 0; }

int cvips_draw_mask(VipsImage *image, const double *ink, int nink, VipsImage *mask, int x, int y) {
  VipsImage *own = private_pixels(mask);
  if (!own) return -1;
  int rc = vips_draw_mask(image, (double *)ink, nink, own, x, y, NULL);
  g_object_unref(own);
  return rc;
}

int cvips_solid(int width, int height, const double *rgb, VipsImage **out) {
  VipsImage *black = NULL;
  if (vips_black(&black, width, height, "bands", 3, NULL)) return -1;
  double one[3] = {1, 1, 1};
  VipsImage *lin = NULL;
  int rc = vips_linear(black, &lin, one, (double *)rgb, 3, "uchar", TRUE, NULL);
  g_object_unref(black);
  if (rc) return -1;
  VipsImage *srgb = NULL;
  rc = vips_copy(lin, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
  g_object_unref(lin);
  if (rc) return -1;
  *out = srgb;
  return 0;
}

int cvips_copy_memory(VipsImage *in, VipsImage **out) {
  *out = vips_image_copy_memory(in);
  return *out ? 0 : -1;
}

int cvips_from_memory_u8(const void *data, size_t len, int width, int height, int bands,
                         VipsImage **out) {
  if (len < (size_t)width * height * bands) {
    vips_error("cvips", "buffer of %zu bytes is too small for %dx%dx%d", len, width, height, bands);
    return -1;
  }
  VipsImage *im = vips_image_new_from_memory_copy(data, (size_t)width * height * bands, width,
                                                  height, bands, VIPS_FORMAT_UCHAR);
  if (!im) return -1;
  if (bands >= 3) {
    VipsImage *t = NULL;
    int rc = vips_copy(im, &t, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
    g_object_unref(im);
    if (rc) return -1;
    im = t;
  }
  *out = im;
  return 0;
}

void *cvips_to_memory(VipsImage *in, size_t *len) { return vips_image_write_to_memory(in, len); }

int cvips_save_buffer(VipsImage *in, const char *suffix, int quality, void **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  if (quality > 0 && (!g_ascii_strcasecmp(suffix, ".jpg") || !g_ascii_strcasecmp(suffix, ".jpeg") ||
                      !g_ascii_strcasecmp(suffix, ".webp")))
    return vips_image_write_to_buffer(in, suffix, buf, len, "Q", quality, NULL);
  return vips_image_write_to_buffer(in, suffix, buf, len, NULL);
}

int cvips_save_animation_buffer(VipsImage *strip, const char *suffix, int page_height, int n,
                                int delay_ms, int gif_effort, void **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  VipsImage *t = NULL;
  if (vips_copy(strip, &t, NULL)) return -1;
  vips_image_set_int(t, "page-height", page_height);
  int *delays = g_new(int, n);
  for (int i = 0; i < n; i++) delays[i] = delay_ms;
  vips_image_set_array_int(t, "delay", delays, n);
  vips_image_set_int(t, "loop", 0);
  vips_image_set_int(t, "gif-delay", delay_ms / 10);
  g_free(delays);
  int rc = !g_ascii_strcasecmp(suffix, ".gif")
               ? vips_gifsave_buffer(t, buf, len, "effort", gif_effort, NULL)
               : vips_image_write_to_buffer(t, suffix, buf, len, NULL);
  g_object_unref(t);
  return rc;
}

int cvips_affine_ext(VipsImage *in, double a, double b, double c, double d, double odx, double ody,
                     int ow, int oh, int interp, int extend, VipsImage **out) {
  static const char *names[] = {"nearest", "bilinear", "bicubic", "lbb"};
  VipsInterpolate *ip = vips_interpolate_new(names[interp < 0 || interp > 3 ? 1 : interp]);
  if (!ip) return -1;
  VipsArea *area = VIPS_AREA(vips_array_int_newv(4, 0, 0, ow, oh));
  // idx/idy stay 0: libvips then maps input pixel centres (integer coordinates) straight
  // through X = a x + b y + odx, Y = c x + d y + ody — the convention of AffineTransform.
  int rc = vips_affine(in, out, a, b, c, d, "interpolate", ip, "oarea", area, "odx", odx, "ody",
                       ody, "extend", extend ? VIPS_EXTEND_COPY : VIPS_EXTEND_BLACK, NULL);
  vips_area_unref(area);
  g_object_unref(ip);
  return rc;
}

int cvips_draw_image(VipsImage *image, VipsImage *sub, int x, int y) {
  VipsImage *own = private_pixels(sub);
  if (!own) return -1;
  int rc = vips_draw_image(image, own, x, y, NULL);
  g_object_unref(own);
  return rc;
}

int cvips_insert(VipsImage *main, VipsImage *sub, int x, int y, VipsImage **out) {
  return vips_insert(main, sub, out, x, y, NULL);
}

int cvips_from_memory_u16(const void *data, size_t len, int width, int height, int bands,
                          VipsImage **out) {
  size_t need = (size_t)width * height * bands * 2;
  if (len < need) {
    vips_error("cvips", "buffer of %zu bytes is too small for %dx%dx%d 16-bit", len, width,
               height, bands);
    return -1;
  }
  VipsImage *im =
      vips_image_new_from_memory_copy(data, need, width, height, bands, VIPS_FORMAT_USHORT);
  if (!im) return -1;
  VipsImage *t = NULL;
  int rc = vips_copy(im, &t, "interpretation",
                     bands >= 3 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_GREY16, NULL);
  g_object_unref(im);
  if (rc) return -1;
  *out = t;
  return 0;
}

int cvips_set_interpretation(VipsImage *in, int interpretation, VipsImage **out) {
  return vips_copy(in, out, "interpretation", (VipsInterpretation)interpretation, NULL);
}

int cvips_format(VipsImage *in) { return (int)vips_image_get_format(in); }
int cvips_interpretation(VipsImage *in) { return (int)vips_image_get_interpretation(in); }

int cvips_join_vertical(VipsImage **in, int n, VipsImage **out) {
  return vips_arrayjoin(in, out, n, "across", 1, NULL);
}

void cvips_u8_hwc_to_chw(const unsigned char *in, int height, int width, int channels,
                         const float *scale, const float *offset, float *out) {
  size_t plane = (size_t)height * width;
  for (int ch = 0; ch < channels; ch++) {
    const float s = scale[ch], o = offset[ch];
    float *dst = out + plane * ch;
    const unsigned char *src = in + ch;
    for (size_t i = 0; i < plane; i++) dst[i] = (float)src[i * channels] * s + o;
  }
}

void cvips_chw_to_u8_hwc(const float *in, int height, int width, int channels, const float *scale,
                         const float *offset, unsigned char *out) {
  size_t plane = (size_t)height * width;
  for (int ch = 0; ch < channels; ch++) {
    const float inv = 1.0f / scale[ch], o = offset[ch];
    const float *src = in + plane * ch;
    unsigned char *dst = out + ch;
    for (size_t i = 0; i < plane; i++) {
      float v = (src[i] - o) * inv + 0.5f;
      // `!(v >= 0)` also catches NaN.
      dst[i * channels] = !(v >= 0.0f) ? 0 : (v >= 255.0f ? 255 : (unsigned char)v);
    }
  }
}

int cvips_set_orientation(VipsImage *in, int orientation, VipsImage **out) {
  if (vips_copy(in, out, NULL)) return -1;
  vips_image_set_int(*out, VIPS_META_ORIENTATION, orientation);
  return 0;
}

int cvips_page_count(VipsImage *in) {
  int n = 1;
  if (vips_image_get_typeof(in, VIPS_META_N_PAGES) && !vips_image_get_int(in, VIPS_META_N_PAGES, &n))
    return n;
  return 1;
}

int cvips_load_all_pages(const char *path, VipsImage **out) {
  *out = vips_image_new_from_file(path, "n", -1, NULL);
  return *out ? 0 : -1;
}

int cvips_load_jpeg(const char *path, int sequential, int fail_on_error, VipsImage **out) {
  return vips_jpegload(path, out, "access",
                       sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM, "fail_on",
                       fail_on_error ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE, NULL);
}

int cvips_orientation(VipsImage *in) {
  int o = 1;
  if (vips_image_get_typeof(in, VIPS_META_ORIENTATION) &&
      !vips_image_get_int(in, VIPS_META_ORIENTATION, &o) && o >= 1 && o <= 8)
    return o;
  return 1;
}

/// Compute `in` through one region in this thread and copy its lines to `dst` (row stride `line`).
static int read_region(VipsImage *in, unsigned char *dst, size_t line) {
  VipsRegion *region = vips_region_new(in);
  if (!region) return -1;
  VipsRect all = {0, 0, in->Xsize, in->Ysize};
  if (vips_region_prepare(region, &all)) {
    g_object_unref(region);
    return -1;
  }
  size_t n = VIPS_IMAGE_SIZEOF_LINE(in);
  for (int y = 0; y < in->Ysize; y++) memcpy(dst + line * y, VIPS_REGION_ADDR(region, 0, y), n);
  g_object_unref(region);
  return 0;
}

/// One region in the calling thread is fastest for small photos, but libvips' bookkeeping for
/// it grows with the square of the height: a 1 × 64,514 GIF (40 bytes, found by the `image` fuzz
/// target) took 15 s that way and 0.2 s through the threaded sink. Tall images take the sink.
#define CVIPS_REGION_MAX_HEIGHT 4096

static int cvips_use_one_region(const VipsImage *in, long small_pixels) {
  return (long)in->Xsize * in->Ysize <= small_pixels && in->Ysize <= CVIPS_REGION_MAX_HEIGHT;
}

int cvips_decode(VipsImage *in, long small_pixels, VipsImage **out) {
  if (!cvips_use_one_region(in, small_pixels)) return cvips_copy_memory(in, out);
  VipsImage *mem = vips_image_new_memory();
  // pipelinev copies the header fields and the metadata (EXIF orientation, ICC profile …).
  if (vips_image_pipelinev(mem, VIPS_DEMAND_STYLE_ANY, in, NULL) || vips_image_write_prepare(mem) ||
      read_region(in, VIPS_IMAGE_ADDR(mem, 0, 0), VIPS_IMAGE_SIZEOF_LINE(mem))) {
    g_object_unref(mem);
    return -1;
  }
  *out = mem;
  return 0;
}

int cvips_read_pixels(VipsImage *in, long small_pixels, void *dst, size_t len) {
  size_t line = VIPS_IMAGE_SIZEOF_LINE(in);
  if (len < line * in->Ysize) {
    vips_error("cvips", "pixel buffer of %zu bytes is too small", len);
    return -1;
  }
  if (cvips_use_one_region(in, small_pixels)) return read_region(in, dst, line);
  size_t n = 0;
  void *buf = vips_image_write_to_memory(in, &n);
  if (!buf) return -1;
  memcpy(dst, buf, n < len ? n : len);
  g_free(buf);
  return 0;
}

static int check_rgb8(VipsImage *in) {
  if (in->Bands != 3 || in->BandFmt != VIPS_FORMAT_UCHAR || in->Coding != VIPS_CODING_NONE) {
    vips_error("cvips", "warp needs an 8-bit 3-band image");
    return -1;
  }
  return 0;
}

int cvips_warp_to_chw(VipsImage *in, const double *inv, int ow, int oh, int extend,
                      float level_gain, float level_offset, const float *scale,
                      const float *offset, float *out) {
  if (check_rgb8(in)) return -1;
  VipsImage *own = private_pixels(in);
  if (!own) return -1;
  const unsigned char *src = vips_image_get_data(own);
  if (src)
    cvips_warp_rgb8_chw(src, VIPS_IMAGE_SIZEOF_LINE(own), own->Xsize, own->Ysize, inv, ow, oh, extend,
                        level_gain, level_offset, scale, offset, out);
  g_object_unref(own);
  return src ? 0 : -1;
}

int cvips_decode_warp_to_chw(VipsImage *in, long small_pixels, const double *inv, int ow, int oh,
                             int extend, float level_gain, float level_offset, const float *scale,
                             const float *offset, float *out) {
  if (check_rgb8(in)) return -1;
  if ((long)in->Xsize * in->Ysize > small_pixels) {
    VipsImage *mem = NULL;
    if (cvips_copy_memory(in, &mem)) return -1;
    int rc = cvips_warp_to_chw(mem, inv, ow, oh, extend, level_gain, level_offset, scale, offset, out);
    g_object_unref(mem);
    return rc;
  }
  VipsRegion *region = vips_region_new(in);
  if (!region) return -1;
  VipsRect all = {0, 0, in->Xsize, in->Ysize};
  if (vips_region_prepare(region, &all)) {
    g_object_unref(region);
    return -1;
  }
  cvips_warp_rgb8_chw((const unsigned char *)VIPS_REGION_ADDR(region, 0, 0), VIPS_REGION_LSKIP(region),
           in->Xsize, in->Ysize, inv, ow, oh, extend, level_gain, level_offset, scale, offset, out);
  g_object_unref(region);
  return 0;
}

int cvips_embed_edge(VipsImage *in, int x, int y, int width, int height, VipsImage **out) {
  return vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_COPY, NULL);
}

static void free_buffer_on_close(VipsImage *image, gpointer buffer) {
  (void)image;
  g_free(buffer);
}

int cvips_load_jpeg_shrunk(const char *path, int sequential, int fail_on_error, int shrink,
                           VipsImage **out) {
  gchar *buffer = NULL;
  gsize length = 0;
  GError *error = NULL;
  if (!g_file_get_contents(path, &buffer, &length, &error)) {
    vips_error("cvips", "%s", error ? error->message : "cannot read file");
    if (error) g_error_free(error);
    return -1;
  }
  if (vips_jpegload_buffer(buffer, length, out, "access",
                           sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM, "fail_on",
                           fail_on_error ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE, "shrink",
                           shrink > 1 ? shrink : 1, NULL)) {
    g_free(buffer);
    return -1;
  }
  // The loader reads from `buffer` until the image is closed.
  g_signal_connect(*out, "postclose", G_CALLBACK(free_buffer_on_close), buffer);
  return 0;
}

int cvips_load_jpeg_buffered(const char *path, int sequential, int fail_on_error, VipsImage **out) {
  return cvips_load_jpeg_shrunk(path, sequential, fail_on_error, 1, out);
}
