#pragma once
// Renders the Helm chart with the real helm binary and returns the objects as JSON, for the
// install tests. Failures throw std::runtime_error carrying helm's output.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace rg::install {

inline constexpr const char* kRelease = "readiness-gate";
inline constexpr const char* kNamespace = "readiness-gate-system";
inline constexpr auto kToolTimeout = std::chrono::seconds(60);

std::string sourcePath(const std::string& relative);
std::string chartDir();
// $RG_HELM, else the binary scripts/fetch-tools.sh puts in .tools/bin.
std::string helmPath();
std::string readFile(const std::string& path);

// helm with `args`; the environment keeps helm's caches out of $HOME.
testing::ProcessResult runHelm(const std::vector<std::string>& args);

// `helm template readiness-gate <chart> -n readiness-gate-system <extra>`; throws on failure.
std::string renderText(const std::vector<std::string>& extra = {});
std::vector<nlohmann::json> render(const std::vector<std::string>& extra = {});
std::vector<nlohmann::json> parseObjects(const std::string& yaml, const std::string& what);

std::vector<nlohmann::json> ofKind(const std::vector<nlohmann::json>& objects,
                                   const std::string& kind);
// The one object of `kind` named `name` (in `ns` when given); throws if absent or repeated.
nlohmann::json theObject(const std::vector<nlohmann::json>& objects, const std::string& kind,
                         const std::string& name, const std::string& ns = "");

// A directory removed with its content when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace rg::install
