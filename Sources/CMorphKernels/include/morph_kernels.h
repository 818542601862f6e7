// CMorphKernels: hot loops of the tensor engine, compiled with -O3 even in debug builds.
// Kernels are free functions over raw float pointers with explicit sizes; all tensors are
// contiguous row-major (NCHW for images). Strides are in elements; a stride of 0 broadcasts.
#ifndef MORPH_KERNELS_H
#define MORPH_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Largest rank the strided kernels accept.
#define MORPH_MAX_RANK 8

// MARK: - Elementwise

/// Binary operations understood by `morph_binary`.
typedef enum { MORPH_ADD = 0, MORPH_SUB = 1, MORPH_MUL = 2, MORPH_DIV = 3 } morph_binary_op;

/// out[idx] = a[idx·astride] (op) b[idx·bstride] over an output of `rank` dims `shape`
/// (contiguous). Strides of 0 broadcast an operand along that axis.
void morph_binary(int op, const float *a, const int64_t *astride, const float *b,
                  const int64_t *bstride, float *out, const int64_t *shape, int rank);

/// Unary operations understood by `morph_unary`; `p` is the operation's parameter.
typedef enum {
  MORPH_NEG = 0, MORPH_EXP, MORPH_LOG, MORPH_SQRT, MORPH_ABS, MORPH_RELU, MORPH_LEAKY_RELU,
  MORPH_TANH, MORPH_SIGMOID, MORPH_SCALE, MORPH_ADD_SCALAR, MORPH_STEP, MORPH_LEAKY_SLOPE,
  MORPH_SIGN
} morph_unary_op;

/// y[i] = f(x[i]; p) for i < n.
void morph_unary(int op, const float *x, float *y, size_t n, float p);

/// dx[i] = g[i] where x[i] > 0, else slope·g[i] (ReLU with slope 0, leaky ReLU otherwise).
void morph_relu_backward(const float *g, const float *x, float *dx, size_t n, float slope);

/// out = x read through `stride` over an output of `rank` dims `shape` (a strided gather:
/// permute and broadcast).
void morph_strided_copy(const float *x, const int64_t *stride, float *out, const int64_t *shape,
                        int rank);

/// out[j] += x[i] where j is x's multi-index i through `ostride` (0 on reduced axes).
/// Accumulates in double; `out` (length `outCount`) is overwritten.
void morph_reduce_sum(const float *x, const int64_t *shape, int rank, const int64_t *ostride,
                      float *out, size_t outCount);

// MARK: - Convolution helpers (one image, CHW)

/// col[(c·kh+i)·kw+j][oy·ow+ox] = x[c][oy·s−p+i·d][ox·s−p+j·d] (0 outside; d = `dil`, the
/// dilation). Rows of `col` are `ldcol` apart, so several images can fill side-by-side column
/// blocks of one matrix.
void morph_im2col(const float *x, int c, int h, int w, int kh, int kw, int stride, int pad, int dil,
                  int oh, int ow, float *col, size_t ldcol);

/// The adjoint of im2col: x[c][y][x] += col[...] for every column entry that reads it.
/// `x` is accumulated into (zero it first).
void morph_col2im(const float *col, int c, int h, int w, int kh, int kw, int stride, int pad, int dil,
                  int oh, int ow, float *x, size_t ldcol);

/// Lays `count` images of rows×l side by side: dst[r][j·l + i] = src[j][r][i].
void morph_pack_images(const float *src, int count, size_t rows, size_t l, float *dst);

/// The inverse of `morph_pack_images`: dst[j][r][i] = src[r][j·l + i].
void morph_unpack_images(const float *src, int count, size_t rows, size_t l, float *dst);

/// y[p][i] = act(y[p][i] + bias[p mod channels]) over `planes` planes of `l` values (a
/// convolution's epilogue); `bias` may be NULL, `relu` ≠ 0 clamps negatives to zero.
void morph_channel_bias_act(float *y, size_t planes, size_t channels, size_t l, const float *bias,
                            int relu);

/// dst[i] += src[i] for i < n.
void morph_accumulate(float *dst, const float *src, size_t n);

