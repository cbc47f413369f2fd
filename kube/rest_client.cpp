// cpprestsdk's U() macro breaks fmt's headers (used by spdlog); the macro is not needed here.
#define _TURN_OFF_PLATFORM_STRING
#include "kube/rest_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "kube/cpprest_line_source.hpp"
#include "kube/request_info.hpp"

#include <cpprest/http_client.h>
#include <cpprest/uri.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ssl.hpp>

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif

namespace rg::kube {
namespace {

// An IPv4 or IPv6 literal ("10.0.0.1", "::1" or "[::1]" as URIs spell it). inet_pton rather
// than boost::asio::ip::make_address: the executable then holds no copy of asio's inline
// statics besides libcpprest's own.
bool isIpAddress(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

namespace http = web::http;
using web::http::client::http_client;
using web::http::client::http_client_config;

#if defined(__x86_64__)
constexpr const char* kArch = "amd64";
#elif defined(__aarch64__)
constexpr const char* kArch = "arm64";
#else
constexpr const char* kArch = "unknown";
#endif

bool isIdempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::string encodeQuery(const Query& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    out += out.empty() ? "?" : "&";
    out += web::uri::encode_data_string(name);
    out += "=";
    out += web::uri::encode_data_string(value);
  }
  return out;
}

bool hasCertificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  const bool found = cert != nullptr;
  BIO_free(bio);
  X509_free(cert);
  ERR_clear_error();  // leave no stale error for the next TLS call on this thread
  return found;
}

bool hasPrivateKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  const bool found = key != nullptr;
  BIO_free(bio);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return found;
}

void validateIdentity(const std::string& source, const Credentials& creds) {
  if (creds.clientCertPem.empty() && creds.clientKeyPem.empty()) return;
  if (!hasCertificate(creds.clientCertPem)) {
    throw ConfigError(source + ": client certificate: no PEM certificate found");
  }
  if (!hasPrivateKey(creds.clientKeyPem)) {
    throw ConfigError(source + ": client key: no PEM private key found");
  }
}

std::chrono::seconds retryAfterOf(const http::http_response& response) {
  auto it = response.headers().find("Retry-After");
  if (it == response.headers().end()) return std::chrono::seconds(0);
  try {
    return std::chrono::seconds(std::max(0L, std::stol(it->second)));
  } catch (const std::exception&) {
    return std::chrono::seconds(0);  // an HTTP-date: fall back to our own backoff
  }
}

bool is2xx(int status) {
  return status >= 200 && status < 300;
}

}  // namespace

std::string_view contentTypeFor(PatchType type) {
  switch (type) {
    case PatchType::Merge:
      return "application/merge-patch+json";
    case PatchType::StrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::Json:
      return "application/json-patch+json";
    case PatchType::Apply:
      return "application/apply-patch+yaml";
  }
  return "application/json";
}

struct RestClient::Impl {
  ClientConfig config;
  RestClientOptions options;
  bool https = false;
  bool sni = true;

  std::mutex clientMutex;
  std::shared_ptr<http_client> requestClient;
  std::shared_ptr<http_client> watchClient;
  Credentials identity;  // the TLS client identity the clients were built with

  mutable std::mutex countsMutex;
  RequestCounts counts;

  // cancelAll(): cancels requests in flight and wakes retry waits.
  pplx::cancellation_token_source cancelSource;
  std::mutex cancelMutex;
  std::condition_variable cancelCv;
  bool cancelled = false;

  struct Outcome {
    int status = 0;
    http::http_response response;
    std::string body;
  };

  Credentials credentials() const {
    Credentials creds = config.credentials;
    if (config.credentialProvider) {
      Credentials dynamic = config.credentialProvider->current();
      if (!dynamic.token.empty()) creds.token = dynamic.token;
      if (!dynamic.clientCertPem.empty()) {
        creds.clientCertPem = dynamic.clientCertPem;
        creds.clientKeyPem = dynamic.clientKeyPem;
      }
    }
    return creds;
  }

