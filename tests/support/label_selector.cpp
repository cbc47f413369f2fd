#include "tests/support/label_selector.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "tests/support/api_errors.hpp"
#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool done() {
    skipSpace();
    return pos_ >= text_.size();
  }
  char peek() {
    skipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool consume(std::string_view token) {
    skipSpace();
    if (text_.substr(pos_).starts_with(token)) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  // Keys and values: label characters [A-Za-z0-9._/-].
  std::string identifier() {
    skipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '/') {
        ++pos_;
      } else {
        break;
      }
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  // A keyword ("in", "notin") must be followed by space or '('.
  bool keyword(std::string_view word) {
    skipSpace();
    if (!text_.substr(pos_).starts_with(word)) return false;
    const size_t after = pos_ + word.size();
    if (after < text_.size() &&
        !(std::isspace(static_cast<unsigned char>(text_[after])) || text_[after] == '(')) {
      return false;
    }
    pos_ = after;
    return true;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw badRequest("unable to parse requirement: " + why + " in label selector \"" +
                     std::string(text_) + "\"");
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::vector<std::string> parseValueSet(Lexer& lex) {
  if (!lex.consume("(")) lex.fail("expected '('");
  std::vector<std::string> values;
  if (lex.consume(")")) return values;
  while (true) {
    values.push_back(lex.identifier());
    if (lex.consume(")")) break;
    if (!lex.consume(",")) lex.fail("expected ',' or ')'");
  }
  return values;
}

std::string labelValue(const nlohmann::json& labels, const std::string& key, bool& present) {
  present = false;
  if (!labels.is_object()) return {};
  auto it = labels.find(key);
  if (it == labels.end()) return {};
  present = true;
  return scalarText(*it);
}

}  // namespace

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  Lexer lex(text);
  if (lex.done()) return sel;
  while (true) {
    Requirement req;
    if (lex.consume("!")) {
      req.key = lex.identifier();
      req.op = Op::DoesNotExist;
    } else {
      req.key = lex.identifier();
      if (req.key.empty()) lex.fail("expected a key");
      if (lex.consume("==") || lex.consume("=")) {
        req.op = Op::Equals;
        req.values.push_back(lex.identifier());
      } else if (lex.consume("!=")) {
        req.op = Op::NotEquals;
        req.values.push_back(lex.identifier());
      } else if (lex.consume(">")) {
        req.op = Op::Gt;
        req.values.push_back(lex.identifier());
      } else if (lex.consume("<")) {
        req.op = Op::Lt;
        req.values.push_back(lex.identifier());
      } else if (lex.keyword("notin")) {
        req.op = Op::NotIn;
        req.values = parseValueSet(lex);
      } else if (lex.keyword("in")) {
        req.op = Op::In;
        req.values = parseValueSet(lex);
      } else {
        req.op = Op::Exists;
      }
    }
    if (req.key.empty()) lex.fail("expected a key");
    sel.requirements_.push_back(std::move(req));
    if (lex.done()) break;
    if (!lex.consume(",")) lex.fail("expected ','");
  }
  return sel;
}

LabelSelector LabelSelector::fromObject(const nlohmann::json& selector) {
  LabelSelector sel;
  if (selector.is_null()) {
    sel.matchNothing_ = true;
    return sel;
  }
  if (!selector.is_object()) return sel;
  if (auto it = selector.find("matchLabels"); it != selector.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      sel.requirements_.push_back({k, Op::Equals, {scalarText(v)}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
    for (const auto& e : *it) {
      Requirement req;
      req.key = e.value("key", "");
      const std::string op = e.value("operator", "");
      if (op == "In")
        req.op = Op::In;
      else if (op == "NotIn")
        req.op = Op::NotIn;
      else if (op == "Exists")
        req.op = Op::Exists;
      else if (op == "DoesNotExist")
        req.op = Op::DoesNotExist;
      else
        throw badRequest("\"" + op + "\" is not a valid label selector operator");
      for (const auto& v : e.value("values", nlohmann::json::array())) {
        req.values.push_back(scalarText(v));
      }
      sel.requirements_.push_back(std::move(req));
    }
  }
  return sel;
}

bool LabelSelector::matches(const nlohmann::json& labels) const {
  if (matchNothing_) return false;
  for (const auto& req : requirements_) {
    bool present = false;
    const std::string value = labelValue(labels, req.key, present);
    const auto inValues = [&] {
      return std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    };
    switch (req.op) {
      case Op::Equals:
      case Op::In:
        if (!present || !inValues()) return false;
        break;
      case Op::NotEquals:
      case Op::NotIn:
        if (present && inValues()) return false;
        break;
      case Op::Exists:
        if (!present) return false;
        break;
      case Op::DoesNotExist:
        if (present) return false;
        break;
      case Op::Gt:
      case Op::Lt: {
        if (!present || req.values.empty()) return false;
        try {
          const long long have = std::stoll(value);
          const long long want = std::stoll(req.values.front());
          if (req.op == Op::Gt ? !(have > want) : !(have < want)) return false;
        } catch (...) {
          return false;
        }
        break;
      }
    }
  }
  return true;
}

FieldSelector FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  // Split on unescaped commas, then on the first unescaped operator.
  std::vector<std::string> terms;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      current += text[i];
      current += text[++i];
    } else if (text[i] == ',') {
      terms.push_back(current);
      current.clear();
    } else {
      current += text[i];
    }
  }
  if (!current.empty() || !terms.empty()) terms.push_back(current);
  auto unescape = [](std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i];
    }
    return out;
  };
  for (const auto& term : terms) {
    if (term.empty()) continue;
    Requirement req;
    size_t opPos = std::string::npos;
    size_t opLen = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.compare(i, 2, "!=") == 0) {
        opPos = i, opLen = 2, req.equals = false;
      } else if (term.compare(i, 2, "==") == 0) {
        opPos = i, opLen = 2;
      } else if (term[i] == '=') {
        opPos = i, opLen = 1;
      }
      if (opPos != std::string::npos) break;
    }
    if (opPos == std::string::npos) {
      throw badRequest("invalid selector: '" + std::string(text) + "'; can't understand '" + term +
                       "'");
    }
    auto trim = [](std::string s) {
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
      size_t b = 0;
      while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
      return s.substr(b);
    };
    req.field = trim(term.substr(0, opPos));
    req.value = unescape(trim(term.substr(opPos + opLen)));
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

bool FieldSelector::matches(const nlohmann::json& object) const {
  for (const auto& req : requirements_) {
    const auto* v = dottedField(object, req.field);
    const std::string have = v ? scalarText(*v) : "";
    if ((have == req.value) != req.equals) return false;
  }
  return true;
}

}  // namespace rg::testing
