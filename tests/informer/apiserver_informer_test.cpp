// The informer through the real REST client against the in-process API server: paginated
// list, live events, selectors, bookmarks, resuming a dropped watch, relisting after 410 (as an
// HTTP answer and as an ERROR event) with the differences delivered, and stripped Secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "kube/informer.hpp"
#include "tests/informer/fake_lister_watcher.hpp"
#include "tests/informer/wire_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::ApiServer;
using rg::testing::ApiServerOptions;
using rg::testing::EventLog;
using rg::testing::eventually;
using ::testing::ElementsAre;

nlohmann::json configMap(const std::string& name, const std::string& ns = "default",
                         nlohmann::json labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", std::move(labels)}}},
          {"data", {{"k", "v"}}}};
}

std::string rvOf(const nlohmann::json& object) {
  return objectResourceVersion(object);
}

class InformerWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiServerOptions options;
    options.bookmarkInterval = 100ms;
    server_ = std::make_unique<ApiServer>(options);
  }
  void TearDown() override {
    if (informer_) informer_->stop();
    informer_.reset();
    client_.reset();
    server_.reset();
  }

  static InformerOptions wireOptions() {
    InformerOptions options;
    options.initialBackoff = 10ms;
    options.maxBackoff = 1s;
    options.backoffJitter = 0;
    options.minWatchTimeout = 30s;
    return options;
  }

  Informer& start(const ResourceRef& ref, const std::string& labelSelector = {},
                  InformerOptions options = wireOptions(), int clientRetries = 3,
                  TransformFunc transform = nullptr) {
    client_ = rg::testing::clientFor(*server_, clientRetries);
    informer_ = std::make_unique<Informer>(
        std::make_shared<RestListerWatcher>(*client_, ref, "default", labelSelector), options);
    if (transform) informer_->setTransform(std::move(transform));
    informer_->addEventHandler(log_.handlers());
    informer_->start();
    EXPECT_TRUE(informer_->waitForSync(5s));
    EXPECT_TRUE(eventually([&] { return server_->openWatchCount() == 1; }));
    return *informer_;
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<Informer> informer_;
  EventLog log_;
};

TEST_F(InformerWireTest, PaginatedListThenLiveEventsWithNoFurtherReads) {
  for (const char* name : {"a", "b", "c", "d", "e"}) server_->create(configMap(name));
  server_->create(configMap("elsewhere", "other"));
  auto options = wireOptions();
  options.pageSize = 2;
  auto& informer = start(resources::kConfigMaps, {}, options);
  EXPECT_EQ(server_->requestCount("list", "configmaps"), 3u);  // 2 + 2 + 1
  EXPECT_EQ(informer.store().size(), 5u);
  ASSERT_EQ(log_.size(), 5u);

  auto created = server_->create(configMap("f"));
  auto modified = server_->mutate("v1", "ConfigMap", "default", "a",
                                  [](nlohmann::json& o) { o["data"]["k"] = "v2"; });
  ASSERT_TRUE(server_->remove("v1", "ConfigMap", "default", "b"));
  ASSERT_TRUE(log_.waitFor(8));
  auto lines = log_.lines();
  EXPECT_EQ(lines[5], "add default/f " + rvOf(created));
  EXPECT_THAT(lines[6], ::testing::StartsWith("update default/a "));
  EXPECT_THAT(lines[6], ::testing::EndsWith("->" + rvOf(modified)));
  EXPECT_THAT(lines[7], ::testing::StartsWith("delete default/b "));
  EXPECT_EQ((*informer.store().get("default/a"))["data"]["k"], "v2");
  EXPECT_EQ(informer.store().get("default/b"), nullptr);
  // Steady state reads nothing: the cache answers.
  EXPECT_EQ(server_->requestCount("list", "configmaps"), 3u);
  EXPECT_EQ(server_->requestCount("get", "configmaps"), 0u);
}

TEST_F(InformerWireTest, LabelSelectorLimitsTheCacheAndLeavingItIsADelete) {
  server_->create(configMap("web", "default", {{"app", "web"}}));
  server_->create(configMap("db", "default", {{"app", "db"}}));
  auto& informer = start(resources::kConfigMaps, "app=web");
  EXPECT_THAT(informer.store().listKeys(), ElementsAre("default/web"));
  server_->mutate("v1", "ConfigMap", "default", "web",
                  [](nlohmann::json& o) { o["metadata"]["labels"]["app"] = "api"; });
  ASSERT_TRUE(log_.waitFor(2));
  EXPECT_THAT(log_.lines()[1], ::testing::StartsWith("delete default/web "));
  EXPECT_EQ(informer.store().size(), 0u);
}

