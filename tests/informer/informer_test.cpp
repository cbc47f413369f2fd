// The informer against a scripted lister-watcher: initial sync, event delivery, bookmarks,
// resuming dropped watches, relisting on 410 (as an error at watch start and as an ERROR
// event), backoff, transforms and prompt stop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "kube/api_error.hpp"
#include "kube/informer.hpp"
#include "tests/informer/fake_lister_watcher.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::bookmark;
using rg::testing::EventLog;
using rg::testing::expiredStatus;
using rg::testing::FakeListerWatcher;
using rg::testing::makeObject;
using ::testing::ElementsAre;

InformerOptions fastOptions() {
  InformerOptions o;
  o.initialBackoff = 1ms;
  o.maxBackoff = 10ms;
  o.backoffJitter = 0;
  o.minWatchTimeout = 0s;
  o.healthyWatchAfter = 1h;  // only events make a watch healthy
  return o;
}

std::exception_ptr gone() {
  return std::make_exception_ptr(GoneError(410, "Expired", "too old resource version"));
}

std::exception_ptr transportFailure() {
  return std::make_exception_ptr(TransportError("connection refused", false));
}

struct InformerFixture : ::testing::Test {
  std::shared_ptr<FakeListerWatcher> lw = std::make_shared<FakeListerWatcher>();
  EventLog log;

  std::unique_ptr<Informer> startInformer(InformerOptions options = fastOptions()) {
    auto informer = std::make_unique<Informer>(lw, options);
    informer->addEventHandler(log.handlers());
    informer->start();
    return informer;
  }
};

TEST_F(InformerFixture, InitialListIsDeliveredThenHasSyncedAndWatchStartsFromItsVersion) {
  lw->setList({makeObject("ns", "a", "3"), makeObject("ns", "b", "7")}, "10");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  std::vector<bool> syncedDuringAdds;
  EventHandlers probe;
  probe.onAdd = [&](const nlohmann::json&) { syncedDuringAdds.push_back(informer->hasSynced()); };
  informer->addEventHandler(probe);
  informer->addEventHandler(log.handlers());
  EXPECT_FALSE(informer->hasSynced());
  informer->start();

  ASSERT_TRUE(informer->waitForSync(5s));
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 3", "add ns/b 7"));
  // Synced only once the whole first list was delivered.
  EXPECT_THAT(syncedDuringAdds, ElementsAre(false, false));
  EXPECT_EQ(informer->store().size(), 2u);
  EXPECT_EQ(informer->lastResourceVersion(), "10");

  ASSERT_NE(lw->waitForWatch(1), nullptr);
  auto watches = lw->watchCalls();
  EXPECT_EQ(watches[0].resourceVersion, "10");
  EXPECT_TRUE(watches[0].allowWatchBookmarks);
  EXPECT_EQ(lw->listCalls()[0].limit, 500);
  EXPECT_THROW(informer->addEventHandler(log.handlers()), std::logic_error);
  EXPECT_THROW(informer->start(), std::logic_error);
}

TEST_F(InformerFixture, DeliversAddUpdateDeleteInOrder) {
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "2")}, "2");
  auto informer = startInformer();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  watch->pushEvent("ADDED", makeObject("ns", "c", "3"));
  watch->pushEvent("MODIFIED", makeObject("ns", "a", "4"));
  watch->pushEvent("DELETED", makeObject("ns", "b", "5"));
  watch->pushEvent("MODIFIED", makeObject("ns", "c", "6"));
  ASSERT_TRUE(log.waitFor(6));
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1", "add ns/b 2", "add ns/c 3", "update ns/a 1->4",
                                       "delete ns/b 5", "update ns/c 3->6"));
  EXPECT_THAT(informer->store().listKeys(), ElementsAre("ns/a", "ns/c"));
  EXPECT_EQ(informer->lastResourceVersion(), "6");
}

