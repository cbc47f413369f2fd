#pragma once
// Transport-neutral HTTP request/response types, so the REST semantics stay out of the
// (slow to compile) cpprestsdk translation unit.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rg::testing {

struct HttpRequest {
  std::string method;                          // upper case
  std::string path;                            // percent-decoded
  std::map<std::string, std::string> query;    // decoded; the last value of a repeated key
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? "" : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
  bool hasParam(const std::string& name) const { return query.count(name) > 0; }
};

// The body of a streaming (chunked) response: one watch.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Writes and flushes; false once the stream is closed or the client went away.
  virtual bool write(std::string_view data) = 0;
  // Ends the response (the client sees end of stream). Idempotent.
  virtual void close() = 0;
  virtual bool closed() const = 0;
};

struct HttpResponse {
  int code = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for watches: the transport sends the headers with a chunked body, then calls this with
  // the sink for that body.
  std::function<void(std::shared_ptr<StreamSink>)> stream;
};

}  // namespace rg::testing
