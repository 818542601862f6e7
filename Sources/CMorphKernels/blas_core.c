// OpenBLAS as Debian ships it (DYNAMIC_ARCH) picks its kernels from the CPU's family and model
// when it loads. A CPU it does not know — a hypervisor's "Intel(R) Xeon(R) Processor" with
// AVX-512 — falls back to Prescott (SSE3) kernels: sgemm then ran at 65 GFLOP/s instead of 307,
// and Morph's engine, which spends most of its time in sgemm, at a third of its speed. This
// re-selects by the CPU's features, once, before the first BLAS call, unless the user chose a
// core with OPENBLAS_CORETYPE. The OpenBLAS entry points are weak: a BLAS without them is left
// as it is.
#include "morph_kernels.h"
#include <stdlib.h>
#include <strings.h>

extern char *openblas_get_corename(void) __attribute__((weak));
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

const char *morph_blas_select_core(void) {
#if defined(__x86_64__)
  if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return NULL;
  if (getenv("OPENBLAS_CORETYPE")) return NULL;
  const char *current = openblas_get_corename();
  if (!current) return NULL;
  // Kernels at least as wide as the CPU can use: keep them.
  static const char *wide[] = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"};
  for (unsigned i = 0; i < sizeof wide / sizeof wide[0]; i++)
    if (!strcasecmp(current, wide[i])) return NULL;
  __builtin_cpu_init();
  const char *want = NULL;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    want = "SKYLAKEX";
  else if (morph_cpu_has_avx2_fma())
    want = "HASWELL";
  if (!want) return NULL;
  setenv("OPENBLAS_CORETYPE", want, 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  unsetenv("OPENBLAS_CORETYPE");
  return want;
#else
  return NULL;
#endif
}

const char *morph_blas_core_name(void) { return openblas_get_corename ? openblas_get_corename() : NULL; }

int morph_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}
