#pragma once
// Pieces shared by the install, leader-election and fault tests on the real control plane:
// workloads and gates, the operator's ServiceAccount token as a kubeconfig, the operator's
// Deployment patches from the audit log, and what the operator's log says was refused.
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_config.hpp"
#include "tests/control_plane/control_plane.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/support/kubeconfig.hpp"

namespace rg::controlplane::ops {

using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kGoodImage = "shop/web:1.0";
inline constexpr const char* kLatestImage = "shop/web:latest";  // the security check refuses it

// A Namespace whose default ServiceAccount exists (pods are refused before it does).
inline void createNamespace(ControlPlane& cp, const std::string& name) {
  cp.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  if (!rg::e2e::eventually([&] { return cp.get("v1", "ServiceAccount", name, "default"); }, 30s,
                           50ms))
    throw std::runtime_error("no default ServiceAccount in namespace " + name);
}

// A Deployment the security check accepts with kGoodImage and refuses with kLatestImage.
inline json deploymentManifest(const std::string& ns, const std::string& name,
                               const std::string& image) {
  json container = {
      {"name", "app"}, {"image", image}, {"securityContext", {{"runAsNonRoot", true}}}};
  json podTemplate = {{"metadata", {{"labels", {{"app", name}}}}},
                      {"spec", {{"containers", json::array({container})}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template", podTemplate}}}};
}

inline json gateManifest(const std::string& ns, const std::string& name,
                         const std::string& onFailure) {
  return {{"apiVersion", "gates.readiness.dev/v1alpha1"},
          {"kind", "ReadinessGate"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"targetRef", {{"kind", "Deployment"}, {"name", name}}},
            {"interval", "1s"},
            {"onFailure", onFailure},
            {"checks", json::array({{{"name", "security"}, {"security", json::object()}}})}}}};
}

inline void setImage(ControlPlane& cp, const std::string& ns, const std::string& name,
                     const std::string& image) {
  const json patch = json::array(
      {{{"op", "replace"}, {"path", "/spec/template/spec/containers/0/image"}, {"value", image}}});
  // After a kube-apiserver restart the client's kept-alive connection is dead, and a PATCH is
  // not retried by the client (not idempotent in general); this one is (a replace), so retry.
  for (int attempt = 0;; ++attempt) {
    try {
      cp.adminClient().patch(resourceForKind("apps/v1", "Deployment"), ns, name,
                             rg::kube::PatchType::Json, patch);
      return;
    } catch (const rg::kube::TransportError&) {
      if (attempt >= 5) throw;
      std::this_thread::sleep_for(200ms);
    }
  }
}

inline std::string gatePhase(const json& gate) {
  return gate.value("/status/phase"_json_pointer, std::string());
}

inline bool securityPassed(const json& gate) {
  if (gatePhase(gate) != "Passing") return false;
  for (const auto& c : gate.value("/status/checks"_json_pointer, json::array()))
    if (c.value("name", "") == "security") return c.value("result", "") == "Passed";
  return false;
}

// The token of `serviceAccount` from the Secret 1.20's token controller creates for it.
inline std::string serviceAccountToken(ControlPlane& cp, const std::string& ns,
                                       const std::string& serviceAccount) {
  std::string token;
  rg::e2e::eventually(
      [&] {
        auto sa = cp.get("v1", "ServiceAccount", ns, serviceAccount);
        if (!sa) return false;
        for (const auto& ref : sa->value("secrets", json::array())) {
          auto secret = cp.get("v1", "Secret", ns, ref.value("name", ""));
          if (!secret) continue;
          auto decoded =
              rg::kube::base64Decode(secret->value("/data/token"_json_pointer, std::string()));
          if (decoded && !decoded->empty()) {
            token = *decoded;
            return true;
          }
        }
        return false;
      },
      60s, 100ms);
  if (token.empty())
    throw std::runtime_error("no token Secret for ServiceAccount " + ns + "/" + serviceAccount);
  return token;
}

// A kubeconfig with the server's CA and `token`, as a pod of the chart would have it.
inline std::string tokenKubeconfig(ControlPlane& cp, const std::string& token,
                                   const std::string& path) {
  rg::testing::writeKubeconfig(path, {cp.server(), cp.caPem(), token, "", "", "default", "sa"});
  return path;
}

// The operator container's args of an installed Deployment, less the two listen addresses
// (the pod's network there; a loopback port here).
inline std::vector<std::string> installedOperatorArgs(ControlPlane& cp, const std::string& ns,
                                                      const std::string& name) {
  auto d = cp.get("apps/v1", "Deployment", ns, name);
  if (!d) throw std::runtime_error("no Deployment " + ns + "/" + name + " installed");
  std::vector<std::string> args;
  for (const auto& arg :
       d->value("/spec/template/spec/containers/0/args"_json_pointer, json::array())) {
    const std::string a = arg.get<std::string>();
    if (a.rfind("--metrics-bind-address", 0) == 0 || a.rfind("--health-probe-bind-address", 0) == 0)
      continue;
    args.push_back(a);
  }
  return args;
}

// Successful PATCHes of Deployment `name` by `user`; jsonPatchOnly: rollbacks (a JSON patch's
// body is an array).
inline size_t deploymentPatchesBy(ControlPlane& cp, const std::string& user, const std::string& ns,
                                  const std::string& name, bool jsonPatchOnly = false) {
  size_t n = 0;
  for (const auto& e : cp.auditEvents()) {
    if (e.user != user || e.verb != "patch" || e.resource != "deployments" ||
        !e.subresource.empty() || e.ns != ns || e.name != name || e.code < 200 || e.code > 299)
      continue;
    if (jsonPatchOnly && !e.requestObject.is_array()) continue;
    ++n;
  }
  return n;
}

// The messages of the operator's JSON log lines (every operator-<n>.log in `dir`) at `level`
// that contain `part`.
inline std::vector<std::string> operatorLogLines(const std::string& logPath,
                                                 const std::string& level,
                                                 const std::string& part) {
  std::vector<std::string> out;
  std::ifstream in(logPath);
  for (std::string line; std::getline(in, line);) {
    const json record = json::parse(line, nullptr, false);
    if (!record.is_object() || record.value("level", "") != level) continue;
    const std::string msg = record.value("msg", "");
    if (msg.find(part) != std::string::npos) out.push_back(msg);
  }
  return out;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace rg::controlplane::ops