// MARK: - Normalisation (x is n×c×l; statistics per channel over n·l values, or per image
// and channel over l values when `per_image`; only channels [c0, c1) are touched)

/// y = (x − μ)/√(σ² + eps)·w[c] + b[c] with biased variance σ². Writes μ and σ² (double
/// accumulation, two passes) to `mean`, `var` (c entries, or n·c when `per_image`).
void morph_channel_norm_forward(const float *x, int n, int c, size_t l, int per_image, float eps,
                                const float *w, const float *b, float *y, float *mean, float *var,
                                int c0, int c1);

/// Gradients of the above from the output gradient g, given the statistics it wrote:
/// dx = w·r·(g − mean(g) − x̂·mean(g·x̂)), dw[c] = Σ g·x̂, db[c] = Σ g (r = 1/√(σ² + eps)).
void morph_channel_norm_backward(const float *x, const float *g, int n, int c, size_t l,
                                 int per_image, float eps, const float *mean, const float *var,
                                 const float *w, float *dx, float *dw, float *db, int c0, int c1);

// MARK: - Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions
// y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output tile: 16 multiplies instead of 36. The 16
// element-wise products over channels are 16 GEMMs, U[ξ] (cout×cin) · V[ξ] (cin×tiles).

/// u[ξ][o][i] = (G g Gᵀ)[ξ] for the effective weight g = w[o][i] (w is cout×cin×3×3). With
/// `transpose_flip` the effective weight is w[i][o] rotated by 180° (cin×cout: the weight of
/// the convolution that computes conv2d's input gradient), so u is [16][cin][cout]. Fills the
/// rows of u's output channels o0 ≤ o < o1; `rows` is scratch for 16·max(cin, cout) floats.
void morph_winograd_weights(const float *w, int cout, int cin, int transpose_flip, int o0, int o1, float *u, float *rows);

/// For tile rows [ty0, ty1) of one image (c×h×w): v[ξ·xs + ci·ldv + col0 + (ty − ty0)·tw + tx]
/// = (Bᵀ d B)[ξ] for the 4×4 patch at (2ty − pad, 2tx − pad), zero outside the image.
/// `pbuf` holds (2(ty1 − ty0) + 2)·(2tw + 2) floats. `xs` ≥ c·ldv should not be a multiple of
/// 1024 (the 16 output streams would alias in the cache).
void morph_winograd_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                          float *v, size_t ldv, size_t xs, size_t col0, float *pbuf);

/// For tile rows [ty0, ty1) of one image: y[o] = Aᵀ m A per tile (m laid out as v above),
/// clipped to oh×ow, plus `bias[o]` (may be NULL), then ReLU when `relu` ≠ 0.
void morph_winograd_output(const float *m, int co, int oh, int ow, int tw, int ty0, int ty1, size_t ldm,
                           size_t xs, size_t col0, const float *bias, int relu, float *y);

/// The weight gradient's side of F(3×3, 2×2) (see winograd.c): for tile rows [ty0, ty1) of one
/// image's output gradient g (co×oh×ow, zero past its edges), u[ξ·xs + o·ldu + col0 +
/// (ty − ty0)·tw + tx] = S (G' g G'ᵀ) S [ξ] for the 2×2 tile at (2ty, 2tx).
void morph_winograd_grad_tiles(const float *g, int co, int oh, int ow, int tw, int ty0, int ty1, float *u,
                               size_t ldu, size_t xs, size_t col0);

/// dw[o][c] (co×ci×3×3) = A'ᵀ M[·][o][c] A' for the summed products m ([16] matrices of co×ci,
/// xs floats apart).
void morph_winograd_weight_grad_output(const float *m, int co, int ci, size_t xs, float *dw);

/// F(4×4, 3×3) versions of the three functions above (winograd4.c): 36 transformed matrices
/// instead of 16 (`rows`: 36·max(cin, cout) floats), tiles of 4×4 outputs read from 6×6
/// patches at (4ty − pad, 4tx − pad).
void morph_winograd4_weights(const float *w, int cout, int cin, int transpose_flip, int o0, int o1, float *u, float *rows);
void morph_winograd4_input(const float *x, int c, int h, int w, int pad, int tw, int ty0, int ty1,
                           float *v, size_t ldv, size_t xs, size_t col0, float *pbuf);
