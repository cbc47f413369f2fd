#pragma once
// Validation rules that several check kinds' parsers share.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/duration.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {

// Records an error at `path` unless `url` is an http:// or https:// URL once its `{{...}}`
// variables are expanded.
void requireHttpUrl(SpecReader& reader, const std::string& url, const FieldPath& path);

// False (and an error naming the field) when `text` uses an unknown variable or leaves a `{{`
// open.
bool variablesValid(SpecReader& reader, const std::string& text, const FieldPath& path);

// The duration at `parent.key` when present; records an error naming the field unless it is
// above zero.
std::optional<kube::Duration> positiveDuration(SpecReader& reader, const nlohmann::json& parent,
                                               const FieldPath& parentPath, const std::string& key);

}  // namespace rg
