#pragma once
// The operator's HTTP thread pool: cpprestsdk runs the completions of its client (Kubernetes API
// requests and watches) and of its listener (/metrics, probes) on one process-wide pool, 40
// threads by default. The work on it is short (no call blocks on it), so more threads than cores
// only add context switches: at 10 000 gates on 2 cores, 4 threads start every gate in 15-16 s,
// 40 threads in 19-20 s and 2 threads in 25-30 s (bench/README.md).

#include <cstddef>

namespace rg {

// Sizes cpprestsdk's shared pool to `threads`. Call before any HTTP client or listener is made.
// False when the pool was already started: its size then stands.
bool limitHttpThreads(std::size_t threads = 4);

}  // namespace rg
