#include "tests/install/chart_render.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reconcilers/offline/yaml_documents.hpp"

namespace rg::install {

namespace fs = std::filesystem;
using nlohmann::json;

std::string sourcePath(const std::string& relative) {
  return std::string(RG_SOURCE_DIR) + "/" + relative;
}

std::string chartDir() {
  return sourcePath("charts/readiness-gate");
}

std::string helmPath() {
  if (const char* env = std::getenv("RG_HELM"); env != nullptr && *env != '\0') return env;
  return RG_DEFAULT_HELM;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

testing::ProcessResult runHelm(const std::vector<std::string>& args) {
  const std::string helm = helmPath();
  if (!fs::exists(helm))
    throw std::runtime_error("no helm at " + helm +
                             ": run scripts/fetch-tools.sh (or set RG_HELM)");
  static const TempDir home;  // helm writes its cache and config under these
  testing::ProcessOptions options;
  options.env = {{"HELM_CACHE_HOME", home.path() + "/cache"},
                 {"HELM_CONFIG_HOME", home.path() + "/config"},
                 {"HELM_DATA_HOME", home.path() + "/data"}};
  std::vector<std::string> argv{helm};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = testing::runProcess(argv, kToolTimeout, options);
  if (result.timedOut) throw std::runtime_error("helm timed out: " + result.err);
  return result;
}

std::string renderText(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"template", kRelease, chartDir(), "--namespace", kNamespace};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = runHelm(args);
  if (result.exitCode != 0)
    throw std::runtime_error("helm template failed (exit " + std::to_string(result.exitCode) +
                             "): " + result.err);
  return result.out;
}

std::vector<json> render(const std::vector<std::string>& extra) {
  return parseObjects(renderText(extra), "helm template output");
}

std::vector<json> parseObjects(const std::string& yaml, const std::string& what) {
  std::vector<json> objects;
  for (auto& doc : offline::parseDocuments(yaml)) {
    if (!doc.error.empty())
      throw std::runtime_error(what + ", document " + std::to_string(doc.index + 1) + ": " +
                               doc.error);
    if (doc.object && !doc.object->is_null()) objects.push_back(std::move(*doc.object));
  }
  return objects;
}

std::vector<json> ofKind(const std::vector<json>& objects, const std::string& kind) {
  std::vector<json> out;
  for (const auto& object : objects)
    if (object.value("kind", "") == kind) out.push_back(object);
  return out;
}

json theObject(const std::vector<json>& objects, const std::string& kind, const std::string& name,
               const std::string& ns) {
  std::vector<json> found;
  for (const auto& object : ofKind(objects, kind)) {
    const json& meta = object.at("metadata");
    if (meta.value("name", "") != name) continue;
    if (!ns.empty() && meta.value("namespace", "") != ns) continue;
    found.push_back(object);
  }
  const std::string what = kind + " " + (ns.empty() ? "" : ns + "/") + name;
  if (found.empty()) throw std::runtime_error("no " + what + " in the render");
  if (found.size() > 1)
    throw std::runtime_error(what + " rendered " + std::to_string(found.size()) + " times");
  return found.front();
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "rg-install-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file);
  return file;
}

}  // namespace rg::install
