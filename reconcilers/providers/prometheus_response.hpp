#pragma once
// Pure interpretation of a Prometheus /api/v1/query answer, kept apart from the network code
// so it can be tested (and fuzzed) on its own. Nothing here throws.
#include <optional>
#include <string>
#include <string_view>

#include "reconcilers/providers/provider.hpp"

namespace rg::providers {

// A sample value as Prometheus writes it: "0.1", "1e-05", "NaN", "+Inf", "-Inf".
// nullopt when the text is not a number; NaN is returned as NaN.
std::optional<double> parseSampleValue(std::string_view text);

// The body of a query answer: a scalar, or a vector of exactly one sample, is a Value; an
// empty vector or NaN is NoData; anything else (status "error", several series, a matrix,
// malformed JSON, missing fields) is an Error that says what was wrong.
PromQueryResult parsePrometheusResponse(std::string_view body);

// The same with the HTTP status: an answer that is not Prometheus JSON (an error page from a
// proxy, say) names the status instead of only saying it is not JSON.
PromQueryResult interpretPrometheusAnswer(int httpStatus, std::string_view body);

}  // namespace rg::providers