void morph_winograd4_output(const float *m, int co, int oh, int ow, int tw, int ty0, int ty1, size_t ldm,
                            size_t xs, size_t col0, const float *bias, int relu, float *y);

// MARK: - Thread pool (thread_pool.c)

/// One task of a parallel region: `fn(ctx, i)` for iteration i.
typedef void (*morph_task_fn)(void *ctx, long i);

/// Sets the number of threads regions use, the caller included (before the first region).
void morph_pool_configure(int workers);

/// Runs fn(ctx, i) for i in [0, iterations) on the calling thread and the pool's helpers, and
/// returns when all have finished. Runs them in place, in order, when called from inside a
/// task or while another thread's region is running.
void morph_pool_run(long iterations, morph_task_fn fn, void *ctx);

// MARK: - Pooling and resampling (planes = N·C planes of h×w)

/// 2×2 max pooling, stride 2 (floor), of planes [p0, p1) (x, y and idx point at plane 0).
/// `idx`, unless NULL, receives the flat input index of each maximum.
void morph_maxpool2(const float *x, size_t p0, size_t p1, int h, int w, float *y, int64_t *idx);

/// out[i] = x[idx[i]] for i < n.
void morph_gather(const float *x, const int64_t *idx, float *out, size_t n);

/// out[idx[i]] += x[i] for i < n; out (length m) is zeroed first.
void morph_scatter_add(const float *x, const int64_t *idx, size_t n, float *out, size_t m);

/// Nearest ×f upsampling: y[oy][ox] = x[oy/f][ox/f].
void morph_upsample_nearest(const float *x, size_t planes, int h, int w, int f, float *y);

/// Sum pooling f×f stride f (the adjoint of nearest ×f upsampling); h, w are the output size.
void morph_sum_pool(const float *x, size_t planes, int h, int w, int f, float *y);

/// Bilinear ×2 upsampling (PyTorch align_corners=False): h, w are the input size.
void morph_bilinear_up2(const float *x, size_t planes, int h, int w, float *y);

/// The adjoint of `morph_bilinear_up2`: g is (2h)×(2w), y is h×w.
void morph_bilinear_up2_adjoint(const float *g, size_t planes, int h, int w, float *y);

// MARK: - Optimisers

/// One Adam step in place (PyTorch's torch.optim.Adam, L2 weight decay added to the gradient).
void morph_adam_step(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1,
                     float beta2, float eps, float weightDecay, float bias1, float bias2);

/// Serve allocations up to `mmap_threshold` bytes from the heap and return free heap to the
/// system only above `trim_threshold` (glibc mallopt; a no-op elsewhere). See AllocatorPolicy.
void morph_allocator_keep_heap(int mmap_threshold, int trim_threshold, int arena_max);

// Re-selects OpenBLAS's kernels by the CPU's features when it fell back to pre-AVX2 ones for a
// CPU it does not recognise (blas_core.c). Call before the first BLAS call. Returns the core
// chosen, or NULL when OpenBLAS's own choice was kept.
const char *morph_blas_select_core(void);
// OpenBLAS's current core name (NULL without OpenBLAS), and whether the CPU has AVX2 and FMA.
const char *morph_blas_core_name(void);
int morph_cpu_has_avx2_fma(void);

/// Interleaves the four phases of a sub-pixel convolution (nearest ×2 upsampling + 3×3
/// convolution done as a 2×2 convolution with padding 1 to 4·cout phase-major channels):
/// z (n × 4·cout × (h+1) × (w+1)) → y (n × cout × 2h × 2w), y[2i+a][2j+b] =
/// z[2a+b][i+a][j+b]; for the output planes p = image·cout + o in [p0, p1).
void morph_subpixel_interleave(const float *z, int cout, int h, int w, size_t p0, size_t p1, float *y);
/// The adjoint of morph_subpixel_interleave: y (n × cout × 2h × 2w) → z (n × 4·cout × (h+1) ×
/// (w+1)), each phase's unused row and column zero; for the planes p of y in [p0, p1).
void morph_subpixel_deinterleave(const float *y, int cout, int h, int w, size_t p0, size_t p1, float *z);

#endif