  std::shared_ptr<http_client> makeClient(const Credentials& creds,
                                          std::chrono::milliseconds timeout) const {
    http_client_config cfg;
    cfg.set_timeout(timeout);
    // A redirect would replay the bearer token to wherever it points.
    cfg.set_max_redirects(0);
    if (config.insecureSkipTlsVerify) cfg.set_validate_certificates(false);
    cfg.set_tlsext_sni_enabled(sni);
    if (!config.proxyUrl.empty()) cfg.set_proxy(web::web_proxy(web::uri(config.proxyUrl)));
    std::string ca = config.insecureSkipTlsVerify ? std::string() : config.caPem;
    std::string cert = creds.clientCertPem;
    std::string key = creds.clientKeyPem;
    if (https && (!ca.empty() || !cert.empty())) {
      cfg.set_ssl_context_callback([ca, cert, key](boost::asio::ssl::context& ctx) {
        if (!ca.empty()) {
          // Trust exactly the configured CAs, as client-go does, not the system roots too.
          SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
          ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
        }
        if (!cert.empty()) {
          ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()));
          ctx.use_private_key(boost::asio::buffer(key.data(), key.size()),
                              boost::asio::ssl::context::pem);
        }
      });
    }
    return std::make_shared<http_client>(web::uri(config.server), cfg);
  }

  std::shared_ptr<http_client> clientFor(const Credentials& creds, bool watch) {
    std::lock_guard lock(clientMutex);
    if (!requestClient || creds.clientCertPem != identity.clientCertPem ||
        creds.clientKeyPem != identity.clientKeyPem) {
      // First use, or an exec plugin handed out a new certificate: new connections needed.
      validateIdentity(config.source, creds);
      requestClient = makeClient(creds, options.requestTimeout);
      watchClient = makeClient(creds, options.watchIdleTimeout);
      identity = creds;
    }
    return watch ? watchClient : requestClient;
  }

  void record(const std::string& method, const std::string& code) {
    std::lock_guard lock(countsMutex);
    ++counts.byMethodAndCode[{method, code}];
  }

  std::chrono::milliseconds delayFor(int attempt, std::chrono::seconds retryAfter) const {
    if (retryAfter.count() > 0) {
      return std::min<std::chrono::milliseconds>(retryAfter, options.maxRetryAfter);
    }
    auto delay = options.initialBackoff * (1LL << std::min(attempt, 20));
    return std::min<std::chrono::milliseconds>(delay, options.maxBackoff);
  }

  // Sends with authentication and retries. For a streaming request a 2xx body is left unread.
  Outcome execute(const RestRequest& req, bool streaming, const pplx::cancellation_token& token) {
    const bool idempotent = isIdempotent(req.method);
    const web::uri target(req.path + encodeQuery(req.query));
    bool authRetried = false;
    for (int attempt = 0;;) {
      {
        std::lock_guard lock(cancelMutex);
        if (cancelled) throw TransportError(req.method + " " + req.path + ": cancelled", false);
      }
      Credentials creds = credentials();
      auto client = clientFor(creds, streaming);
      http::http_request msg(req.method);
      msg.set_request_uri(target);
      auto& headers = msg.headers();
      headers.add("User-Agent", options.userAgent);
      headers.add("Accept", "application/json");
      if (!creds.token.empty()) headers.add("Authorization", "Bearer " + creds.token);
      // The TLS layer verifies (and sends as SNI) the Host header's name.
      if (!config.tlsServerName.empty()) headers.add("Host", config.tlsServerName);
      if (req.body) msg.set_body(*req.body, req.contentType);

      const auto started = std::chrono::steady_clock::now();
      auto elapsedMs = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
            .count();
      };
      std::chrono::milliseconds delay{0};
      try {
        http::http_response response = client->request(msg, token).get();
        const int status = response.status_code();
        std::string body;
        if (!streaming || !is2xx(status)) body = response.extract_utf8string(true).get();
        record(req.method, std::to_string(status));
        spdlog::debug("{} {} {} {}ms", req.method, req.path, status, elapsedMs());

        if (status == 401 && !authRetried && config.credentialProvider &&
            config.credentialProvider->invalidate(creds)) {
          authRetried = true;  // rotated token or expired plugin credentials: one more try
          continue;
        }
        const auto retryAfter = retryAfterOf(response);
        // 429 means "not processed"; other 5xx are retried for non-idempotent verbs only when
        // the server asks for it with Retry-After (as client-go does).
        bool retryable = status == 429 ||
                         (status >= 500 && status != 501 && (idempotent || retryAfter.count() > 0));
        if (!retryable || attempt >= options.maxRetries) {
          return Outcome{status, std::move(response), std::move(body)};
        }
        delay = delayFor(attempt, retryAfter);
      } catch (const http::http_exception& e) {
        record(req.method, "<error>");
        const std::string what = e.what();
        spdlog::debug("{} {} failed after {}ms: {}", req.method, req.path, elapsedMs(), what);
        if (token.is_canceled())
          throw TransportError(req.method + " " + req.path + ": cancelled", false);
        const bool timeout = e.error_code() == std::errc::timed_out;
        // Certificate problems do not heal by retrying; a timeout already took its full time.
        const bool handshake = what.find("handshake") != std::string::npos;
        if (timeout) {
          // cpprestsdk says only which read failed ("Failed to read HTTP status line").
          const auto limit = streaming ? options.watchIdleTimeout : options.requestTimeout;
          throw TransportError(req.method + " " + req.path + ": no answer within " +
                                   std::to_string(limit.count()) + "ms (" + what + ")",
                               true);
        }
        if (handshake || !idempotent || attempt >= options.maxRetries) {
          throw TransportError(req.method + " " + req.path + ": " + what, false);
        }
        delay = delayFor(attempt, std::chrono::seconds(0));
      } catch (const pplx::task_canceled&) {
        record(req.method, "<error>");
        throw TransportError(req.method + " " + req.path + ": cancelled", false);
      }
      ++attempt;
      std::unique_lock lock(cancelMutex);
      cancelCv.wait_for(lock, delay, [this] { return cancelled; });
    }
  }

  [[noreturn]] void raise(const RestRequest& req, const Outcome& outcome) {
    auto error = ApiError::fromResponse(outcome.status, outcome.body, req.method, req.path);
    auto retryAfter = retryAfterOf(outcome.response);
    if (retryAfter.count() > 0) error->setRetryAfter(retryAfter);
    report(req, *error);
    error->raise();
  }

  // Counts an error answer by what was asked; a refusal does not heal by retrying (it needs an
  // RBAC or credential change), so it is logged at error level whoever the caller is.
  void report(const RestRequest& req, const ApiError& error) {
    std::string query = encodeQuery(req.query);
    if (!query.empty()) query.erase(0, 1);
    const RequestInfo info = requestInfo(req.method, req.path, query);
    {
      std::lock_guard lock(countsMutex);
      ++counts.apiErrors[{info.verb, info.group, info.isResource ? info.resource : req.path,
                          std::to_string(error.code())}];
    }
    if (error.isForbidden() || error.isUnauthorized()) {
      spdlog::error("API request refused: {}: {} {}: {}", info.describe(), error.code(),
                    error.reason(), error.statusMessage());
    }
  }

  nlohmann::json call(const RestRequest& req) {
    Outcome outcome = execute(req, false, cancelSource.get_token());
    if (!is2xx(outcome.status)) raise(req, outcome);
    if (outcome.body.empty()) return nullptr;
    auto doc = nlohmann::json::parse(outcome.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      throw TransportError(req.method + " " + req.path + ": answer is not JSON", false);
    }
    return doc;
  }
};

