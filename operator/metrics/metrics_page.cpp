#include "operator/metrics/metrics_page.hpp"

#include "operator/metrics/gzip_page.hpp"

namespace rg::metrics {

EndpointResponse metricsPage(const Registry& registry, const EndpointRequest& request) {
  if (GzipPage::available() && GzipPage::accepted(request.acceptEncoding)) {
    GzipPage page;
    registry.render([&page](std::string_view piece) { page.append(piece); });
    return {200, kExpositionContentType, page.finish(), "gzip"};
  }
  return {200, kExpositionContentType, registry.render(), ""};
}

}  // namespace rg::metrics
