// Events written to the in-process API server: fields, aggregation of repeats into one Event
// with a count, the aggregation window, truncation, a caller that never waits, and failures
// that are counted and logged rather than thrown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include "kube/event_recorder.hpp"
#include "tests/informer/wire_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::ApiServer;

ObjectReference deployment(const std::string& name = "web") {
  ObjectReference ref;
  ref.apiVersion = "apps/v1";
  ref.kind = "Deployment";
  ref.name = name;
  ref.ns = "shop";
  ref.uid = "0b6c4a52-" + name;
  ref.resourceVersion = "41";
  return ref;
}

bool isTime(const nlohmann::json& value) {
  static const std::regex format(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), format);
}

class EventRecorderWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>();
    client_ = rg::testing::clientFor(*server_);
  }
  void TearDown() override {
    recorder_.reset();
    client_.reset();
    server_.reset();
  }
  EventRecorder& recorder(EventRecorderOptions options = {}) {
    if (options.reportingInstance.empty()) options.reportingInstance = "readiness-gate-0";
    recorder_ = std::make_unique<EventRecorder>(*client_, options);
    return *recorder_;
  }
  std::vector<nlohmann::json> events(const std::string& ns = "shop") const {
    return server_->list("v1", "Event", ns);
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<EventRecorder> recorder_;
};

TEST_F(EventRecorderWireTest, WritesACoreV1EventWithAllFields) {
  auto& r = recorder();
  r.warning(deployment(), "GateFailed", "error rate 7.2% above 5%");
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 1u);
  const auto& e = list[0];
  EXPECT_EQ(e["involvedObject"], (nlohmann::json{{"apiVersion", "apps/v1"},
                                                 {"kind", "Deployment"},
                                                 {"name", "web"},
                                                 {"namespace", "shop"},
                                                 {"uid", "0b6c4a52-web"},
                                                 {"resourceVersion", "41"}}));
  EXPECT_EQ(e["reason"], "GateFailed");
  EXPECT_EQ(e["message"], "error rate 7.2% above 5%");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["source"]["component"], "readiness-gate");
  EXPECT_EQ(e["reportingComponent"], "readiness-gate");
  EXPECT_EQ(e["reportingInstance"], "readiness-gate-0");
  EXPECT_EQ(e["count"], 1);
  EXPECT_TRUE(isTime(e["firstTimestamp"])) << e.dump();
  EXPECT_TRUE(isTime(e["lastTimestamp"])) << e.dump();
  EXPECT_EQ(e["metadata"]["namespace"], "shop");
  const std::string name = e["metadata"]["name"];
  EXPECT_TRUE(std::regex_match(name, std::regex(R"(^web\.[0-9a-f]{16}$)"))) << name;
  EXPECT_EQ(r.stats().created, 1u);
}

TEST_F(EventRecorderWireTest, ThreeRepeatsBecomeOneEventWithCountThree) {
  auto& r = recorder();
  for (int i = 0; i < 3; ++i) r.normal(deployment(), "GatePassed", "all checks passed");
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["count"], 3);
  EXPECT_GE(list[0]["lastTimestamp"].get<std::string>(),
            list[0]["firstTimestamp"].get<std::string>());
  EXPECT_EQ(server_->requestCount("create", "events"), 1u);
  EXPECT_EQ(server_->requestCount("patch", "events"), 2u);
  auto stats = r.stats();
  EXPECT_EQ(stats.created, 1u);
  EXPECT_EQ(stats.patched, 2u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST_F(EventRecorderWireTest, DifferentObjectReasonMessageOrTypeAreSeparateEvents) {
  auto& r = recorder();
  r.normal(deployment(), "GatePassed", "ok");
  r.normal(deployment("api"), "GatePassed", "ok");
  r.normal(deployment(), "GatePassed", "ok, again");
  r.warning(deployment(), "GatePassed", "ok");
  r.normal(deployment(), "Paused", "ok");
  r.normal(deployment(), "GatePassed", "ok");  // the first one again
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 5u);
  int counted = 0;
  for (const auto& e : list) counted += e["count"].get<int>();
  EXPECT_EQ(counted, 6);
}

TEST_F(EventRecorderWireTest, ARepeatAfterTheWindowStartsANewEvent) {
  auto clock = std::make_shared<FakeClock>();
  EventRecorderOptions options;
  options.clock = clock;
  auto& r = recorder(options);
  r.normal(deployment(), "GatePassed", "ok");
  r.normal(deployment(), "GatePassed", "ok");
  ASSERT_TRUE(r.flush(5s));
  clock->advance(11min);
  r.normal(deployment(), "GatePassed", "ok");
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 2u);
  std::multiset<int> counts;
  for (const auto& e : list) counts.insert(e["count"].get<int>());
  EXPECT_EQ(counts, (std::multiset<int>{1, 2}));
}

