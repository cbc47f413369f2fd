// Go durations ("1h2m3.5s", "500ms"): parsing, and toString() reading back as the same value.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.hpp"
#include "kube/duration.hpp"

namespace rg::fuzz {

void duration(std::string_view data) {
  auto d = kube::Duration::parse(data);
  if (!d) return;
  std::string text = d->toString();
  auto back = kube::Duration::parse(text);
  if (!back || *back != *d)
    violated("duration", "\"" + text + "\" does not read back as the same value");
  (void)d->seconds();
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::duration)