RestClient::RestClient(ClientConfig config, RestClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.userAgent.empty()) options.userAgent = defaultUserAgent();
  impl_->config = std::move(config);
  impl_->options = std::move(options);
  auto& cfg = impl_->config;
  if (cfg.source.empty()) cfg.source = cfg.server;
  while (cfg.server.size() > 1 && cfg.server.back() == '/') cfg.server.pop_back();
  try {
    web::uri uri(cfg.server);
    if (uri.scheme() != "https" && uri.scheme() != "http") {
      throw ConfigError(cfg.source + ": server \"" + cfg.server + "\" is not an http(s) URL");
    }
    impl_->https = uri.scheme() == "https";
    // Like Go, send no SNI for an IP address.
    impl_->sni = isIpAddress(uri.host()) ? !cfg.tlsServerName.empty() : true;
    if (!cfg.proxyUrl.empty()) (void)web::uri(cfg.proxyUrl);
  } catch (const web::uri_exception& e) {
    throw ConfigError(cfg.source + ": server \"" + cfg.server + "\": " + e.what());
  }
  if (!cfg.caPem.empty() && !hasCertificate(cfg.caPem)) {
    throw ConfigError(cfg.source + ": certificate authority: no PEM certificate found");
  }
  validateIdentity(cfg.source, cfg.credentials);
}