TEST_F(EventRecorderWireTest, LongMessagesAreCutToOneKibibyteOnACharacterBoundary) {
  auto& r = recorder();
  std::string message = "x";
  while (message.size() < 4000) message += "\xC3\xA9";  // "é", two bytes each
  r.warning(deployment(), "GateFailed", message);
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 1u);
  const std::string stored = list[0]["message"];
  EXPECT_EQ(stored.size(), 1023u);  // 1 + 511 * 2: the 512th "é" would cross 1024
  EXPECT_EQ(stored, message.substr(0, 1023));
}

TEST(TruncateTest, CutsOnUtf8Boundaries) {
  EXPECT_EQ(truncateUtf8("short", 1024), "short");
  EXPECT_EQ(truncateUtf8("abcdef", 3), "abc");
  EXPECT_EQ(truncateUtf8("a\xE2\x82\xAC", 3), "a");  // "€" is three bytes
  EXPECT_EQ(truncateUtf8("a\xE2\x82\xAC", 4), "a\xE2\x82\xAC");
  EXPECT_EQ(truncateUtf8("\xF0\x9F\x98\x80!", 2), "");
}

TEST_F(EventRecorderWireTest, RecordingNeverWaitsAndDropsWhenTheQueueIsFull) {
  server_->setLatency(300ms);
  EventRecorderOptions options;
  options.queueCapacity = 3;
  auto& r = recorder(options);
  const auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) r.normal(deployment(), "Tick", "tick " + std::to_string(i));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 200ms);
  auto stats = r.stats();
  EXPECT_GE(stats.dropped, 46u);  // 3 queued, at most one already being written
  EXPECT_LE(stats.dropped, 47u);
  ASSERT_TRUE(r.flush(10s));
  server_->clearFaults();
  EXPECT_EQ(events().size(), 50u - r.stats().dropped);
}

TEST_F(EventRecorderWireTest, WriteFailuresAreCountedNotThrown) {
  server_->failNext(1, 403, "POST", "/events");
  auto& r = recorder();
  EXPECT_NO_THROW(r.warning(deployment(), "GateFailed", "first"));
  EXPECT_NO_THROW(r.warning(deployment(), "GateFailed", "second"));
  ASSERT_TRUE(r.flush(5s));
  auto stats = r.stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.created, 1u);
  ASSERT_EQ(events().size(), 1u);
  EXPECT_EQ(events()[0]["message"], "second");
}

TEST_F(EventRecorderWireTest, ARepeatOfAnExpiredEventCreatesItAgain) {
  auto& r = recorder();
  r.normal(deployment(), "GatePassed", "ok");
  ASSERT_TRUE(r.flush(5s));
  auto list = events();
  ASSERT_EQ(list.size(), 1u);
  const std::string name = list[0]["metadata"]["name"];
  ASSERT_TRUE(server_->remove("v1", "Event", "shop", name));  // the API server's TTL
  r.normal(deployment(), "GatePassed", "ok");
  ASSERT_TRUE(r.flush(5s));
  list = events();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["metadata"]["name"], name);
  EXPECT_EQ(list[0]["count"], 2);
}

TEST_F(EventRecorderWireTest, ClusterScopedObjectsGetEventsInDefault) {
  auto& r = recorder();
  ObjectReference node;
  node.apiVersion = "v1";
  node.kind = "Node";
  node.name = "worker-1";
  r.normal(node, "Observed", "node seen");
  ASSERT_TRUE(r.flush(5s));
  auto list = events("default");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0]["involvedObject"].contains("namespace"));
}

TEST_F(EventRecorderWireTest, ShutdownWritesWhatIsQueued) {
  auto& r = recorder();
  for (int i = 0; i < 3; ++i) r.normal(deployment(), "Step", "step " + std::to_string(i));
  r.shutdown();
  EXPECT_EQ(events().size(), 3u);
  r.normal(deployment(), "Late", "after shutdown");  // dropped, no throw
  EXPECT_EQ(r.stats().dropped, 1u);
}

TEST(ObjectReferenceTest, FromObjectFallsBackForListItems) {
  nlohmann::json item = {
      {"metadata",
       {{"name", "web"}, {"namespace", "shop"}, {"uid", "u1"}, {"resourceVersion", "7"}}}};
  auto ref = ObjectReference::fromObject(item, "apps/v1", "Deployment");
  EXPECT_EQ(ref.apiVersion, "apps/v1");
  EXPECT_EQ(ref.kind, "Deployment");
  EXPECT_EQ(ref.name, "web");
  EXPECT_EQ(ref.ns, "shop");
  EXPECT_EQ(ref.uid, "u1");
  EXPECT_EQ(ref.resourceVersion, "7");
  item["apiVersion"] = "example.dev/v1";
  item["kind"] = "ReadinessGate";
  ref = ObjectReference::fromObject(item, "apps/v1", "Deployment");
  EXPECT_EQ(ref.apiVersion, "example.dev/v1");
  EXPECT_EQ(ref.kind, "ReadinessGate");
}

}  // namespace
}  // namespace rg::kube