TEST_F(InformerFixture, HandlersSeeTheStoreAlreadyUpdatedAndMayReadIt) {
  lw->setList({}, "1");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  std::atomic<int> seen{0};
  EventHandlers h;
  h.onAdd = [&](const nlohmann::json& o) {
    // Reading the store from a handler must not deadlock: handlers run outside its lock.
    auto cached = informer->store().get(objectKey(o));
    if (cached && objectResourceVersion(*cached) == "2") ++seen;
    EXPECT_EQ(informer->store().list().size(), 1u);
  };
  informer->addEventHandler(h);
  informer->start();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  watch->pushEvent("ADDED", makeObject("ns", "a", "2"));
  for (int i = 0; i < 500 && seen.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  informer->stop();
  EXPECT_EQ(seen.load(), 1);
}

TEST_F(InformerFixture, BookmarkAdvancesResourceVersionWithoutEvents) {
  lw->setList({makeObject("ns", "a", "1")}, "5");
  auto informer = startInformer();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  watch->pushEvent("BOOKMARK", bookmark("20"));
  watch->end();  // the next watch shows where the informer stands
  ASSERT_NE(lw->waitForWatch(2), nullptr);
  EXPECT_EQ(lw->watchCalls()[1].resourceVersion, "20");
  EXPECT_EQ(informer->lastResourceVersion(), "20");
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1"));
  EXPECT_EQ(lw->listCalls().size(), 1u);
}

TEST_F(InformerFixture, DroppedStreamResumesFromLastVersionWithoutMissedOrDuplicatedEvents) {
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "2")}, "2");
  auto informer = startInformer();
  auto first = lw->waitForWatch(1);
  ASSERT_NE(first, nullptr);
  first->pushEvent("ADDED", makeObject("ns", "c", "3"));
  first->pushEvent("MODIFIED", makeObject("ns", "a", "4"));
  first->fail("connection reset by peer");

  auto second = lw->waitForWatch(2);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(lw->watchCalls()[1].resourceVersion, "4");
  // A server replaying the last event it sent must not produce a second update.
  second->pushEvent("MODIFIED", makeObject("ns", "a", "4"));
  second->pushEvent("MODIFIED", makeObject("ns", "a", "5"));
  second->pushEvent("DELETED", makeObject("ns", "c", "6"));
  second->pushEvent("DELETED", makeObject("ns", "c", "6"));
  second->pushEvent("ADDED", makeObject("ns", "z", "7"));  // everything before it was applied
  ASSERT_TRUE(log.waitFor(7));
  informer->stop();
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1", "add ns/b 2", "add ns/c 3", "update ns/a 1->4",
                                       "update ns/a 4->5", "delete ns/c 6", "add ns/z 7"));
  EXPECT_EQ(lw->listCalls().size(), 1u);  // resumed, not relisted
}

void expectRelistDiff(FakeListerWatcher& lw, EventLog& log, Informer& informer) {
  ASSERT_TRUE(log.waitFor(6));
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1", "add ns/b 2", "add ns/c 3",
                                       // fresh list: a unchanged, b changed, d new, c gone
                                       "update ns/b 2->8", "add ns/d 9", "delete ns/c 3"));
  EXPECT_EQ(lw.listCalls().size(), 2u);
  EXPECT_THAT(informer.store().listKeys(), ElementsAre("ns/a", "ns/b", "ns/d"));
}

TEST_F(InformerFixture, GoneAtWatchStartRelistsAndEmitsTheDifferences) {
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "2"), makeObject("ns", "c", "3")},
              "3");
  auto informer = startInformer();
  auto first = lw->waitForWatch(1);
  ASSERT_NE(first, nullptr);
  lw->failWatches(gone(), 1);
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "8"), makeObject("ns", "d", "9")},
              "12");
  first->end();
  expectRelistDiff(*lw, log, *informer);
  ASSERT_NE(lw->waitForWatch(2), nullptr);
  auto watches = lw->watchCalls();
  ASSERT_EQ(watches.size(), 3u);
  EXPECT_EQ(watches[1].resourceVersion, "3");   // refused with 410
  EXPECT_EQ(watches[2].resourceVersion, "12");  // from the fresh list
}

