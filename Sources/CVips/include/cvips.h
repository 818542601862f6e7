// CVips: plain (non-variadic) wrappers over the libvips operations Morph uses.
//
// libvips' public API is variadic (optional arguments are NULL-terminated
// name/value pairs), which Swift cannot call. Each wrapper here fixes the
// optional arguments Morph needs and returns 0 on success, -1 on failure
// (the message is then in `vips_error_buffer()`, see cvips_error_take).
#ifndef CVIPS_H
#define CVIPS_H

#include <vips/vips.h>
#include "cvips_jpeg.h"

/// Initialise libvips once per process (VIPS_INIT is a macro). Returns 0 on success.
int cvips_init(const char *argv0);
/// 1 when the loader of this nickname (`svgload`) is blocked, 0 when Morph opens it, -1 when this
/// libvips has no such loader. `cvips_init` blocks every loader but the photo formats'.
int cvips_loader_blocked(const char *nickname);
/// Set the libvips worker-thread count and operation-cache limits.
void cvips_configure(int concurrency, int cache_max_ops, size_t cache_max_mem_bytes);
/// Whether libvips runs its Orc-generated SIMD code (off after cvips_init: see cvips.c).
int cvips_vector_enabled(void);

/// Copy and clear the libvips error buffer. The caller frees the result with g_free.
/// Route libvips' own GLib warnings ("VIPS-WARNING **: error in tile …") into a bounded
/// buffer instead of standard error; with `echo` they are printed too. Installed by cvips_init.
void cvips_warnings_route(int echo);
/// Take (and clear) the warnings routed since the last call, one per line; NULL when none.
/// Free with g_free.
char *cvips_warnings_take(void);
char *cvips_error_take(void);

/// Load an image from a file; `fail_on_error` makes truncated files errors; `sequential`
/// hints that pixels will be read top to bottom once.
int cvips_load_file(const char *path, int sequential, int fail_on_error, VipsImage **out);
/// Renders an SVG that Morph itself wrote (a chart) to an image.
int cvips_render_svg(const char *svg, size_t len, VipsImage **out);
/// Load a JPEG with the JPEG loader directly (skipping format sniffing, which costs more than
/// decoding a small JPEG); same flags as cvips_load_file.
int cvips_load_jpeg(const char *path, int sequential, int fail_on_error, VipsImage **out);
/// As cvips_load_jpeg, but reads the whole file into memory first (freed with the image): for
/// small files this saves the loader's repeated opens, seeks and small reads.
int cvips_load_jpeg_buffered(const char *path, int sequential, int fail_on_error, VipsImage **out);
/// As cvips_load_jpeg_buffered, decoding at 1/shrink size (shrink 2, 4 or 8) in libjpeg's DCT
/// domain: much cheaper than decoding in full and then reducing, and antialiased.
int cvips_load_jpeg_shrunk(const char *path, int sequential, int fail_on_error, int shrink,
                           VipsImage **out);
/// EXIF orientation tag (1–8), or 1 when the image has none.
int cvips_orientation(VipsImage *in);
/// Compute all pixels into a new memory image. Small images (≤ small_pixels) are computed in the
/// calling thread through one region, avoiding libvips' thread-pool start-up (which costs more
/// than the work for a 178×218 photo); larger ones use libvips' threaded copy.
int cvips_decode(VipsImage *in, long small_pixels, VipsImage **out);
/// Copy all pixels into `dst` (len bytes), computing small images in the calling thread.
int cvips_read_pixels(VipsImage *in, long small_pixels, void *dst, size_t len);
/// Read only the header (width, height, bands) without decoding pixels.
int cvips_header(const char *path, int *width, int *height, int *bands);

/// Rotate according to the EXIF orientation tag.
int cvips_autorot(VipsImage *in, VipsImage **out);
/// Convert any band layout / colourspace / depth to 8-bit sRGB with 3 bands
/// (alpha is flattened onto white).
int cvips_to_srgb8(VipsImage *in, VipsImage **out);

int cvips_crop(VipsImage *in, int left, int top, int width, int height, VipsImage **out);
/// Resize by independent horizontal/vertical scale factors with a Lanczos3 kernel.
int cvips_resize(VipsImage *in, double hscale, double vscale, VipsImage **out);
/// Affine transform `[a b; c d]` plus offsets, output area (ox, oy, ow, oh),
/// bilinear (interp=1) or bicubic (interp=2) interpolation, background black.
int cvips_affine(VipsImage *in, double a, double b, double c, double d, double idx, double idy,
                 double odx, double ody, int ox, int oy, int ow, int oh, int interp, VipsImage **out);
/// As cvips_affine, choosing how pixels outside the input are filled:
/// extend 0 = background black, 1 = copy the nearest edge pixel.
/// interp: 0 nearest, 1 bilinear, 2 bicubic, 3 lbb (edge-preserving bicubic).
int cvips_affine_ext(VipsImage *in, double a, double b, double c, double d, double odx, double ody,
                     int ow, int oh, int interp, int extend, VipsImage **out);
int cvips_flip_horizontal(VipsImage *in, VipsImage **out);
/// Place `in` in a larger canvas filled with `bg` (RGB).
int cvips_embed(VipsImage *in, int x, int y, int width, int height, const double *bg, int nbg,
                VipsImage **out);
/// Place `in` at (x, y) in a larger canvas whose new pixels repeat the nearest edge pixel.
int cvips_embed_edge(VipsImage *in, int x, int y, int width, int height, VipsImage **out);
/// Multiply by a and add b per band, then cast back to uchar.
int cvips_linear_uchar(VipsImage *in, double a, double b, VipsImage **out);

