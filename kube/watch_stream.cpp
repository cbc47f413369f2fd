#include "kube/watch_stream.hpp"

#include <utility>

namespace rg::kube {

WatchStream::WatchStream(std::unique_ptr<LineSource> source) : source_(std::move(source)) {}

WatchStream::~WatchStream() {
  close();
}

std::optional<WatchEvent> WatchStream::next() {
  std::string line;
  while (!ended_ && !closed_.load()) {
    bool more = false;
    try {
      more = source_->readLine(line);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      // A read that failed because we cancelled it is not an error.
      if (!closed_.load()) error_ = e.what();
      more = false;
    }
    if (!more || closed_.load()) break;
    if (line.empty() || line == "\r") continue;  // keep-alive blank lines
    auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
      std::lock_guard lock(mutex_);
      error_ = "undecodable watch event: " + line.substr(0, 200);
      break;
    }
    WatchEvent event;
    event.type = doc["type"].get<std::string>();
    if (doc.contains("object")) event.object = std::move(doc["object"]);
    if (!event.isError() && event.object.is_object()) {
      auto meta = event.object.find("metadata");
      if (meta != event.object.end() && meta->is_object()) {
        auto rv = meta->find("resourceVersion");
        if (rv != meta->end() && rv->is_string()) lastResourceVersion_ = rv->get<std::string>();
      }
    }
    return event;
  }
  ended_ = true;
  return std::nullopt;
}

void WatchStream::close() {
  if (closed_.exchange(true)) return;
  if (source_) source_->cancel();
}

std::string WatchStream::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace rg::kube