TEST_F(InformerFixture, GoneAsWatchErrorEventRelistsAndEmitsTheDifferences) {
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "2"), makeObject("ns", "c", "3")},
              "3");
  auto informer = startInformer();
  auto first = lw->waitForWatch(1);
  ASSERT_NE(first, nullptr);
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "8"), makeObject("ns", "d", "9")},
              "12");
  first->pushEvent("ERROR", expiredStatus());
  expectRelistDiff(*lw, log, *informer);
  ASSERT_NE(lw->waitForWatch(2), nullptr);
  EXPECT_EQ(lw->watchCalls()[1].resourceVersion, "12");
}

TEST_F(InformerFixture, OtherWatchErrorRewatchesFromTheSameVersionWithoutRelist) {
  lw->setList({makeObject("ns", "a", "1")}, "7");
  auto informer = startInformer();
  auto first = lw->waitForWatch(1);
  ASSERT_NE(first, nullptr);
  first->pushEvent("ERROR", {{"kind", "Status"}, {"code", 500}, {"reason", "InternalError"}});
  ASSERT_NE(lw->waitForWatch(2), nullptr);
  EXPECT_EQ(lw->watchCalls()[1].resourceVersion, "7");
  EXPECT_EQ(lw->listCalls().size(), 1u);
}

TEST_F(InformerFixture, FailedListsAndWatchesAreRetried) {
  lw->setList({makeObject("ns", "a", "1")}, "4");
  lw->failLists(transportFailure(), 2);
  lw->failWatches(transportFailure(), 2);
  auto informer = startInformer();
  ASSERT_TRUE(informer->waitForSync(5s));
  EXPECT_EQ(lw->listCalls().size(), 3u);
  ASSERT_NE(lw->waitForWatch(1), nullptr);
  auto watches = lw->watchCalls();
  ASSERT_EQ(watches.size(), 3u);
  for (const auto& w : watches) EXPECT_EQ(w.resourceVersion, "4");
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1"));
}

TEST_F(InformerFixture, ReconnectsBackOffExponentiallyOnTheClock) {
  auto clock = std::make_shared<FakeClock>();
  auto options = fastOptions();
  options.clock = clock;
  options.initialBackoff = 1s;
  options.maxBackoff = 4s;
  lw->setList({}, "1");
  lw->failWatches(transportFailure(), 4);
  auto informer = startInformer(options);
  ASSERT_TRUE(lw->waitForWatchCalls(1));

  // Moves the fake clock in small steps until the next watch attempt; returns how far it went.
  auto advanceUntilWatch = [&](std::size_t n) {
    const auto start = clock->now();
    for (int i = 0; i < 400 && lw->watchCalls().size() < n; ++i) {
      clock->advance(100ms);
      lw->waitForWatchCalls(n, 5ms);
    }
    EXPECT_GE(lw->watchCalls().size(), n);
    return clock->now() - start;
  };
  EXPECT_GE(advanceUntilWatch(2), 1s);
  EXPECT_GE(advanceUntilWatch(3), 2s);
  EXPECT_GE(advanceUntilWatch(4), 4s);
  EXPECT_GE(advanceUntilWatch(5), 4s);  // capped
  ASSERT_NE(lw->waitForWatch(1), nullptr);
  informer->stop();
}

TEST(BackoffTest, DoublesUpToTheCapAndResets) {
  Backoff b(100ms, 30s, 0.0);
  std::vector<std::chrono::nanoseconds> delays;
  for (int i = 0; i < 12; ++i) delays.push_back(b.next());
  EXPECT_EQ(delays[0], 100ms);
  EXPECT_EQ(delays[1], 200ms);
  EXPECT_EQ(delays[2], 400ms);
  EXPECT_EQ(delays[8], 25600ms);
  EXPECT_EQ(delays[9], 30s);
  EXPECT_EQ(delays[11], 30s);
  b.reset();
  EXPECT_EQ(b.next(), 100ms);
}

