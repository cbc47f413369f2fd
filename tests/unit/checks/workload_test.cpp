#include <gtest/gtest.h>

#include "reconcilers/checks/workload.hpp"

#include "reconcilers/actions/rollback.hpp"

namespace rg {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

TEST(KeyCatalog, RecordsKeysOfDataStringDataAndBinaryData) {
  KeyCatalog catalog;
  catalog.add(R"({"kind": "Secret", "metadata": {"name": "checkout-db"},
                  "data": {"DATABASE_URL": "cG9zdGdyZXM="},
                  "stringData": {"REDIS_URL": "redis://cache:6379"},
                  "binaryData": {"cert.der": "AAEC"}})"_json);
  const ObjectKeys* keys = catalog.find("checkout-db");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->name, "checkout-db");
  EXPECT_EQ(keys->keys, (std::set<std::string>{"DATABASE_URL", "REDIS_URL", "cert.der"}));
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(KeyCatalog, UnknownNameIsNotFound) {
  KeyCatalog catalog;
  catalog.add(R"({"metadata": {"name": "a"}, "data": {"K": "dg=="}})"_json);
  EXPECT_EQ(catalog.find("b"), nullptr);
  EXPECT_EQ(catalog.find(""), nullptr);
}

TEST(KeyCatalog, IgnoresObjectsWithoutAUsableName) {
  KeyCatalog catalog;
  catalog.add(R"({"data": {"K": "dg=="}})"_json);
  catalog.add(R"({"metadata": {}, "data": {"K": "dg=="}})"_json);
  catalog.add(R"({"metadata": {"name": 7}, "data": {"K": "dg=="}})"_json);
  catalog.add(R"({"metadata": {"name": ""}, "data": {"K": "dg=="}})"_json);
  catalog.add(R"({"metadata": "x"})"_json);
  catalog.add(json::array());
  catalog.add(json());
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(KeyCatalog, WrongTypedSectionsAreTreatedAsEmpty) {
  KeyCatalog catalog;
  catalog.add(R"({"metadata": {"name": "s"}, "data": ["A"], "stringData": "B",
                  "binaryData": {"C": "AA=="}})"_json);
  const ObjectKeys* keys = catalog.find("s");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->keys, (std::set<std::string>{"C"}));
}

TEST(KeyCatalog, ObjectWithNoDataIsStillKnown) {
  KeyCatalog catalog;
  catalog.add(R"({"metadata": {"name": "empty"}})"_json);
  const ObjectKeys* keys = catalog.find("empty");
  ASSERT_NE(keys, nullptr);
  EXPECT_TRUE(keys->keys.empty());
}

TEST(KeyCatalog, LaterObjectReplacesEarlierOne) {
  KeyCatalog catalog;
  catalog.add(R"({"metadata": {"name": "s"}, "data": {"OLD": "dg=="}})"_json);
  catalog.add(R"({"metadata": {"name": "s"}, "data": {"NEW": "dg=="}})"_json);
  ASSERT_NE(catalog.find("s"), nullptr);
  EXPECT_EQ(catalog.find("s")->keys, (std::set<std::string>{"NEW"}));
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(KeyCatalog, AddsObjectKeysDirectly) {
  KeyCatalog catalog;
  catalog.add(ObjectKeys{"app-config", {"LOG_LEVEL"}});
  ASSERT_NE(catalog.find("app-config"), nullptr);
  EXPECT_EQ(catalog.find("app-config")->keys.count("LOG_LEVEL"), 1u);
}

TEST(KeyCatalog, WithALookupReadsOnlyTheNamedObjectsOnceEach) {
  std::vector<std::string> asked;
  KeyCatalog catalog([&asked](const std::string& name) -> std::shared_ptr<const nlohmann::json> {
    asked.push_back(name);
    if (name != "db") return nullptr;
    return std::make_shared<const nlohmann::json>(
        R"({"metadata": {"name": "db"}, "data": {"password": ""}})"_json);
  });
  EXPECT_EQ(catalog.size(), 0u);
  ASSERT_NE(catalog.find("db"), nullptr);
  EXPECT_EQ(catalog.find("db")->keys, (std::set<std::string>{"password"}));
  EXPECT_EQ(catalog.find("missing"), nullptr);
  EXPECT_EQ(catalog.find(""), nullptr);
  EXPECT_EQ(asked, (std::vector<std::string>{"db", "missing"}));
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(KeyCatalog, ALookupAnswerThatIsNoObjectIsNotFound) {
  KeyCatalog catalog([](const std::string&) {
    return std::make_shared<const nlohmann::json>(nlohmann::json::array());
  });
  EXPECT_EQ(catalog.find("s"), nullptr);
}

// The template is parsed once per Workload; a Deployment changed after that read (tests
// edit() theirs) is parsed again, also when the change is to the same private copy.
TEST(Workload, TheDeploymentWithItsTemplateFollowsEveryEdit) {
  auto deploymentWith = [](const std::string& image) {
    json deployment = {
        {"metadata", {{"name", "web"}}},
        {"spec",
         {{"template",
           {{"spec", {{"containers", json::array({{{"name", "app"}, {"image", image}}})}}}}}}}};
    actions::compactTemplate(deployment);
    return deployment;
  };
  auto imageOf = [](const Workload& workload) {
    return workload.deploymentWithTemplate()["spec"]["template"]["spec"]["containers"][0].value(
        "image", "");
  };
  Workload workload;
  workload.deployment = deploymentWith("app:1");
  EXPECT_FALSE(workload.templateRead());
  EXPECT_EQ(imageOf(workload), "app:1");
  EXPECT_TRUE(workload.templateRead());
  workload.deployment.edit() = deploymentWith("app:2");
  EXPECT_EQ(imageOf(workload), "app:2");
  workload.deployment.edit() = deploymentWith("app:3");  // the same private copy, changed again
  EXPECT_EQ(imageOf(workload), "app:3");
  const json* once = &workload.deploymentWithTemplate();
  EXPECT_EQ(&workload.deploymentWithTemplate(), once);  // read again without a change: kept
}

}  // namespace
}  // namespace rg
