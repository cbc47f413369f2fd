#pragma once
// A /metrics page compressed as it is rendered, for scrapers that send Accept-Encoding: gzip
// (Prometheus does): the page is about a tenth of its text, and the text never exists whole.
#include <memory>
#include <string>
#include <string_view>

namespace rg::metrics {

class GzipPage {
 public:
  // False when the HTTP library was built without compression: the page is then sent as text.
  static bool available();
  // Whether an Accept-Encoding header value accepts gzip (a "gzip" or "*" coding, q not 0).
  static bool accepted(std::string_view acceptEncoding);

  GzipPage();
  ~GzipPage();
  GzipPage(const GzipPage&) = delete;
  GzipPage& operator=(const GzipPage&) = delete;

  void append(std::string_view text);
  // The gzip stream; the page takes no more text after it.
  std::string finish();

 private:
  void compress(std::string_view text, bool last);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string out_;
};

}  // namespace rg::metrics