TEST(BackoffTest, JitterStaysWithinItsBandAndVaries) {
  Backoff b(1s, 1s, 0.5, /*seed=*/42);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 50; ++i) {
    auto d = b.next();
    EXPECT_GE(d, 500ms);
    EXPECT_LE(d, 1s);
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST_F(InformerFixture, TransformStripsSecretValuesBeforeAnythingIsCached) {
  nlohmann::json secret = makeObject("ns", "db", "1");
  secret["data"] = {{"password", "c3VwZXJzZWNyZXQ="}, {"user", "YWRtaW4="}};
  secret["stringData"] = {{"token", "plain-token-value"}};
  secret["metadata"]["managedFields"] = nlohmann::json::array({{{"manager", "kubectl"}}});
  secret["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", "{\"data\":{\"password\":\"c3Vw\"}}"},
      {"team", "payments"}};
  lw->setList({secret}, "1");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  informer->setTransform(stripSecretValues);
  std::vector<std::string> handed;
  EventHandlers h;
  h.onAdd = [&](const nlohmann::json& o) { handed.push_back(o.dump()); };
  h.onUpdate = [&](const nlohmann::json& oldObject, const nlohmann::json& newObject) {
    handed.push_back(oldObject.dump());
    handed.push_back(newObject.dump());
  };
  informer->addEventHandler(h);
  informer->addEventHandler(log.handlers());
  informer->start();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  nlohmann::json changed = secret;
  changed["metadata"]["resourceVersion"] = "2";
  changed["data"]["apikey"] = "bmV3LXNlY3JldA==";
  watch->pushEvent("MODIFIED", changed);
  ASSERT_TRUE(log.waitFor(2));
  informer->stop();

  auto cached = informer->store().get("ns/db");
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ((*cached)["data"], (nlohmann::json{{"apikey", ""}, {"password", ""}, {"user", ""}}));
  EXPECT_EQ((*cached)["stringData"], (nlohmann::json{{"token", ""}}));
  EXPECT_FALSE((*cached)["metadata"].contains("managedFields"));
  EXPECT_EQ((*cached)["metadata"]["annotations"], (nlohmann::json{{"team", "payments"}}));
  EXPECT_EQ(objectResourceVersion(*cached), "2");
  ASSERT_EQ(handed.size(), 3u);
  for (const auto& text : handed) {
    EXPECT_EQ(text.find("c3Vw"), std::string::npos) << text;
    EXPECT_EQ(text.find("YWRtaW4"), std::string::npos) << text;
    EXPECT_EQ(text.find("plain-token"), std::string::npos) << text;
    EXPECT_EQ(text.find("bmV3"), std::string::npos) << text;
  }
}

TEST_F(InformerFixture, ObjectWhoseTransformThrowsIsNotCached) {
  lw->setList({makeObject("ns", "ok", "1"), makeObject("ns", "bad", "2")}, "2");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  informer->setTransform([](nlohmann::json& o) {
    if (objectName(o) == "bad") throw std::runtime_error("cannot strip");
  });
  informer->addEventHandler(log.handlers());
  informer->start();
  ASSERT_TRUE(informer->waitForSync(5s));
  EXPECT_THAT(log.lines(), ElementsAre("add ns/ok 1"));
  EXPECT_EQ(informer->store().get("ns/bad"), nullptr);
}

TEST_F(InformerFixture, IndexersAreMaintainedFromEvents) {
  lw->setList({makeObject("ns1", "a", "1", {{"app", "web"}}),
               makeObject("ns2", "b", "2", {{"app", "web"}})},
              "2");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  informer->addIndexer("app", [](const nlohmann::json& o) -> std::vector<std::string> {
    auto labels = o["metadata"].value("labels", nlohmann::json::object());
    if (!labels.contains("app")) return {};
    return {labels["app"].get<std::string>()};
  });
  informer->addIndexer(kNamespaceIndex, namespaceIndexFunc);
  informer->addIndexer(kLabelIndex, labelIndexFunc);
  informer->addEventHandler(log.handlers());
  informer->start();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(informer->store().byIndex("app", "web").size(), 2u);
  EXPECT_EQ(informer->store().byIndex(kNamespaceIndex, "ns1").size(), 1u);
  watch->pushEvent("MODIFIED", makeObject("ns1", "a", "3", {{"app", "api"}}));
  ASSERT_TRUE(log.waitFor(3));
  EXPECT_EQ(informer->store().byIndex("app", "web").size(), 1u);
  EXPECT_EQ(informer->store().byIndex("app", "api").size(), 1u);
  EXPECT_EQ(informer->store().byIndex(kLabelIndex, "app=api").size(), 1u);
}