RestClient::~RestClient() = default;

const ClientConfig& RestClient::config() const {
  return impl_->config;
}
const RestClientOptions& RestClient::options() const {
  return impl_->options;
}

std::string RestClient::defaultUserAgent() {
  return std::string("readiness-gate/") + RG_VERSION + " (linux/" + kArch + ")";
}

nlohmann::json RestClient::get(const ResourceRef& ref, std::string_view ns, std::string_view name,
                               std::string_view subresource) {
  return impl_->call({"GET", ref.itemPath(ns, name, subresource), {}, std::nullopt});
}

nlohmann::json RestClient::list(const ResourceRef& ref, std::string_view ns,
                                const ListOptions& options) {
  Query q;
  if (!options.labelSelector.empty()) q.emplace_back("labelSelector", options.labelSelector);
  if (!options.fieldSelector.empty()) q.emplace_back("fieldSelector", options.fieldSelector);
  if (options.limit > 0) q.emplace_back("limit", std::to_string(options.limit));
  if (!options.continueToken.empty()) q.emplace_back("continue", options.continueToken);
  if (!options.resourceVersion.empty()) q.emplace_back("resourceVersion", options.resourceVersion);
  if (!options.resourceVersionMatch.empty()) {
    q.emplace_back("resourceVersionMatch", options.resourceVersionMatch);
  }
  if (options.timeoutSeconds > 0) {
    q.emplace_back("timeoutSeconds", std::to_string(options.timeoutSeconds));
  }
  return impl_->call({"GET", ref.collectionPath(ns), std::move(q), std::nullopt});
}

ListResult RestClient::listAll(const ResourceRef& ref, std::string_view ns, ListOptions options) {
  ListResult result;
  for (;;) {
    nlohmann::json page;
    try {
      page = list(ref, ns, options);
    } catch (const GoneError&) {
      if (options.continueToken.empty()) throw;
      // The continue token expired mid-way: start over with one full, consistent list.
      spdlog::debug("list {}: continue token expired, listing without pagination", ref.resource);
      result.items.clear();
      options.continueToken.clear();
      options.limit = 0;
      continue;
    }
    if (page.contains("items") && page["items"].is_array()) {
      for (auto& item : page["items"]) {
        if (options.eachItem) options.eachItem(item);
        result.items.push_back(std::move(item));
      }
    }
    const auto& meta = page.contains("metadata") ? page["metadata"] : nlohmann::json::object();
    if (meta.is_object()) result.resourceVersion = meta.value("resourceVersion", "");
    std::string next = meta.is_object() ? meta.value("continue", "") : "";
    if (next.empty() || options.limit <= 0) break;
    options.continueToken = next;
  }
  return result;
}

std::unique_ptr<WatchStream> RestClient::watch(const ResourceRef& ref, std::string_view ns,
                                               const WatchOptions& options) {
  Query q{{"watch", "true"}};
  if (!options.labelSelector.empty()) q.emplace_back("labelSelector", options.labelSelector);
  if (!options.fieldSelector.empty()) q.emplace_back("fieldSelector", options.fieldSelector);
  if (!options.resourceVersion.empty()) q.emplace_back("resourceVersion", options.resourceVersion);
  if (options.allowWatchBookmarks) q.emplace_back("allowWatchBookmarks", "true");
  if (options.timeoutSeconds > 0) {
    q.emplace_back("timeoutSeconds", std::to_string(options.timeoutSeconds));
  }
  RestRequest req{"GET", ref.collectionPath(ns), std::move(q), std::nullopt};
  pplx::cancellation_token_source cts;
  auto outcome = impl_->execute(req, /*streaming=*/true, cts.get_token());
  if (!is2xx(outcome.status)) impl_->raise(req, outcome);
  return std::make_unique<WatchStream>(
      std::make_unique<CpprestLineSource>(std::move(outcome.response), std::move(cts)));
}