/// Render text (Pango markup off) into a one-band 8-bit mask of the given width.
int cvips_text(const char *text, const char *font, int width, int dpi, VipsImage **out);
/// Join n images in a grid `across` wide, with `shim` pixels between them and background `bg`.
int cvips_arrayjoin(VipsImage **in, int n, int across, int shim, const double *bg, int nbg,
                    VipsImage **out);
/// Composite a one-band mask in colour `ink` onto an RGB image at (x, y); `mask` is read, never
/// changed.
int cvips_draw_mask(VipsImage *image, const double *ink, int nink, VipsImage *mask, int x, int y);
/// Paint `sub` onto `image` (a memory image, modified in place) with its top-left at (x, y);
/// `sub` is read, never changed.
int cvips_draw_image(VipsImage *image, VipsImage *sub, int x, int y);
/// `sub` placed over `main` with its top-left at (x, y), lazily (no copy of `main`'s pixels): a
/// pasted region in a photo of any size costs memory for the region only.
int cvips_insert(VipsImage *main, VipsImage *sub, int x, int y, VipsImage **out);
/// 1 when `in` is computed on demand (not yet pixels in memory or a file). Drawing from such an
/// image must leave it so: it may be shared between threads (see private_pixels in cvips.c).
int cvips_is_lazy(VipsImage *in);
/// Make an RGB image of constant colour.
int cvips_solid(int width, int height, const double *rgb, VipsImage **out);
/// Copy an image into a new private memory image (so it can be drawn on).
int cvips_copy_memory(VipsImage *in, VipsImage **out);

/// Wrap raw 8-bit interleaved pixels (copied) as an image.
int cvips_from_memory_u8(const void *data, size_t len, int width, int height, int bands,
                         VipsImage **out);
/// Wrap raw 16-bit interleaved pixels (copied); bands 3 → RGB16, 1 → GREY16.
int cvips_from_memory_u16(const void *data, size_t len, int width, int height, int bands,
                          VipsImage **out);
/// Copy with a new interpretation tag (e.g. VIPS_INTERPRETATION_CMYK); pixels are unchanged.
int cvips_set_interpretation(VipsImage *in, int interpretation, VipsImage **out);
/// Copy with the EXIF orientation tag (1–8) set, as a camera would write it.
int cvips_set_orientation(VipsImage *in, int orientation, VipsImage **out);
/// Number of pages (animation frames) in the file the image came from; 1 when untagged.
int cvips_page_count(VipsImage *in);
/// Load every page of a multi-page file (GIF/WebP animation) as one tall strip.
int cvips_load_all_pages(const char *path, VipsImage **out);
/// Format (VipsBandFormat) and interpretation (VipsInterpretation) of an image.
int cvips_format(VipsImage *in);
int cvips_interpretation(VipsImage *in);
/// Join images top to bottom (all the same width), for animation strips.
int cvips_join_vertical(VipsImage **in, int n, VipsImage **out);
/// Write pixels to a new buffer; free it with g_free.
void *cvips_to_memory(VipsImage *in, size_t *len);

/// Encode to a new buffer (free it with g_free) in the format of `suffix` (".png", ".jpg",
/// ".webp", ".tif", …); quality <= 0 keeps the default. Morph writes the buffer itself, through a
/// temporary file renamed over the target, so libvips never opens an output path.
int cvips_save_buffer(VipsImage *in, const char *suffix, int quality, void **buf, size_t *len);
/// Encode an animated GIF or WebP (by `suffix`) to a new buffer: `strip` is a vertical strip of
/// n frames, each `page_height` tall, shown for `delay_ms`; loop forever.
int cvips_save_animation_buffer(VipsImage *strip, const char *suffix, int page_height, int n,
                                int delay_ms, int gif_effort, void **buf, size_t *len);

// MARK: - Kernels (plain C, compiled -O3)

/// Convert interleaved 8-bit pixels (h × w × c) to planar float (c × h × w):
/// out[ch][i] = pixel[i][ch] * scale[ch] + offset[ch]. (Normalisation folded into scale/offset.)
void cvips_u8_hwc_to_chw(const unsigned char *in, int height, int width, int channels,
                         const float *scale, const float *offset, float *out);
/// The inverse: planar float → interleaved 8-bit, v = (x - offset) / scale, rounded and clamped
/// to 0…255 (NaN becomes 0).
void cvips_chw_to_u8_hwc(const float *in, int height, int width, int channels, const float *scale,
                         const float *offset, unsigned char *out);

/// One bilinear affine warp of an 8-bit, 3-band memory image straight into normalised planar
/// floats (out is 3 × oh × ow). `inv` maps output pixel centres to input ones:
/// x = inv[0]·X + inv[1]·Y + inv[2], y = inv[3]·X + inv[4]·Y + inv[5]. Each sampled level v
/// becomes clamp(v·level_gain + level_offset, 0, 255)·scale[ch] + offset[ch]. Outside the input,
/// neighbours are black (extend 0) or the nearest edge pixel (extend 1).
/// Returns -1 (with a libvips error) when the image is not 8-bit 3-band or cannot be read.
int cvips_warp_to_chw(VipsImage *in, const double *inv, int ow, int oh, int extend,
                      float level_gain, float level_offset, const float *scale,
                      const float *offset, float *out);
/// As cvips_warp_to_chw for a not yet decoded image: small images are decoded through one region
/// in the calling thread and warped straight from it, with no intermediate copy.
int cvips_decode_warp_to_chw(VipsImage *in, long small_pixels, const double *inv, int ow, int oh,
                             int extend, float level_gain, float level_offset, const float *scale,
                             const float *offset, float *out);

#endif
