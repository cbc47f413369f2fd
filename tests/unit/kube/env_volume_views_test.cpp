#include "kube/env_volume_views.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rg::kube {
namespace {

using nlohmann::json;

TEST(EnvVarView, LiteralAndValueFrom) {
  const json literal = R"({"name": "NODE_ENV", "value": "production"})"_json;
  EXPECT_EQ(EnvVarView(literal).name(), "NODE_ENV");
  EXPECT_EQ(EnvVarView(literal).value(), "production");
  EXPECT_FALSE(EnvVarView(literal).hasValueFrom());
  EXPECT_EQ(EnvVarView(literal).valueFromKind(), "");

  const json fromSecret = R"({"name": "DB_PASSWORD",
    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password", "optional": true}}})"_json;
  const EnvVarView var(fromSecret);
  EXPECT_TRUE(var.hasValueFrom());
  EXPECT_EQ(var.valueFromKind(), "secretKeyRef");
  auto ref = var.keyRef(ConfigObject::Secret);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name(), "db");
  EXPECT_EQ(ref->key(), "password");
  EXPECT_TRUE(ref->optional());
  EXPECT_FALSE(var.keyRef(ConfigObject::ConfigMap));

  const json fromField = R"({"name": "POD", "valueFrom": {"fieldRef": {}}})"_json;
  EXPECT_EQ(EnvVarView(fromField).valueFromKind(), "fieldRef");
  const json fromUnknown = R"({"name": "X", "valueFrom": {"other": {}}})"_json;
  EXPECT_TRUE(EnvVarView(fromUnknown).hasValueFrom());
  EXPECT_EQ(EnvVarView(fromUnknown).valueFromKind(), "");
}

TEST(EnvVarView, WrongTypedFieldsAreAbsent) {
  const json var = R"({"name": 3, "value": false, "valueFrom": "secret"})"_json;
  EXPECT_EQ(EnvVarView(var).name(), std::nullopt);
  EXPECT_EQ(EnvVarView(var).value(), "");
  EXPECT_FALSE(EnvVarView(var).hasValueFrom());
  EXPECT_FALSE(EnvVarView(var).keyRef(ConfigObject::Secret));

  const json ref = R"({"valueFrom": {"configMapKeyRef": {"name": 1, "key": [], "optional": "yes"},
                                     "secretKeyRef": "db"}})"_json;
  const EnvVarView view(ref);
  // The kind is whatever valueFrom names first, even when that field is not an object.
  EXPECT_EQ(view.valueFromKind(), "secretKeyRef");
  EXPECT_FALSE(view.keyRef(ConfigObject::Secret));
  auto configMap = view.keyRef(ConfigObject::ConfigMap);
  ASSERT_TRUE(configMap);
  EXPECT_EQ(configMap->name(), "");
  EXPECT_EQ(configMap->key(), "");
  EXPECT_FALSE(configMap->optional());
}

TEST(EnvFromSourceView, PrefixAndReferences) {
  const json source = R"({"prefix": "APP_", "secretRef": {"name": "app-env"},
                          "configMapRef": "app-config"})"_json;
  const EnvFromSourceView view(source);
  EXPECT_EQ(view.prefix(), "APP_");
  ASSERT_TRUE(view.ref(ConfigObject::Secret));
  EXPECT_EQ(view.ref(ConfigObject::Secret)->name(), "app-env");
  EXPECT_FALSE(view.ref(ConfigObject::ConfigMap));
  EXPECT_EQ(EnvFromSourceView(R"({"prefix": 1})"_json).prefix(), "");
}

TEST(VolumeView, SecretAndConfigMapSources) {
  const json secret = R"({"name": "certs", "secret": {"secretName": "tls", "name": "other",
    "items": [{"key": "tls.crt"}, "junk", {"path": "p"}], "optional": true}})"_json;
  const VolumeView view(secret);
  EXPECT_EQ(view.name(), "certs");
  auto source = view.source(ConfigObject::Secret);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->name(), "tls");  // a secret volume names its Secret by secretName
  EXPECT_EQ(source->itemKeys(), (std::vector<std::string>{"tls.crt", ""}));
  EXPECT_TRUE(source->optional());
  EXPECT_FALSE(view.source(ConfigObject::ConfigMap));

  const json configMap = R"({"configMap": {"name": "cfg", "items": "all"}})"_json;
  EXPECT_EQ(VolumeView(configMap).name(), std::nullopt);
  ASSERT_TRUE(VolumeView(configMap).source(ConfigObject::ConfigMap));
  EXPECT_EQ(VolumeView(configMap).source(ConfigObject::ConfigMap)->name(), "cfg");
  EXPECT_TRUE(VolumeView(configMap).source(ConfigObject::ConfigMap)->itemKeys().empty());
}

TEST(VolumeView, ProjectedSourcesInOrder) {
  const json volume = R"({"name": "all", "projected": {"sources": [
    {"secret": {"name": "a", "items": [{"key": "k"}]}}, {"configMap": {"name": "b"}},
    {"serviceAccountToken": {}}, "junk", {"secret": "c"}, {"secret": {"name": "d"}}]}})"_json;
  auto secrets = VolumeView(volume).projectedSources(ConfigObject::Secret);
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0].name(), "a");
  EXPECT_EQ(secrets[0].itemKeys(), std::vector<std::string>{"k"});
  EXPECT_EQ(secrets[1].name(), "d");
  auto configMaps = VolumeView(volume).projectedSources(ConfigObject::ConfigMap);
  ASSERT_EQ(configMaps.size(), 1u);
  EXPECT_EQ(configMaps[0].name(), "b");

  for (const json& projected : {json("x"), R"({"sources": {}})"_json, json::array()}) {
    const json broken = {{"projected", projected}};
    EXPECT_TRUE(VolumeView(broken).projectedSources(ConfigObject::Secret).empty()) << projected;
  }
}

}  // namespace
}  // namespace rg::kube
