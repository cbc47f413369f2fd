#pragma once
// A watch body as lines, for WatchStream. Private to the REST client: rest_client.cpp and this
// unit are the only places that include cpprestsdk's headers.
#include <cpprest/http_msg.h>
#include <pplx/pplxtasks.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/watch_stream.hpp"

namespace rg::kube {

// Lines of a streaming HTTP body, read as chunks arrive. Cancelling closes the connection,
// which fails the pending read. Reads take whatever the body has buffered in one block:
// istream::read_line takes the buffer's lock and a task per byte, which made the watch reader
// the busiest thread while thousands of gates are written at start-up.
class CpprestLineSource final : public LineSource {
 public:
  CpprestLineSource(web::http::http_response response, pplx::cancellation_token_source cts);
  ~CpprestLineSource() override;

  bool readLine(std::string& line) override;
  void cancel() override;
  // Bytes the reader's own buffer holds room for: bounded by one read and the longest line, not
  // by how far the reader is behind the server.
  std::size_t bufferCapacity() const { return pending_.capacity(); }

 private:
  // Moves the first complete line (without "\n" or "\r\n") out of pending_.
  bool takeLine(std::string& line);
  // Appends what the body holds, waiting for at least one byte; false at the end of the body.
  bool readMore();

  web::http::http_response response_;
  concurrency::streams::streambuf<uint8_t> body_;
  pplx::cancellation_token_source cts_;
  std::string pending_;      // bytes read; those from begin_ on are not handed out yet
  std::size_t begin_ = 0;    // start of the next line in pending_
  std::size_t scanned_ = 0;  // pending_[begin_, scanned_) holds no newline
  bool finished_ = false;
};

}  // namespace rg::kube
