#include "kube/pod_template_view.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kube/object_views.hpp"

namespace rg::kube {
namespace {

using nlohmann::json;

// A Deployment whose pod template spec is `podSpec`.
json deploymentWith(json podSpec) {
  return {{"spec", {{"template", {{"spec", std::move(podSpec)}}}}}};
}

std::vector<std::string> labels(const std::vector<ContainerView>& containers) {
  std::vector<std::string> out;
  for (const auto& container : containers) out.push_back(container.label());
  return out;
}

TEST(PodTemplateView, AbsentOnNonObjects) {
  for (const json& deployment :
       {json(), json::array({1}), json("text"), json(3), R"({"spec": {"template": "oops"}})"_json,
        R"({"spec": {"template": {"spec": []}}})"_json}) {
    const PodTemplateView pod = DeploymentView(deployment).podTemplateView();
    EXPECT_TRUE(pod.containers(true).empty()) << deployment;
    EXPECT_FALSE(pod.hasContainers()) << deployment;
    EXPECT_TRUE(pod.volumes().empty()) << deployment;
    EXPECT_EQ(pod.securityContext().runAsUser(), std::nullopt) << deployment;
    EXPECT_EQ(pod.podTemplateHash(), "") << deployment;
  }
  const json text = "template";
  EXPECT_FALSE(PodTemplateView(&text).hasContainers());
  EXPECT_FALSE(PodTemplateView(nullptr).hasContainers());
}

TEST(PodTemplateView, ContainersListInitFirstOnlyWhenAsked) {
  const json deployment = deploymentWith(R"({
    "initContainers": [{"name": "migrate"}],
    "containers": [{"name": "api"}, "junk", {"image": "worker:1"}]})"_json);
  const auto pod = DeploymentView(deployment).podTemplateView();
  EXPECT_EQ(labels(pod.containers(false)),
            (std::vector<std::string>{"container api", "container [2]"}));  // manifest index
  auto all = pod.containers(true);
  EXPECT_EQ(labels(all),
            (std::vector<std::string>{"init container migrate", "container api", "container [2]"}));
  EXPECT_TRUE(all[0].init());
  EXPECT_FALSE(all[1].init());
  EXPECT_TRUE(pod.hasContainers());
}

TEST(PodTemplateView, InitContainersAloneAreNotRegularContainers) {
  const json deployment = deploymentWith(R"({"initContainers": [{"name": "migrate"}]})"_json);
  const auto pod = DeploymentView(deployment).podTemplateView();
  EXPECT_EQ(pod.containers(true).size(), 1u);
  EXPECT_TRUE(pod.containers(false).empty());
  EXPECT_FALSE(pod.hasContainers());
}

TEST(PodTemplateView, WrongTypedContainerListsAreEmpty) {
  for (const json& list : {json("api"), json(3), json::object({{"name", "api"}}),
                           json::array({1, "api", nullptr, json::array()})}) {
    const json deployment = deploymentWith({{"containers", list}, {"initContainers", list}});
    const auto pod = DeploymentView(deployment).podTemplateView();
    EXPECT_TRUE(pod.containers(true).empty()) << list;
    EXPECT_FALSE(pod.hasContainers()) << list;
  }
}

TEST(PodTemplateView, TemplateHashAndLabels) {
  const json podTemplate =
      R"({"metadata": {"labels": {"pod-template-hash": "abc", "tier": 3}}})"_json;
  const PodTemplateView pod(&podTemplate);
  EXPECT_EQ(pod.podTemplateHash(), "abc");
  EXPECT_EQ(pod.label("tier"), std::nullopt);
  const json wrong = R"({"metadata": {"labels": {"pod-template-hash": 7}}})"_json;
  EXPECT_EQ(PodTemplateView(&wrong).podTemplateHash(), "");
}

TEST(PodTemplateView, SecurityContextAndVolumes) {
  const json deployment = deploymentWith(R"({
    "securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
    "containers": [{"name": "api"}],
    "volumes": [{"name": "certs"}, "junk", {"name": 3}]})"_json);
  const auto pod = DeploymentView(deployment).podTemplateView();
  EXPECT_EQ(pod.securityContext().runAsUser(), 1000);
  EXPECT_EQ(pod.securityContext().runAsNonRoot(), true);
  auto volumes = pod.volumes();
  ASSERT_EQ(volumes.size(), 2u);
  EXPECT_EQ(volumes[0].name(), "certs");
  EXPECT_EQ(volumes[1].name(), std::nullopt);

