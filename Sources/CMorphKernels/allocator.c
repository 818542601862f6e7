// The allocator policy behind MorphTensor's AllocatorPolicy (glibc's mallopt is not visible
// to Swift through Glibc).
#include "morph_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void morph_allocator_keep_heap(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  mallopt(M_TRIM_THRESHOLD, trim_threshold);
#else
  (void)mmap_threshold;
  (void)trim_threshold;
#endif
}