TEST_F(InformerFixture, HandlerExceptionDoesNotStopDelivery) {
  lw->setList({makeObject("ns", "a", "1"), makeObject("ns", "b", "2")}, "2");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  EventHandlers thrower;
  thrower.onAdd = [](const nlohmann::json&) { throw std::runtime_error("handler bug"); };
  informer->addEventHandler(thrower);
  informer->addEventHandler(log.handlers());
  informer->start();
  ASSERT_TRUE(informer->waitForSync(5s));
  EXPECT_THAT(log.lines(), ElementsAre("add ns/a 1", "add ns/b 2"));
}

TEST_F(InformerFixture, StopIsPromptWhileWatching) {
  lw->setList({}, "1");
  auto informer = startInformer();
  auto watch = lw->waitForWatch(1);
  ASSERT_NE(watch, nullptr);
  const auto start = std::chrono::steady_clock::now();
  informer->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(watch->cancelled());
  informer->stop();  // idempotent
}

TEST_F(InformerFixture, StopIsPromptDuringBackoff) {
  auto options = fastOptions();
  options.initialBackoff = 1h;
  options.maxBackoff = 1h;
  lw->failLists(transportFailure(), 1000);
  auto informer = startInformer(options);
  ASSERT_TRUE(lw->waitForListCalls(1));
  const auto start = std::chrono::steady_clock::now();
  informer->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(informer->hasSynced());
  EXPECT_FALSE(informer->waitForSync(10ms));
}

TEST_F(InformerFixture, StopFromAHandlerDoesNotDeadlock) {
  lw->setList({makeObject("ns", "a", "1")}, "1");
  auto informer = std::make_unique<Informer>(lw, fastOptions());
  std::atomic<bool> stopped{false};
  EventHandlers h;
  h.onAdd = [&](const nlohmann::json&) {
    informer->stop();
    stopped = true;
  };
  informer->addEventHandler(h);
  informer->start();
  for (int i = 0; i < 500 && !stopped.load(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(stopped.load());
  informer.reset();  // joins the thread, which ends on its own
  EXPECT_EQ(lw->watchCalls().size(), 0u);
}

TEST(StripTest, StripSecretValuesKeepsKeysAndIdentity) {
  nlohmann::json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"type", "Opaque"},
      {"metadata",
       {{"name", "s"},
        {"namespace", "ns"},
        {"resourceVersion", "9"},
        {"managedFields", nlohmann::json::array()},
        {"annotations",
         {{"kubectl.kubernetes.io/last-applied-configuration", "{\"data\":{\"k\":\"dg==\"}}"}}}}},
      {"data", {{"k", "dg=="}}}};
  stripSecretValues(secret);
  EXPECT_EQ(secret["data"], (nlohmann::json{{"k", ""}}));
  EXPECT_FALSE(secret.contains("stringData"));
  EXPECT_FALSE(secret["metadata"].contains("annotations"));
  EXPECT_FALSE(secret["metadata"].contains("managedFields"));
  EXPECT_EQ(objectKey(secret), "ns/s");
  EXPECT_EQ(objectResourceVersion(secret), "9");
  EXPECT_EQ(secret["type"], "Opaque");

  nlohmann::json odd = {{"metadata", {{"name", "x"}}}, {"data", "not-a-map"}};
  stripSecretValues(odd);
  EXPECT_FALSE(odd.contains("data"));
  nlohmann::json notObject = "text";
  stripSecretValues(notObject);  // no crash
  EXPECT_EQ(notObject, "text");
}

}  // namespace
}  // namespace rg::kube
