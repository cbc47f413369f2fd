#include "reconcilers/offline/yaml_documents.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rg::offline {
namespace {

using nlohmann::json;

TEST(YamlDocuments, SplitsMultipleDocumentsWithComments) {
  auto docs = parseDocuments(
      "# leading comment\n"
      "---\n"
      "kind: A   # trailing comment\n"
      "---\n"
      "# only a comment here\n"
      "---\n"
      "kind: B\n"
      "...\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ((*docs[0].object)["kind"], "A");
  EXPECT_EQ(docs[0].firstLine, 3);
  EXPECT_EQ((*docs[1].object)["kind"], "B");
  EXPECT_EQ(docs[1].index, 1);
}

TEST(YamlDocuments, MalformedDocumentDoesNotHideTheOthers) {
  auto docs = parseDocuments("kind: A\n---\nkind: [unclosed\n---\nkind: C\n");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(docs[0].object);
  EXPECT_FALSE(docs[1].object);
  EXPECT_THAT(docs[1].error, ::testing::StartsWith("line "));
  EXPECT_EQ((*docs[2].object)["kind"], "C");
}

TEST(YamlDocuments, ErrorLineIsCountedInTheWholeFile) {
  auto docs = parseDocuments("a: 1\n---\nb: 2\nc: [1\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_THAT(docs[1].error, ::testing::HasSubstr("line "));
  int line = std::stoi(docs[1].error.substr(5));
  EXPECT_GE(line, 3);
  EXPECT_LE(line, 5);
}

TEST(YamlDocuments, AnchorsAliasesAndMergeKeys) {
  auto doc = yamlToJson(
      "defaults: &defaults {cpu: 500m, memory: 1Gi}\n"
      "copy: *defaults\n"
      "merged:\n"
      "  <<: *defaults\n"
      "  memory: 2Gi\n"
      "multi:\n"
      "  <<: [{a: 1}, {a: 2, b: 2}]\n");
  EXPECT_EQ(doc["copy"], (json{{"cpu", "500m"}, {"memory", "1Gi"}}));
  EXPECT_EQ(doc["merged"], (json{{"cpu", "500m"}, {"memory", "2Gi"}})) << "explicit keys win";
  EXPECT_EQ(doc["multi"], (json{{"a", 1}, {"b", 2}})) << "earlier merge sources win";
}

TEST(YamlDocuments, Yaml11ScalarsAsKubernetesReadsThem) {
  auto doc = yamlToJson(
      "a: yes\nb: off\nc: y\nd: \"yes\"\ne: 8080\nf: 0.10\ng: ~\nh: null\ni: 1e3\nj: 01\n"
      "k: '42'\nl: !!str 42\nm: 0x1F\nn: -7\no: 1_000\np: hello world\nq:\n");
  EXPECT_EQ(doc["a"], true);
  EXPECT_EQ(doc["b"], false);
  EXPECT_EQ(doc["c"], true);
  EXPECT_EQ(doc["d"], "yes");
  EXPECT_EQ(doc["e"], 8080);
  EXPECT_DOUBLE_EQ(doc["f"].get<double>(), 0.10);
  EXPECT_TRUE(doc["g"].is_null());
  EXPECT_TRUE(doc["h"].is_null());
  EXPECT_DOUBLE_EQ(doc["i"].get<double>(), 1000.0);
  EXPECT_EQ(doc["k"], "42");
  EXPECT_EQ(doc["l"], "42");
  EXPECT_EQ(doc["m"], 31);
  EXPECT_EQ(doc["n"], -7);
  EXPECT_EQ(doc["o"], 1000);
  EXPECT_EQ(doc["p"], "hello world");
  EXPECT_TRUE(doc["q"].is_null());
}

TEST(YamlDocuments, BlockScalarsKeepNewlines) {
  auto doc = yamlToJson("query: |\n  sum(rate(x[1m]))\n  / sum(rate(y[1m]))\n");
  EXPECT_EQ(doc["query"], "sum(rate(x[1m]))\n/ sum(rate(y[1m]))\n");
}

TEST(YamlDocuments, JsonIsYaml) {
  auto docs =
      parseDocuments(R"({"kind": "Secret", "data": {"a": "YQ=="}, "list": [1, 2.5, true]})");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ((*docs[0].object)["list"], (json{1, 2.5, true}));
}

TEST(YamlDocuments, TextAfterTheSeparatorBelongsToTheDocument) {
  auto docs = parseDocuments("--- {kind: A}\n--- {kind: B}\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ((*docs[1].object)["kind"], "B");
}

TEST(YamlDocuments, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '[');
  auto docs = parseDocuments("a: " + deep + "\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_FALSE(docs[0].object);
  EXPECT_FALSE(docs[0].error.empty());
}

TEST(YamlDocuments, NonScalarKeysAreAnError) {
  auto docs = parseDocuments("? [a, b]\n: 1\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].error, "mapping keys must be scalars");
}

}  // namespace
}  // namespace rg::offline
