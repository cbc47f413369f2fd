#include "operator/metrics/gzip_page.hpp"

#include <cpprest/http_msg.h>  // http_compression.h is not self-contained

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "kube/text.hpp"

namespace rg::metrics {

namespace compression = web::http::compression;

struct GzipPage::Impl {
  std::unique_ptr<compression::compress_provider> compressor;
  std::string pending;
  bool finished = false;
};

namespace {
constexpr std::size_t kBatchBytes = 64 * 1024;
}  // namespace

bool GzipPage::available() {
  return compression::builtin::supported() &&
         compression::builtin::algorithm::supported(compression::builtin::algorithm::GZIP);
}

namespace {

// RFC 9110 12.5.3: "q=0" means not acceptable; any other weight (or none) accepts.
bool weightAccepts(std::string_view parameters) {
  while (!parameters.empty()) {
    auto semicolon = parameters.find(';');
    std::string_view parameter = kube::trimBlanks(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? "" : parameters.substr(semicolon + 1);
    if (parameter.size() < 2 || std::tolower(static_cast<unsigned char>(parameter[0])) != 'q' ||
        parameter[1] != '=')
      continue;
    return std::strtod(std::string(parameter.substr(2)).c_str(), nullptr) > 0;
  }
  return true;
}

}  // namespace

bool GzipPage::accepted(std::string_view acceptEncoding) {
  while (!acceptEncoding.empty()) {
    auto comma = acceptEncoding.find(',');
    std::string_view coding = acceptEncoding.substr(0, comma);
    acceptEncoding = comma == std::string_view::npos ? "" : acceptEncoding.substr(comma + 1);
    auto semicolon = coding.find(';');
    std::string_view name = kube::trimBlanks(coding.substr(0, semicolon));
    if (!kube::equalsIgnoringAsciiCase(name, "gzip") && name != "*") continue;
    return weightAccepts(semicolon == std::string_view::npos ? "" : coding.substr(semicolon + 1));
  }
  return false;
}

GzipPage::GzipPage() : impl_(std::make_unique<Impl>()) {
  // zlib's level 1 (fastest), Z_DEFLATED, Z_DEFAULT_STRATEGY and memLevel 8: the exposition text
  // repeats itself line by line, so even the fastest level compresses it several times over.
  impl_->compressor = compression::builtin::make_gzip_compressor(1, 8, 0, 8);
  if (!impl_->compressor) throw std::runtime_error("gzip compression is not available");
}

GzipPage::~GzipPage() = default;

void GzipPage::compress(std::string_view text, bool last) {
  if (impl_->finished) throw std::logic_error("the gzip page is finished");
  std::array<uint8_t, 16 * 1024> buffer;
  const auto* input = reinterpret_cast<const uint8_t*>(text.data());
  std::size_t left = text.size();
  bool done = false;
  // The compressor takes what fits and is called again for the rest, and at the end until it
  // reports the stream done.
  while (left > 0 || (last && !done)) {
    std::size_t used = 0;
    const std::size_t produced = impl_->compressor->compress(
        input, left, buffer.data(), buffer.size(),
        last ? compression::is_last : compression::has_more, used, done);
    if (produced == 0 && used == 0 && !done)
      throw std::runtime_error("gzip compression made no progress");
    out_.append(reinterpret_cast<const char*>(buffer.data()), produced);
    input += used;
    left -= used;
    if (!last && left == 0) break;
  }
  impl_->finished = last;
}

void GzipPage::append(std::string_view text) {
  if (impl_->finished) throw std::logic_error("the gzip page is finished");
  // The compressor flushes at every call: small pieces are gathered first.
  impl_->pending.append(text);
  if (impl_->pending.size() < kBatchBytes) return;
  compress(impl_->pending, false);
  impl_->pending.clear();
}

std::string GzipPage::finish() {
  compress(impl_->pending, true);
  impl_->pending.clear();
  impl_->pending.shrink_to_fit();
  return std::move(out_);
}

}  // namespace rg::metrics
