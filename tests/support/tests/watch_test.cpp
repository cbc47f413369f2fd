#include <gmock/gmock.h>

#include <thread>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kCm = "/api/v1/namespaces/default/configmaps";

class WatchTest : public ApiServerTest {
 protected:
  std::string listRv() { return client().get(kCm).json()["metadata"]["resourceVersion"]; }
  static std::string rvOf(const json& event) {
    return event["object"]["metadata"]["resourceVersion"];
  }
};

TEST_F(WatchTest, DeliversAddedModifiedDeletedInOrder) {
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  ASSERT_EQ(w->status(), 200);
  client().post(kCm, makeConfigMap("a", "default"));
  auto added = w->next(5s);
  ASSERT_TRUE(added);
  EXPECT_EQ((*added)["type"], "ADDED");
  EXPECT_EQ((*added)["object"]["kind"], "ConfigMap");
  EXPECT_EQ((*added)["object"]["apiVersion"], "v1");

  client().patch(std::string(kCm) + "/a", "application/merge-patch+json", R"({"data":{"k":"v2"}})");
  auto modified = w->next(5s);
  ASSERT_TRUE(modified);
  EXPECT_EQ((*modified)["type"], "MODIFIED");
  EXPECT_EQ((*modified)["object"]["data"]["k"], "v2");

  client().del(std::string(kCm) + "/a");
  auto deleted = w->next(5s);
  ASSERT_TRUE(deleted);
  EXPECT_EQ((*deleted)["type"], "DELETED");
  EXPECT_LT(std::stoull(rvOf(*added)), std::stoull(rvOf(*modified)));
  EXPECT_LT(std::stoull(rvOf(*modified)), std::stoull(rvOf(*deleted)));
}

TEST_F(WatchTest, WithoutResourceVersionStartsWithCurrentState) {
  server().create(makeConfigMap("a", "default"));
  server().create(makeConfigMap("b", "default"));
  auto w = client().watch(std::string(kCm) + "?watch=true");
  auto e1 = w->next(5s);
  auto e2 = w->next(5s);
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ((*e1)["type"], "ADDED");
  EXPECT_EQ((*e1)["object"]["metadata"]["name"], "a");
  EXPECT_EQ((*e2)["object"]["metadata"]["name"], "b");
}

TEST_F(WatchTest, ResumesFromAResourceVersion) {
  server().create(makeConfigMap("a", "default"));
  const std::string afterA = std::to_string(server().resourceVersion());
  server().create(makeConfigMap("b", "default"));
  server().create(makeConfigMap("c", "other-ns-is-not-listed"));
  server().create(makeConfigMap("d", "default"));
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + afterA);
  auto e1 = w->next(5s);
  auto e2 = w->next(5s);
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ((*e1)["object"]["metadata"]["name"], "b");
  EXPECT_EQ((*e2)["object"]["metadata"]["name"], "d");
  EXPECT_FALSE(w->next(300ms));
}

TEST_F(WatchTest, ExpiredResourceVersionGetsGoneAsAnErrorEvent) {
  const std::string old = listRv();
  server().create(makeConfigMap("a", "default"));
  server().compactHistory();
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + old);
  ASSERT_EQ(w->status(), 200);
  auto e = w->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ERROR");
  EXPECT_EQ((*e)["object"]["kind"], "Status");
  EXPECT_EQ((*e)["object"]["code"], 410);
  EXPECT_EQ((*e)["object"]["reason"], "Expired");
  EXPECT_TRUE(w->waitEnded(5s));
}

TEST_F(WatchTest, HistoryWindowLimitsResumption) {
  server_.reset();
  ApiServerOptions o;
  o.watchHistory = 3;
  server_ = std::make_unique<ApiServer>(o);
  client_ = std::make_unique<HttpClient>(server_->url());
  const std::string old = std::to_string(server().resourceVersion());
  for (int i = 0; i < 5; ++i) server().create(makeConfigMap("c" + std::to_string(i), "default"));
  auto expiredWatch = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + old);
  auto e = expiredWatch->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["code"], 410);
  // The last three events are still there.
  const std::string recent = std::to_string(server().resourceVersion() - 3);
  auto ok = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + recent);
  auto first = ok->next(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["type"], "ADDED");
  EXPECT_EQ((*first)["object"]["metadata"]["name"], "c2");
}

TEST_F(WatchTest, ForcedExpiryAsEventOrAsHttpStatus) {
  server().expireNextWatch();
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  ASSERT_EQ(w->status(), 200);
  auto e = w->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["code"], 410);

  server().expireNextWatch(/*asHttpStatus=*/true);
  auto r = client().get(std::string(kCm) + "?watch=1&resourceVersion=1");
  EXPECT_EQ(r.code, 410);
  EXPECT_EQ(r.json()["reason"], "Expired");
  // Only the next watch.
  auto w2 = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  server().create(makeConfigMap("a", "default"));
  auto e2 = w2->next(5s);
  ASSERT_TRUE(e2);
  EXPECT_EQ((*e2)["type"], "ADDED");
}

