#include "operator/malloc_arenas.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string>

namespace rg {

int limitMallocArenas(int arenas) {
  if (const char* fromEnvironment = std::getenv("MALLOC_ARENA_MAX")) {
    try {
      return std::stoi(fromEnvironment);
    } catch (const std::exception&) {
      return 0;  // glibc ignores a value it cannot read, and so do we
    }
  }
  return mallopt(M_ARENA_MAX, arenas) == 1 ? arenas : 0;
}

}  // namespace rg
