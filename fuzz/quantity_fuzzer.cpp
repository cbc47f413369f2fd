// Kubernetes quantities ("500m", "1.5Gi", "1e3"): parsing, and the canonical milli form.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include "kube/quantity.hpp"

namespace rg::fuzz {

void quantity(std::string_view data) {
  auto q = kube::Quantity::parse(data);
  if (!q) return;
  if (q->text() != data) violated("quantity", "text() differs from the parsed text");
  long long milli = q->milliValue();
  (void)q->toDouble();
  // A whole number of millis must read back exactly from its "<n>m" spelling.
  __int128 nano = q->nano();
  if (nano % 1'000'000 == 0 && nano / 1'000'000 == milli) {
    auto back = kube::Quantity::parse(std::to_string(milli) + "m");
    if (!back || *back != *q) {
      violated("quantity",
               "\"" + std::to_string(milli) + "m\" does not read back as the same value");
    }
  }
  // The sign only flips the value.
  if (!data.empty() && data[0] != '-' && data[0] != '+') {
    auto negated = kube::Quantity::parse("-" + std::string(data));
    if (!negated || negated->nano() != -nano)
      violated("quantity", "\"-\" + text is not the negation");
  }
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::quantity)
