// cpprestsdk's U() macro is not needed here, and the REST client turns it off too.
#define _TURN_OFF_PLATFORM_STRING
#include "kube/cpprest_line_source.hpp"

#include <algorithm>
#include <utility>

namespace rg::kube {

CpprestLineSource::CpprestLineSource(web::http::http_response response,
                                     pplx::cancellation_token_source cts)
    : response_(std::move(response)), body_(response_.body().streambuf()), cts_(std::move(cts)) {}

CpprestLineSource::~CpprestLineSource() {
  // Without this the connection would keep receiving until the server ends the watch.
  if (!finished_) cts_.cancel();
}

bool CpprestLineSource::readLine(std::string& line) {
  for (;;) {
    if (cts_.get_token().is_canceled()) return false;
    if (takeLine(line)) return true;
    if (finished_) return false;
    if (!readMore()) {
      finished_ = true;
      if (cts_.get_token().is_canceled()) return false;
      // The body ended: cleanly, or because the connection broke or timed out.
      auto done = response_.content_ready();
      if (done.is_done()) done.get();  // rethrows the transport error, if any
      // A last line without its newline still counts, as read_line returns it.
      if (begin_ == pending_.size()) return false;
      line.assign(pending_, begin_);
      begin_ = scanned_ = pending_.size();
      return true;
    }
  }
}

void CpprestLineSource::cancel() {
  cts_.cancel();
}

bool CpprestLineSource::takeLine(std::string& line) {
  const auto end = pending_.find('\n', scanned_);
  if (end == std::string::npos) {
    scanned_ = pending_.size();
    return false;
  }
  const std::size_t lineEnd = end > begin_ && pending_[end - 1] == '\r' ? end - 1 : end;
  line.assign(pending_, begin_, lineEnd - begin_);
  begin_ = scanned_ = end + 1;
  return true;
}

namespace {
// What one read takes from what the client has received. The client reads a watch as fast as
// the server sends it, so a reader that falls behind (10 000 status writes coming back at
// start-up) finds megabytes waiting: taken whole, they were copied, and the buffer kept that
// size for the life of the watch.
constexpr std::size_t kMaxRead = 64 * 1024;
}  // namespace

bool CpprestLineSource::readMore() {
  // One byte waits for data (the client does not sync its buffer, so a larger read could wait
  // for bytes a watch has not sent yet); the rest of what arrived is taken in one read.
  const auto first = body_.bumpc().get();
  if (first == concurrency::streams::streambuf<uint8_t>::traits::eof()) return false;
  // Lines already handed out are dropped before the buffer grows; a buffer grown by one long
  // line is given back once that line is out.
  pending_.erase(0, begin_);
  scanned_ -= begin_;
  begin_ = 0;
  if (pending_.capacity() > 4 * kMaxRead && pending_.size() < kMaxRead) pending_.shrink_to_fit();
  pending_.push_back(static_cast<char>(first));
  const std::size_t available = std::min<std::size_t>(body_.in_avail(), kMaxRead);
  if (available == 0) return true;
  const std::size_t old = pending_.size();
  pending_.resize(old + available);
  const std::size_t got =
      body_.getn(reinterpret_cast<uint8_t*>(pending_.data() + old), available).get();
  pending_.resize(old + got);
  return true;
}

}  // namespace rg::kube
