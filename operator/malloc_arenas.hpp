#pragma once
// The operator's heap: glibc gives each new thread its own malloc arena (up to 8 per core),
// and every arena keeps the memory its threads freed. With the HTTP client's thread pool, the
// informers and the workers, that is about a sixth of the resident size at 10 000 gates for no
// measurable gain in speed (bench/README.md).

namespace rg {

// Limits malloc to `arenas` arenas, unless MALLOC_ARENA_MAX is set in the environment (then
// that setting stands). Call before starting threads. Returns the limit now in force (0: the
// glibc default).
int limitMallocArenas(int arenas = 2);

}  // namespace rg
