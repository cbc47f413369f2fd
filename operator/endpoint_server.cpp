// cpprestsdk's U() macro breaks fmt's headers (used by spdlog); the macro is not needed here.
#define _TURN_OFF_PLATFORM_STRING
#include "operator/endpoint_server.hpp"

#include <cpprest/http_listener.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <stdexcept>

namespace rg {

namespace http = web::http;

struct EndpointServer::Impl {
  std::map<std::string, EndpointHandler> routes;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
};

EndpointServer::EndpointServer(const std::string& bindAddress,
                               std::map<std::string, EndpointHandler> routes)
    : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  if (bindAddress == "0") return;
  static const std::regex kAddress(R"(^([^:]*):([0-9]{1,5})$)");
  std::smatch match;
  if (!std::regex_match(bindAddress, match, kAddress) || std::stoi(match[2]) > 65535)
    throw std::invalid_argument("bind address \"" + bindAddress +
                                "\" must be HOST:PORT, :PORT or 0 (disabled)");
  std::string host = match[1].str().empty() ? "0.0.0.0" : match[1].str();
  url_ = "http://" + host + ":" + match[2].str();
  enabled_ = true;
}

EndpointServer::~EndpointServer() {
  stop();
}

void EndpointServer::start() {
  if (!enabled_ || impl_->listener) return;
  auto listener = std::make_unique<http::experimental::listener::http_listener>(url_);
  auto* impl = impl_.get();
  listener->support(http::methods::GET, [impl](http::http_request request) {
    auto it = impl->routes.find(request.relative_uri().path());
    if (it == impl->routes.end()) {
      request.reply(http::status_codes::NotFound, "not found\n");
      return;
    }
    EndpointResponse response;
    try {
      response = it->second();
    } catch (const std::exception& e) {
      response = {500, "text/plain; charset=utf-8", std::string("error: ") + e.what() + "\n"};
    }
    request.reply(static_cast<http::status_code>(response.status), response.body,
                  response.contentType);
  });
  try {
    listener->open().wait();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + url_ + ": " + e.what());
  }
  impl_->listener = std::move(listener);
  std::string paths;
  for (const auto& route : impl_->routes) paths += (paths.empty() ? "" : ", ") + route.first;
  spdlog::info("serving " + paths + " on " + url_);
}

void EndpointServer::stop() {
  if (!impl_ || !impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::debug("closing {}: {}", url_, e.what());
  }
  impl_->listener.reset();
}

}  // namespace rg
