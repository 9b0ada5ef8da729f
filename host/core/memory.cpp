#include "core/memory.hpp"

#include <cstdlib>  // <features.h>: defines __GLIBC__

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace siemhub::core {

void keep_freed_memory() {
#if defined(__GLIBC__)
  // Fixed values also switch off glibc's dynamic mmap threshold (which only rises after a free).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 8 << 20);  // grow the heap in 8 MiB steps (fewer brk/mprotect calls)
#endif
}

}  // namespace siemhub::core
