#include "tests/support/tests/http_client.hpp"

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>

namespace rg::testing {
namespace {

namespace http = web::http;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

http::client::http_client_config makeConfig(const HttpClientOptions& o,
                                            std::chrono::seconds timeout) {
  http::client::http_client_config config;
  config.set_timeout(timeout);
  if (!o.caPem.empty() || !o.clientCertPem.empty()) {
    config.set_ssl_context_callback([o](boost::asio::ssl::context& ctx) {
      if (!o.caPem.empty()) ctx.add_certificate_authority(boost::asio::buffer(o.caPem));
      if (!o.clientCertPem.empty()) {
        ctx.use_certificate_chain(boost::asio::buffer(o.clientCertPem));
        ctx.use_private_key(boost::asio::buffer(o.clientKeyPem), boost::asio::ssl::context::pem);
      }
    });
  }
  return config;
}

class CpprestWatch : public WatchStream {
 public:
  CpprestWatch(const std::string& base, const HttpClientOptions& options, http::http_request req)
      : client_(base, makeConfig(options, std::chrono::seconds(120))) {
    try {
      auto response = client_.request(req, cts_.get_token()).get();
      status_ = response.status_code();
      body_ = response.body();
      reader_ = std::thread([this] { readLoop(); });
    } catch (const std::exception&) {
      status_ = 0;
      ended_ = true;
    }
  }
  ~CpprestWatch() override {
    cancel();
    if (reader_.joinable()) reader_.join();
  }

  int status() const override { return status_; }

  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !lines_.empty() || ended_; });
    if (lines_.empty()) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return nlohmann::json::parse(line);
  }

  bool waitEnded(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ended_; });
  }

  void cancel() override { cts_.cancel(); }

 private:
  void readLoop() {
    try {
      while (true) {
        concurrency::streams::container_buffer<std::string> line;
        const size_t n = body_.read_line(line).get();
        if (n == 0 && body_.is_eof()) break;
        if (line.collection().empty()) continue;
        std::lock_guard lock(mu_);
        lines_.push_back(line.collection());
        cv_.notify_all();
      }
    } catch (const std::exception&) {
      // Cancelled or connection closed.
    }
    std::lock_guard lock(mu_);
    ended_ = true;
    cv_.notify_all();
  }

  http::client::http_client client_;
  pplx::cancellation_token_source cts_;
  int status_ = 0;
  concurrency::streams::istream body_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  bool ended_ = false;
  std::thread reader_;
};

}  // namespace

nlohmann::json HttpResult::json() const {
  return nlohmann::json::parse(body);
}

std::string HttpResult::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Impl {
  Impl(const std::string& base, HttpClientOptions o)
      : baseUrl(base), options(std::move(o)), client(base, makeConfig(options, options.timeout)) {}

  http::http_request makeRequest(const std::string& method, const std::string& pathAndQuery) {
    http::http_request req(method);
    req.set_request_uri(pathAndQuery);
    if (!options.token.empty()) req.headers().add("Authorization", "Bearer " + options.token);
    return req;
  }

  std::string baseUrl;
  HttpClientOptions options;
  http::client::http_client client;
};

HttpClient::HttpClient(const std::string& baseUrl, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(baseUrl, std::move(options))) {}

HttpClient::~HttpClient() = default;

std::string gunzip(const std::string& compressed) {
  namespace compression = web::http::compression;
  auto decompressor =
      compression::builtin::make_decompressor(compression::builtin::algorithm::GZIP);
  if (!decompressor) throw std::runtime_error("no gzip decompressor");
  std::string out;
  std::array<uint8_t, 16 * 1024> buffer;
  const auto* input = reinterpret_cast<const uint8_t*>(compressed.data());
  std::size_t left = compressed.size();
  bool done = false;
  while (!done) {
    std::size_t used = 0;
    const std::size_t produced = decompressor->decompress(input, left, buffer.data(), buffer.size(),
                                                          compression::has_more, used, done);
    if (produced == 0 && used == 0 && !done) throw std::runtime_error("not a whole gzip stream");
    out.append(reinterpret_cast<const char*>(buffer.data()), produced);
    input += used;
    left -= used;
  }
  return out;
}

HttpResult HttpClient::request(const std::string& method, const std::string& pathAndQuery,
                               const std::string& body, const std::string& contentType,
                               const std::map<std::string, std::string>& headers) {
  auto req = impl_->makeRequest(method, pathAndQuery);
  for (const auto& [k, v] : headers) req.headers().add(k, v);
  if (!body.empty()) req.set_body(body, contentType);
  auto response = impl_->client.request(req).get();
  HttpResult result;
  result.code = response.status_code();
  for (const auto& [k, v] : response.headers()) result.headers[lower(k)] = v;
  auto bytes = response.extract_vector().get();
  result.body.assign(bytes.begin(), bytes.end());
  return result;
}

HttpResult HttpClient::get(const std::string& path, const std::string& accept) {
  std::map<std::string, std::string> headers;
  if (!accept.empty()) headers["Accept"] = accept;
  return request("GET", path, "", "", headers);
}

HttpResult HttpClient::post(const std::string& path, const nlohmann::json& body) {
  return request("POST", path, body.dump());
}

HttpResult HttpClient::put(const std::string& path, const nlohmann::json& body) {
  return request("PUT", path, body.dump());
}

HttpResult HttpClient::patch(const std::string& path, const std::string& contentType,
                             const std::string& body) {
  return request("PATCH", path, body, contentType);
}

HttpResult HttpClient::del(const std::string& path, const std::string& body) {
  return request("DELETE", path, body);
}

std::unique_ptr<WatchStream> HttpClient::watch(const std::string& pathAndQuery,
                                               const std::string& accept) {
  auto req = impl_->makeRequest("GET", pathAndQuery);
  if (!accept.empty()) req.headers().add("Accept", accept);
  return std::make_unique<CpprestWatch>(impl_->baseUrl, impl_->options, std::move(req));
}

}  // namespace rg::testing