TEST_F(WatchTest, BookmarksWhenAllowed) {
  server().setBookmarkInterval(100ms);
  auto w = client().watch(std::string(kCm) +
                          "?watch=1&allowWatchBookmarks=true&resourceVersion=" + listRv());
  server().create(makeConfigMap("a", "default"));
  bool sawBookmark = false;
  for (int i = 0; i < 10 && !sawBookmark; ++i) {
    auto e = w->next(2s);
    ASSERT_TRUE(e);
    if ((*e)["type"] == "BOOKMARK") {
      sawBookmark = true;
      EXPECT_EQ((*e)["object"]["kind"], "ConfigMap");
      EXPECT_GE(std::stoull(rvOf(*e)), server().resourceVersion());
    }
  }
  EXPECT_TRUE(sawBookmark);

  auto plain = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  EXPECT_FALSE(plain->next(400ms));
}

TEST_F(WatchTest, SendInitialEventsEndsWithAnAnnotatedBookmark) {
  server().create(makeConfigMap("a", "default"));
  auto w = client().watch(std::string(kCm) +
                          "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                          "&resourceVersionMatch=NotOlderThan");
  auto added = w->next(5s);
  auto bookmark = w->next(5s);
  ASSERT_TRUE(added && bookmark);
  EXPECT_EQ((*added)["type"], "ADDED");
  EXPECT_EQ((*bookmark)["type"], "BOOKMARK");
  EXPECT_EQ((*bookmark)["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
}

TEST_F(WatchTest, TimeoutSecondsEndsTheStream) {
  auto start = std::chrono::steady_clock::now();
  auto w =
      client().watch(std::string(kCm) + "?watch=1&timeoutSeconds=1&resourceVersion=" + listRv());
  EXPECT_TRUE(w->waitEnded(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(WatchTest, SelectorTransitionsBecomeAddedAndDeleted) {
  auto w = client().watch(std::string(kCm) +
                          "?watch=1&labelSelector=app%3Dweb&resourceVersion=" + listRv());
  client().post(kCm, makeConfigMap("other", "default", {{"app", "db"}}));
  client().post(kCm, makeConfigMap("a", "default", {{"app", "web"}}));
  auto e1 = w->next(5s);
  ASSERT_TRUE(e1);
  EXPECT_EQ((*e1)["type"], "ADDED");
  EXPECT_EQ((*e1)["object"]["metadata"]["name"], "a");

  client().patch(std::string(kCm) + "/a", "application/merge-patch+json",
                 R"({"metadata":{"labels":{"app":"db"}}})");
  auto e2 = w->next(5s);
  ASSERT_TRUE(e2);
  EXPECT_EQ((*e2)["type"], "DELETED");
  EXPECT_EQ((*e2)["object"]["metadata"]["labels"]["app"], "web");

  client().patch(std::string(kCm) + "/a", "application/merge-patch+json",
                 R"({"metadata":{"labels":{"app":"web"}}})");
  auto e3 = w->next(5s);
  ASSERT_TRUE(e3);
  EXPECT_EQ((*e3)["type"], "ADDED");
}

TEST_F(WatchTest, NamespaceAndFieldSelectorScopeTheStream) {
  auto w = client().watch(std::string(kCm) +
                          "?watch=1&fieldSelector=metadata.name%3Db&resourceVersion=" + listRv());
  server().create(makeConfigMap("a", "default"));
  server().create(makeConfigMap("b", "elsewhere"));
  server().create(makeConfigMap("b", "default"));
  auto e = w->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["metadata"]["namespace"], "default");
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "b");
  EXPECT_FALSE(w->next(300ms));
}

TEST_F(WatchTest, DropWatchesEndsEveryStream) {
  auto w1 = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  auto w2 = client().watch("/apis/apps/v1/deployments?watch=1&resourceVersion=" + listRv());
  for (int i = 0; i < 50 && server().openWatchCount() < 2; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server().openWatchCount(), 2u);
  server().dropWatches();
  EXPECT_TRUE(w1->waitEnded(5s));
  EXPECT_TRUE(w2->waitEnded(5s));
  EXPECT_EQ(server().openWatchCount(), 0u);
}

TEST_F(WatchTest, ConcurrentWritersAreSeenInResourceVersionOrder) {
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([this, t] {
      HttpClient c(server().url());
      for (int i = 0; i < kPerThread; ++i) {
        c.post(kCm, makeConfigMap("cm-" + std::to_string(t) + "-" + std::to_string(i), "default"));
      }
    });
  }
  for (auto& t : writers) t.join();
  uint64_t last = 0;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    auto e = w->next(5s);
    ASSERT_TRUE(e) << "event " << i;
    const uint64_t rv = std::stoull(rvOf(*e));
    EXPECT_GT(rv, last);
    last = rv;
  }
  EXPECT_EQ(last, server().resourceVersion());
}

TEST_F(WatchTest, TableWatchForKubectlGetWatch) {
  auto w = client().watch(std::string(kCm) + "?watch=1&resourceVersion=" + listRv(),
                          "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  server().create(makeConfigMap("a", "default"));
  auto e = w->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["kind"], "Table");
  EXPECT_EQ((*e)["object"]["rows"][0]["cells"][0], "a");
  EXPECT_EQ((*e)["object"]["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

}  // namespace
}  // namespace rg::testing
