// Watch streams: newline-delimited events decoded by kube::WatchStream. The first byte picks how
// the body ends (cleanly, broken connection, or closed by the reader after the first event); the
// rest are the lines. The events and the error are compared with a plain reading of the lines.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "fuzz/fuzz_targets.hpp"
#include "kube/watch_stream.hpp"

namespace rg::fuzz {
namespace {

enum class Ending { Clean, Broken, ClosedByReader };

class TextLines final : public kube::LineSource {
 public:
  TextLines(std::string_view text, bool broken) : rest_(text), broken_(broken) {}
  bool readLine(std::string& line) override {
    if (cancelled_) return false;
    if (rest_.empty()) {
      if (broken_) throw std::runtime_error("connection reset");
      return false;
    }
    auto end = rest_.find('\n');
    line = std::string(rest_.substr(0, end));
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + 1);
    return true;
  }
  void cancel() override { cancelled_ = true; }

 private:
  std::string_view rest_;
  bool broken_;
  bool cancelled_ = false;
};

// The event types a watch body holds, up to the first undecodable line.
std::vector<std::string> expectedTypes(std::string_view text, bool& undecodable) {
  std::vector<std::string> types;
  undecodable = false;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line == "\r") continue;
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
      undecodable = true;
      break;
    }
    types.push_back(doc["type"].get<std::string>());
  }
  return types;
}

}  // namespace

void watchStream(std::string_view data) {
  if (data.empty()) return;
  auto ending = static_cast<Ending>(static_cast<unsigned char>(data[0]) % 3);
  std::string_view body = data.substr(1);
  kube::WatchStream stream(std::make_unique<TextLines>(body, ending == Ending::Broken));
  std::vector<std::string> types;
  while (auto event = stream.next()) {
    types.push_back(event->type);
    if (ending == Ending::ClosedByReader) stream.close();
  }
  if (stream.next()) violated("watch_stream", "an event after the end of the stream");

  bool undecodable = false;
  std::vector<std::string> expected = expectedTypes(body, undecodable);
  if (ending == Ending::ClosedByReader) {
    if (expected.size() > 1) expected.resize(1);
    if (!expected.empty()) undecodable = false;  // closed before reading further
  }
  if (types != expected) violated("watch_stream", "events differ from the lines");
  bool wantError = undecodable || (ending == Ending::Broken);
  if (ending == Ending::ClosedByReader && !expected.empty()) wantError = false;
  if (stream.error().empty() == wantError) {
    violated("watch_stream", "error() is \"" + stream.error() + "\", expected " +
                                 (wantError ? "an error" : "none"));
  }
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::watchStream)
