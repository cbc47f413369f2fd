#include "reconcilers/checks/security_check.hpp"

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
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

// Empty when the container cannot run as root; otherwise why it may. The container's context
// overrides the pod's field by field.
std::string rootProblem(const kube::SecurityContextView& pod,
                        const kube::SecurityContextView& container) {
  const auto user = container.runAsUser() ? container.runAsUser() : pod.runAsUser();
  const auto containerNonRoot = container.runAsNonRoot();
  const auto podNonRoot = pod.runAsNonRoot();

  if (user == 0) return "runs as root (runAsUser 0)";
  if (containerNonRoot == true) return {};
  if (podNonRoot == true && containerNonRoot != false) return {};
  if (user) return {};
  if (containerNonRoot == false) return "runAsNonRoot is false and no non-zero runAsUser is set";
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
  const auto pod = kube::DeploymentView(workload.deploymentWithTemplate()).podTemplateView();
  if (!pod.hasContainers()) return noContainersResult();
  auto containers = pod.containers(spec.includeInitContainers);
  const auto podContext = pod.securityContext();

  std::vector<std::string> findings;
  size_t compliant = 0;
  for (const auto& container : containers) {
    const auto label = container.label();
    const auto context = container.securityContext();
    auto before = findings.size();
    if (spec.runAsNonRoot) {
      auto problem = rootProblem(podContext, context);
      if (!problem.empty()) findings.push_back(label + ": " + problem);
    }
    if (spec.forbidPrivileged && context.privileged()) findings.push_back(label + ": privileged");
    if (spec.forbidLatestTag) {
      const auto image = container.image();
      auto problem = image.empty() ? "no image" : latestTagProblem(image);
      if (!problem.empty()) findings.push_back(label + ": " + problem);
    }
    if (spec.readOnlyRootFilesystem && !context.readOnlyRootFilesystem())
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