TEST_F(InformerWireTest, BookmarksAdvanceTheResourceVersionWithoutEvents) {
  server_->create(configMap("a"));
  auto& informer = start(resources::kConfigMaps);
  // Changes elsewhere move the server's resourceVersion; only bookmarks tell the informer.
  server_->create(configMap("x", "other"));
  server_->create(configMap("y", "other"));
  const std::string target = std::to_string(server_->resourceVersion());
  EXPECT_TRUE(eventually([&] { return informer.lastResourceVersion() == target; }));
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(InformerWireTest, DroppedWatchResumesFromTheLastVersionWithoutRelisting) {
  server_->create(configMap("a"));
  start(resources::kConfigMaps);
  auto b = server_->create(configMap("b"));
  ASSERT_TRUE(log_.waitFor(2));
  const std::size_t watchesBefore = server_->requestCount("watch", "configmaps");

  server_->dropWatches();
  // Written while no watch may be open: must come through the resumed watch, once.
  auto c = server_->create(configMap("c"));
  ASSERT_TRUE(log_.waitFor(3));
  ASSERT_TRUE(eventually([&] { return server_->openWatchCount() == 1; }));
  auto d = server_->create(configMap("d"));
  ASSERT_TRUE(log_.waitFor(4));
  EXPECT_THAT(log_.lines(),
              ElementsAre(::testing::StartsWith("add default/a "), "add default/b " + rvOf(b),
                          "add default/c " + rvOf(c), "add default/d " + rvOf(d)));
  EXPECT_EQ(server_->requestCount("list", "configmaps"), 1u);
  EXPECT_GT(server_->requestCount("watch", "configmaps"), watchesBefore);
  bool resumedFromB = false;
  for (const auto& r : server_->requests()) {
    if (r.verb == "watch" && r.query.find("resourceVersion=" + rvOf(b)) != std::string::npos) {
      resumedFromB = true;
    }
  }
  EXPECT_TRUE(resumedFromB);
}

// Makes the informer miss changes: its next watch attempt fails, the changes happen, and the
// attempt after that is told its resourceVersion expired. Returns the expected differences.
std::vector<std::string> missChangesThenExpire(ApiServer& server, bool asHttpStatus) {
  server.failNext(1, 503, "GET", "watch=");
  server.dropWatches();
  auto b = server.mutate("v1", "ConfigMap", "default", "b",
                         [](nlohmann::json& o) { o["data"]["k"] = "changed"; });
  server.remove("v1", "ConfigMap", "default", "c");
  auto d = server.create(configMap("d"));
  if (asHttpStatus) {
    server.expireNextWatch(/*asHttpStatus=*/true);
  } else {
    server.compactHistory();  // resuming from before now answers an ERROR 410 event
  }
  return {"update default/b ->" + rvOf(b), "add default/d " + rvOf(d), "delete default/c"};
}

void expectDiff(EventLog& log, const std::vector<std::string>& expected) {
  ASSERT_TRUE(log.waitFor(6));
  auto lines = log.lines();
  ASSERT_EQ(lines.size(), 6u);
  // The relist reports a changed object with its old and new version, a new one, a vanished one.
  EXPECT_THAT(lines[3], ::testing::StartsWith("update default/b "));
  EXPECT_THAT(lines[3], ::testing::EndsWith(expected[0].substr(expected[0].find("->"))));
  EXPECT_EQ(lines[4], expected[1]);
  EXPECT_THAT(lines[5], ::testing::StartsWith(expected[2] + " "));
}

TEST_F(InformerWireTest, GoneAtWatchStartRelistsAndDeliversTheDifferences) {
  for (const char* name : {"a", "b", "c"}) server_->create(configMap(name));
  auto options = wireOptions();
  options.initialBackoff = 300ms;  // room for the changes between the two watch attempts
  auto& informer = start(resources::kConfigMaps, {}, options, /*clientRetries=*/0);
  auto expected = missChangesThenExpire(*server_, /*asHttpStatus=*/true);
  expectDiff(log_, expected);
  EXPECT_EQ(server_->requestCount("list", "configmaps"), 2u);
  EXPECT_THAT(informer.store().listKeys(), ElementsAre("default/a", "default/b", "default/d"));
  // And it watches again from the fresh list.
  ASSERT_TRUE(eventually([&] { return server_->openWatchCount() == 1; }));
  server_->create(configMap("e"));
  ASSERT_TRUE(log_.waitFor(7));
  EXPECT_THAT(log_.lines()[6], ::testing::StartsWith("add default/e "));
}

TEST_F(InformerWireTest, GoneAsWatchErrorEventRelistsAndDeliversTheDifferences) {
  for (const char* name : {"a", "b", "c"}) server_->create(configMap(name));
  auto options = wireOptions();
  options.initialBackoff = 300ms;
  auto& informer = start(resources::kConfigMaps, {}, options, /*clientRetries=*/0);
  auto expected = missChangesThenExpire(*server_, /*asHttpStatus=*/false);
  expectDiff(log_, expected);
  EXPECT_EQ(server_->requestCount("list", "configmaps"), 2u);
  EXPECT_THAT(informer.store().listKeys(), ElementsAre("default/a", "default/b", "default/d"));
}

TEST_F(InformerWireTest, SecretsAreCachedWithoutTheirValues) {
  server_->create({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "db"}, {"namespace", "default"}}},
                   {"type", "Opaque"},
                   {"data", {{"password", "aHVudGVyMg=="}, {"user", "cm9vdA=="}}}});
  auto& informer = start(resources::kSecrets, {}, wireOptions(), 3, stripSecretValues);
  server_->mutate("v1", "Secret", "default", "db",
                  [](nlohmann::json& o) { o["data"]["token"] = "c2VjcmV0LXRva2Vu"; });
  ASSERT_TRUE(log_.waitFor(2));
  auto cached = informer.store().get("default/db");
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ((*cached)["data"], (nlohmann::json{{"password", ""}, {"token", ""}, {"user", ""}}));
  for (const auto& object : informer.store().list()) {
    const std::string text = object->dump();
    EXPECT_EQ(text.find("aHVudGVy"), std::string::npos);
    EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos);
  }
}

TEST_F(InformerWireTest, StopClosesTheWatchPromptly) {
  start(resources::kConfigMaps);
  const auto begin = std::chrono::steady_clock::now();
  informer_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_TRUE(eventually([&] { return server_->openWatchCount() == 0; }));
}

}  // namespace
}  // namespace rg::kube
