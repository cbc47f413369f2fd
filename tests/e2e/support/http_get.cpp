#include "tests/e2e/support/http_get.hpp"

#include <cpprest/http_client.h>

namespace rg::e2e {

HttpReply httpGet(const std::string& url, std::chrono::milliseconds timeout) {
  HttpReply reply;
  try {
    web::http::client::http_client_config config;
    config.set_timeout(timeout);
    web::http::client::http_client client(web::uri(url), config);
    auto response = client.request(web::http::methods::GET).get();
    reply.status = response.status_code();
    reply.body = response.extract_utf8string(true).get();
  } catch (const std::exception& e) {
    reply.status = 0;
    reply.error = e.what();
  }
  return reply;
}

}  // namespace rg::e2e