namespace {

Query writeQuery(const std::string& fieldManager, bool dryRun) {
  Query q;
  if (!fieldManager.empty()) q.emplace_back("fieldManager", fieldManager);
  if (dryRun) q.emplace_back("dryRun", "All");
  return q;
}

std::string metadataField(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return {};
  }
  return object["metadata"].value(field, "");
}

}  // namespace

nlohmann::json RestClient::create(const ResourceRef& ref, std::string_view ns,
                                  const nlohmann::json& object, const WriteOptions& options) {
  std::string objectNs = metadataField(object, "namespace");
  std::string path = ref.collectionPath(ns.empty() ? std::string_view(objectNs) : ns);
  return impl_->call(
      {"POST", path, writeQuery(options.fieldManager, options.dryRun), object.dump()});
}

nlohmann::json RestClient::update(const ResourceRef& ref, const nlohmann::json& object,
                                  const WriteOptions& options) {
  return impl_->call(
      {"PUT", ref.itemPath(metadataField(object, "namespace"), metadataField(object, "name")),
       writeQuery(options.fieldManager, options.dryRun), object.dump()});
}

nlohmann::json RestClient::updateStatus(const ResourceRef& ref, const nlohmann::json& object,
                                        const WriteOptions& options) {
  return impl_->call(
      {"PUT",
       ref.itemPath(metadataField(object, "namespace"), metadataField(object, "name"), "status"),
       writeQuery(options.fieldManager, options.dryRun), object.dump()});
}

nlohmann::json RestClient::patch(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                 PatchType type, const nlohmann::json& patch,
                                 const PatchOptions& options, std::string_view subresource) {
  std::string manager = options.fieldManager;
  if (type == PatchType::Apply && manager.empty()) manager = "readiness-gate";
  Query q = writeQuery(manager, options.dryRun);
  if (type == PatchType::Apply && options.force) q.emplace_back("force", "true");
  return impl_->call({"PATCH", ref.itemPath(ns, name, subresource), std::move(q), patch.dump(),
                      std::string(contentTypeFor(type))});
}

nlohmann::json RestClient::patchStatus(const ResourceRef& ref, std::string_view ns,
                                       std::string_view name, PatchType type,
                                       const nlohmann::json& patch, const PatchOptions& options) {
  return this->patch(ref, ns, name, type, patch, options, "status");
}

nlohmann::json RestClient::remove(const ResourceRef& ref, std::string_view ns,
                                  std::string_view name, const DeleteOptions& options) {
  RestRequest req{"DELETE", ref.itemPath(ns, name), {}, std::nullopt};
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (!options.preconditionUid.empty()) body["preconditions"]["uid"] = options.preconditionUid;
  if (!options.preconditionResourceVersion.empty()) {
    body["preconditions"]["resourceVersion"] = options.preconditionResourceVersion;
  }
  if (options.dryRun) body["dryRun"] = nlohmann::json::array({"All"});
  if (body.size() > 2) req.body = body.dump();
  return impl_->call(req);
}

RestResponse RestClient::send(const RestRequest& request) {
  auto outcome = impl_->execute(request, false, impl_->cancelSource.get_token());
  return RestResponse{outcome.status, std::move(outcome.body)};
}

nlohmann::json RestClient::call(const RestRequest& request) {
  return impl_->call(request);
}

void RestClient::cancelAll() {
  {
    std::lock_guard lock(impl_->cancelMutex);
    impl_->cancelled = true;
  }
  impl_->cancelSource.cancel();
  impl_->cancelCv.notify_all();
}

RequestCounts RestClient::requestCounts() const {
  std::lock_guard lock(impl_->countsMutex);
  return impl_->counts;
}

}  // namespace rg::kube
