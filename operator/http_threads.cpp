#include "operator/http_threads.hpp"

// Boost.Asio's headers, included by pplx's, use std::exchange without including <utility>.
#include <utility>
// Kept after <utility>.
#include <pplx/threadpool.h>

#include <exception>

namespace rg {

bool limitHttpThreads(std::size_t threads) {
  try {
    crossplat::threadpool::initialize_with_threads(threads);
    return true;
  } catch (const std::exception&) {
    return false;  // already initialised, by an earlier call or a first use
  }
}

}  // namespace rg
