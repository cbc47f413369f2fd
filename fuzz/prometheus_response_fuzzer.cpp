// Prometheus /api/v1/query answers. The first byte picks the HTTP status; the rest is the body.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.hpp"
#include "reconcilers/providers/prometheus_response.hpp"

namespace rg::fuzz {

void prometheusResponse(std::string_view data) {
  if (data.empty()) return;
  static constexpr int kStatuses[] = {200, 400, 422, 500, 502, 503, 302};
  int status = kStatuses[static_cast<unsigned char>(data[0]) % std::size(kStatuses)];
  std::string_view body = data.substr(1);
  (void)providers::parseSampleValue(body);
  for (const auto& result : {providers::parsePrometheusResponse(body),
                             providers::interpretPrometheusAnswer(status, body)}) {
    if (result.kind == providers::PromQueryResult::Kind::Value) {
      if (std::isnan(result.value)) violated("prometheus_response", "a NaN value");
    } else if (result.error.empty()) {
      violated("prometheus_response", "no data or an error without a reason");
    }
    // The reason is written into the gate's status.
    requireJsonText("prometheus_response", result.error);
  }
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::prometheusResponse)
