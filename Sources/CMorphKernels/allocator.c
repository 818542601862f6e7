// The allocator policy behind MorphTensor's AllocatorPolicy (glibc's mallopt is not visible
// to Swift through Glibc).
#include "morph_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void morph_allocator_keep_heap(int mmap_threshold, int trim_threshold, int arena_max) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  mallopt(M_TRIM_THRESHOLD, trim_threshold);
  if (arena_max > 0) mallopt(M_ARENA_MAX, arena_max);
#else
  (void)mmap_threshold;
  (void)trim_threshold;
  (void)arena_max;
#endif
}
