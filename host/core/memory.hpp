// Heap policy for the hub's process: memory the hub freed stays in the process for reuse.
//
// glibc's defaults hand large blocks (a 0.5 MiB HEC body, a journal record, a simdjson tape) to
// mmap and give freed heap tops back to the kernel, so a steady stream of requests faults the same
// pages in again and again. On the VMs this project runs on a page fault costs ~11 µs (4 KiB:
// ~2.7 ns per byte touched, more than parsing it), which made the first 530 KiB HEC request of
// each cycle cost as much as its parse. Keeping the heap costs RSS: the process holds on to its
// peak working set (docs/operations.md, "Memory").
#pragma once

namespace siemhub::core {

/// Sets glibc's malloc to keep blocks up to 32 MiB on the heap and not to trim it below 256 MiB
/// of free top. Call once, first thing in main(), before threads start. No-op elsewhere.
void keep_freed_memory();

}  // namespace siemhub::core
