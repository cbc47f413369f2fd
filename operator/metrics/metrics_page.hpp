#pragma once
// The /metrics answer: gzip when the scraper accepts it (rendered and compressed in pieces),
// else the text.
#include "operator/endpoint_server.hpp"
#include "operator/metrics/metric_registry.hpp"

namespace rg::metrics {

EndpointResponse metricsPage(const Registry& registry, const EndpointRequest& request);

}  // namespace rg::metrics