  const json broken = deploymentWith(R"({"securityContext": "root", "volumes": {}})"_json);
  const auto brokenPod = DeploymentView(broken).podTemplateView();
  EXPECT_EQ(brokenPod.securityContext().runAsNonRoot(), std::nullopt);
  EXPECT_TRUE(brokenPod.volumes().empty());
}

TEST(ContainerView, NameFallsBackToTheIndex) {
  for (const json& name : {json(), json(""), json(7), json::array({"api"})}) {
    const json container = {{"name", name}};
    EXPECT_EQ(ContainerView(container, 4, false).name(), "[4]") << name;
  }
  const json named = {{"name", "api"}};
  EXPECT_EQ(ContainerView(named, 0, false).label(), "container api");
  EXPECT_EQ(ContainerView(named, 0, true).label(), "init container api");
}

TEST(ContainerView, ReadsTheFieldsChecksUse) {
  const json container = R"({"name": "api", "image": "api:1",
    "readinessProbe": {"httpGet": {"path": "/"}}, "livenessProbe": true,
    "resources": {"requests": {"cpu": "250m", "memory": 128}, "limits": {"cpu": 1.5, "memory": []}},
    "securityContext": {"runAsUser": 0, "runAsNonRoot": false, "privileged": true,
                        "readOnlyRootFilesystem": "true"},
    "env": [{"name": "A", "value": "1"}, "junk", {"name": "B"}],
    "envFrom": [{"prefix": "P_"}, 3]})"_json;
  const ContainerView view(container, 0, false);
  EXPECT_EQ(view.image(), "api:1");
  EXPECT_NE(view.probe("readinessProbe"), nullptr);
  EXPECT_EQ(view.probe("livenessProbe"), nullptr);  // not an object
  EXPECT_EQ(view.probe("startupProbe"), nullptr);
  EXPECT_EQ(view.request("cpu"), "250m");
  EXPECT_EQ(view.request("memory"), "128");  // a bare number, as YAML writes `memory: 128`
  EXPECT_EQ(view.limit("cpu"), "1.5");
  EXPECT_EQ(view.limit("memory"), std::nullopt);
  EXPECT_EQ(view.request("ephemeral-storage"), std::nullopt);
  const auto context = view.securityContext();
  EXPECT_EQ(context.runAsUser(), 0);
  EXPECT_EQ(context.runAsNonRoot(), false);
  EXPECT_TRUE(context.privileged());
  EXPECT_FALSE(context.readOnlyRootFilesystem());  // only a JSON true counts
  ASSERT_EQ(view.env().size(), 2u);
  EXPECT_EQ(view.env()[1].name(), "B");
  ASSERT_EQ(view.envFrom().size(), 1u);
  EXPECT_EQ(view.envFrom()[0].prefix(), "P_");
}

TEST(ContainerView, WrongTypedFieldsAreAbsent) {
  const json container = R"({"image": 3, "resources": {"requests": "1", "limits": {"cpu": null}},
    "securityContext": {"runAsUser": "0", "runAsNonRoot": "true", "privileged": 1},
    "env": {"name": "A"}, "envFrom": "x"})"_json;
  const ContainerView view(container, 1, true);
  EXPECT_EQ(view.label(), "init container [1]");
  EXPECT_EQ(view.image(), "");
  EXPECT_EQ(view.request("cpu"), std::nullopt);
  EXPECT_EQ(view.limit("cpu"), std::nullopt);
  EXPECT_EQ(view.securityContext().runAsUser(), std::nullopt);
  EXPECT_EQ(view.securityContext().runAsNonRoot(), std::nullopt);
  EXPECT_FALSE(view.securityContext().privileged());
  EXPECT_TRUE(view.env().empty());
  EXPECT_TRUE(view.envFrom().empty());

  const json floatUser = R"({"securityContext": {"runAsUser": 1000.0}, "resources": 3})"_json;
  EXPECT_EQ(ContainerView(floatUser, 0, false).securityContext().runAsUser(), std::nullopt);
  EXPECT_EQ(ContainerView(floatUser, 0, false).request("cpu"), std::nullopt);
}

TEST(SecurityContextView, AbsentContextHasNothingSet) {
  const SecurityContextView none(nullptr);
  EXPECT_EQ(none.runAsUser(), std::nullopt);
  EXPECT_EQ(none.runAsNonRoot(), std::nullopt);
  EXPECT_FALSE(none.privileged());
  EXPECT_FALSE(none.readOnlyRootFilesystem());
}

}  // namespace
}  // namespace rg::kube
