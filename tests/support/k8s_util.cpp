#include "tests/support/k8s_util.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <random>

namespace rg::testing {

std::string formatRfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::string nowRfc3339() {
  return formatRfc3339(std::chrono::system_clock::now());
}

std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  auto tp = std::chrono::system_clock::from_time_t(timegm(&tm));
  // Offset suffix "+hh:mm" / "-hh:mm" (after optional fractional seconds).
  auto pos = s.find_first_of("+-Z", 19);
  if (pos != std::string::npos && s[pos] != 'Z') {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) == 2) {
      auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
      tp = s[pos] == '+' ? tp - offset : tp + offset;
    }
  }
  return tp;
}

std::string humanDuration(std::chrono::seconds d) {
  const long long seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const long long minutes = seconds / 60;
  if (minutes < 10) {
    const long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m"
                  : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const long long hours = minutes / 60;
  if (hours < 8) {
    const long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h"
                  : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d"
                  : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const long long dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string newUid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<unsigned char, 16> b{};
  for (size_t i = 0; i < b.size(); i += 8) {
    const uint64_t v = rng();
    for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<unsigned char>(v >> (j * 8));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::array<char, 37> out{};
  std::snprintf(out.data(), out.size(),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out.data();
}

namespace {
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < data.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const auto pos = kB64.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

namespace {

// Splits "a.b[0].c" into steps; a step is either a key or a bracket expression.
struct Step {
  enum Kind { Key, Index, All, Filter } kind = Key;
  std::string key;
  size_t index = 0;
  std::string filterField;  // for [?(@.field=="value")]
  std::string filterValue;
};

std::optional<std::vector<Step>> parsePath(std::string_view path) {
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t j = i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j > i) steps.push_back(Step{Step::Key, std::string(path.substr(i, j - i)), 0, {}, {}});
      i = j;
    } else if (path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inner = path.substr(i + 1, close - i - 1);
      Step step;
      if (inner == "*") {
        step.kind = Step::All;
      } else if (inner.starts_with("?(@.") && inner.ends_with(")")) {
        std::string_view expr = inner.substr(4, inner.size() - 5);
        const auto eq = expr.find("==");
        if (eq == std::string_view::npos) return std::nullopt;
        step.kind = Step::Filter;
        step.filterField = std::string(expr.substr(0, eq));
        std::string_view value = expr.substr(eq + 2);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
          value = value.substr(1, value.size() - 2);
        }
        step.filterValue = std::string(value);
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"')) {
        step.kind = Step::Key;
        step.key = std::string(inner.substr(1, inner.size() - 2));
      } else {
        step.kind = Step::Index;
        try {
          step.index = std::stoul(std::string(inner));
        } catch (...) {
          return std::nullopt;
        }
      }
      steps.push_back(std::move(step));
      i = close + 1;
    } else {
      // Leading key without a dot ("spec.x").
      size_t j = i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      steps.push_back(Step{Step::Key, std::string(path.substr(i, j - i)), 0, {}, {}});
      i = j;
    }
  }
  return steps;
}

const nlohmann::json* walk(const nlohmann::json& node, const std::vector<Step>& steps, size_t at) {
  if (at == steps.size()) return &node;
  const Step& step = steps[at];
  switch (step.kind) {
    case Step::Key: {
      if (!node.is_object()) return nullptr;
      auto it = node.find(step.key);
      return it == node.end() ? nullptr : walk(*it, steps, at + 1);
    }
    case Step::Index:
      if (!node.is_array() || step.index >= node.size()) return nullptr;
      return walk(node[step.index], steps, at + 1);
    case Step::All:
    case Step::Filter:
      if (!node.is_array()) return nullptr;
      for (const auto& item : node) {
        if (step.kind == Step::Filter) {
          const auto* field = dottedField(item, step.filterField);
          if (field == nullptr || scalarText(*field) != step.filterValue) continue;
        }
        if (const auto* found = walk(item, steps, at + 1)) return found;
      }
      return nullptr;
  }
  return nullptr;
}

}  // namespace

const nlohmann::json* jsonPathFirst(const nlohmann::json& root, std::string_view path) {
  const auto steps = parsePath(path);
  if (!steps) return nullptr;
  return walk(root, *steps, 0);
}

const nlohmann::json* dottedField(const nlohmann::json& root, std::string_view path) {
  const nlohmann::json* node = &root;
  size_t i = 0;
  while (i <= path.size()) {
    const auto dot = path.find('.', i);
    const std::string key(path.substr(i, dot == std::string_view::npos ? path.npos : dot - i));
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return node;
}

std::string scalarText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const nlohmann::json* findCondition(const nlohmann::json& conditions, const std::string& type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& c : conditions)
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

}  // namespace rg::testing
