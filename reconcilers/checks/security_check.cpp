#include "reconcilers/checks/security_check.hpp"

#include "reconcilers/checks/pod_template.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kSecurityFields[] = {"runAsNonRoot", "forbidPrivileged", "forbidLatestTag",
                                           "readOnlyRootFilesystem", "includeInitContainers"};

SecurityCheck parseSecurity(SpecReader& r, const json& body, const FieldPath& path) {
  SecurityCheck out;
  SpecReader::assign(out.runAsNonRoot, r.boolean(body, path, "runAsNonRoot"));
  SpecReader::assign(out.forbidPrivileged, r.boolean(body, path, "forbidPrivileged"));
  SpecReader::assign(out.forbidLatestTag, r.boolean(body, path, "forbidLatestTag"));
  SpecReader::assign(out.readOnlyRootFilesystem, r.boolean(body, path, "readOnlyRootFilesystem"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {
namespace {

using nlohmann::json;

// "algorithm:hex" after '@'; anything else does not pin the image.
bool isDigest(std::string_view digest) {
  auto colon = digest.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < digest.size();
}

// What is wrong with an image reference under forbidLatestTag, or empty when nothing is.
// A tag is a ':' after the last '/', so a registry port ("host:5000/app") is not a tag.
std::string latestTagProblem(const std::string& image) {
  auto at = image.find('@');
  if (at != std::string::npos && isDigest(std::string_view(image).substr(at + 1))) return {};
  auto name = std::string_view(image).substr(0, at);
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  std::string_view tag;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    tag = name.substr(colon + 1);
  if (tag.empty()) return "image " + image + " has no tag or digest (resolves to latest)";
  if (tag == "latest") return "image " + image + " uses the latest tag";
  return {};
}

// A boolean field as -1 (absent or not a boolean), 0 (false) or 1 (true).
int flag(const json* context, std::string_view key) {
  if (!context) return -1;
  auto value = boolAt(*context, key);
  return value ? static_cast<int>(*value) : -1;
}

// Empty when the container cannot run as root; otherwise why it may.
std::string rootProblem(const json* podContext, const json* context) {
  const json* userSource = context && intAt(*context, "runAsUser") ? context : podContext;
  const bool hasUser = userSource && intAt(*userSource, "runAsUser");
  const int64_t user = hasUser ? intAt(*userSource, "runAsUser").value_or(0) : 0;
  const int containerNonRoot = flag(context, "runAsNonRoot");
  const int podNonRoot = flag(podContext, "runAsNonRoot");

  if (hasUser && user == 0) return "runs as root (runAsUser 0)";
  if (containerNonRoot == 1) return {};
  if (podNonRoot == 1 && containerNonRoot != 0) return {};
  if (hasUser) return {};
  if (containerNonRoot == 0) return "runAsNonRoot is false and no non-zero runAsUser is set";
  return "may run as root: runAsNonRoot not set and no non-zero runAsUser";
}

std::string passMessage(const SecurityCheck& spec, size_t containers) {
  std::vector<std::string> parts;
  if (spec.runAsNonRoot) parts.push_back("run as non-root");
  if (spec.forbidPrivileged) parts.push_back("not privileged");
  if (spec.forbidLatestTag) parts.push_back("images pinned to a tag or digest");
  if (spec.readOnlyRootFilesystem) parts.push_back("read-only root filesystem");
  if (parts.empty()) return "no security rules";
  return countOf(containers, "container") + ": " + join(parts, ", ");
}

}  // namespace

CheckResult checkSecurity(const SecurityCheck& spec, const Workload& workload) {
  auto containers = templateContainers(workload.deployment, spec.includeInitContainers);
  if (!hasRegularContainers(containers)) return noContainersResult();
  const json* pod = podSpec(workload.deployment);
  const json* podContext = pod ? objectAt(*pod, "securityContext") : nullptr;

  std::vector<std::string> findings;
  size_t compliant = 0;
  for (const auto& container : containers) {
    const auto label = container.label();
    const json* context = objectAt(*container.spec, "securityContext");
    auto before = findings.size();
    if (spec.runAsNonRoot) {
      auto problem = rootProblem(podContext, context);
      if (!problem.empty()) findings.push_back(label + ": " + problem);
    }
    if (spec.forbidPrivileged && context && isTrue(*context, "privileged"))
      findings.push_back(label + ": privileged");
    if (spec.forbidLatestTag) {
      auto image = stringAt(*container.spec, "image");
      auto problem = image && !image->empty() ? latestTagProblem(*image) : "no image";
      if (!problem.empty()) findings.push_back(label + ": " + problem);
    }
    if (spec.readOnlyRootFilesystem && !(context && isTrue(*context, "readOnlyRootFilesystem")))
      findings.push_back(label + ": root filesystem is writable (readOnlyRootFilesystem not true)");
    if (findings.size() == before) ++compliant;
  }

  auto value = ratio(compliant, containers.size());
  if (!findings.empty()) return CheckResult::failed(join(findings), value);
  return CheckResult::passed(passMessage(spec, containers.size()), value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<SecurityCheck> kSecurityKind{
    .info = {.name = "security", .fields = kSecurityFields},
    .parse = parseSecurity,
    .evaluate = checks::checkSecurity,
};

}  // namespace rg
