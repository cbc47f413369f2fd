#pragma once
// Validation rules that several check kinds' parsers share.
#include <string>

#include "operator/kube/duration.hpp"
#include "reconcilers/spec_reader.hpp"

namespace rg {

// Records an error at `path` unless `url` is an http:// or https:// URL once its `{{...}}`
// variables are expanded.
void requireHttpUrl(SpecReader& reader, const std::string& url, const FieldPath& path);

// False (and an error naming the field) when `text` uses an unknown variable or leaves a `{{`
// open.
bool variablesValid(SpecReader& reader, const std::string& text, const FieldPath& path);

// Records an error at `path` unless `duration` is above zero.
void requirePositive(SpecReader& reader, const kube::Duration& duration, const FieldPath& path);

}  // namespace rg
