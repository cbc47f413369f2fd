// The informer cache: keys, built-in and custom indexes kept in step with updates and deletes,
// and the relist diff.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "kube/object_store.hpp"
#include "tests/informer/fake_lister_watcher.hpp"

namespace rg::kube {
namespace {

using rg::testing::makeObject;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

ObjectPtr ptr(nlohmann::json object) {
  return std::make_shared<const nlohmann::json>(std::move(object));
}

std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(objectName(*o));
  return out;
}

TEST(ObjectStoreTest, KeysAreNamespaceSlashNameOrNameForClusterScoped) {
  EXPECT_EQ(objectKey(makeObject("ns", "a", "1")), "ns/a");
  EXPECT_EQ(objectKey(makeObject("", "node-1", "1")), "node-1");
  EXPECT_EQ(objectKey(nlohmann::json::object()), "");
  EXPECT_EQ(makeKey("ns", "a"), "ns/a");
}

TEST(ObjectStoreTest, UpsertGetEraseAndList) {
  ObjectStore store;
  EXPECT_EQ(store.upsert(ptr(makeObject("ns", "b", "1"))), nullptr);
  EXPECT_EQ(store.upsert(ptr(makeObject("ns", "a", "1"))), nullptr);
  auto old = store.upsert(ptr(makeObject("ns", "a", "2")));
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(objectResourceVersion(*old), "1");
  EXPECT_EQ(objectResourceVersion(*store.get("ns/a")), "2");
  EXPECT_EQ(store.get("ns/missing"), nullptr);
  EXPECT_THAT(store.listKeys(), ElementsAre("ns/a", "ns/b"));
  EXPECT_THAT(names(store.list()), ElementsAre("a", "b"));
  EXPECT_NE(store.erase("ns/b"), nullptr);
  EXPECT_EQ(store.erase("ns/b"), nullptr);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_THROW(store.upsert(ptr(nlohmann::json::object())), std::invalid_argument);
}

// The store indexes in each index what it was given, and nothing else: every index costs memory
// per object, in stores of tens of thousands of objects.
void addCommonIndexes(ObjectStore& store) {
  store.addIndexer(kNamespaceIndex, namespaceIndexFunc);
  store.addIndexer(kLabelIndex, labelIndexFunc);
}

TEST(ObjectStoreTest, HasOnlyTheIndexesItWasGiven) {
  ObjectStore store;
  store.upsert(ptr(makeObject("ns1", "a", "1", {{"app", "web"}})));
  EXPECT_FALSE(store.hasIndexer(kNamespaceIndex));
  EXPECT_FALSE(store.hasIndexer(kLabelIndex));
  EXPECT_THAT(store.byIndex(kNamespaceIndex, "ns1"), IsEmpty());
  store.addIndexer(kNamespaceIndex, namespaceIndexFunc);
  EXPECT_THAT(names(store.byIndex(kNamespaceIndex, "ns1")), ElementsAre("a"));
  EXPECT_THAT(store.byIndex(kLabelIndex, "app=web"), IsEmpty());
}

TEST(ObjectStoreTest, CommonIndexesFollowUpdatesAndDeletes) {
  ObjectStore store;
  addCommonIndexes(store);
  store.upsert(ptr(makeObject("ns1", "a", "1", {{"app", "web"}, {"tier", "front"}})));
  store.upsert(ptr(makeObject("ns1", "b", "1", {{"app", "db"}})));
  store.upsert(ptr(makeObject("ns2", "c", "1", {{"app", "web"}})));

  EXPECT_THAT(names(store.byIndex(kNamespaceIndex, "ns1")), ElementsAre("a", "b"));
  EXPECT_THAT(names(store.byIndex(kLabelIndex, "app=web")), ElementsAre("a", "c"));
  EXPECT_THAT(store.indexKeys(kLabelIndex, "tier=front"), ElementsAre("ns1/a"));

  // a changes its app label: it leaves app=web and tier=front.
  store.upsert(ptr(makeObject("ns1", "a", "2", {{"app", "db"}})));
  EXPECT_THAT(names(store.byIndex(kLabelIndex, "app=web")), ElementsAre("c"));
  EXPECT_THAT(names(store.byIndex(kLabelIndex, "app=db")), ElementsAre("a", "b"));
  EXPECT_THAT(store.byIndex(kLabelIndex, "tier=front"), IsEmpty());

  store.erase("ns2/c");
  EXPECT_THAT(store.byIndex(kLabelIndex, "app=web"), IsEmpty());
  EXPECT_THAT(store.indexValues(kNamespaceIndex), ElementsAre("ns1"));
  EXPECT_THAT(store.indexValues(kLabelIndex), ElementsAre("app=db"));
  EXPECT_THAT(store.byIndex("no-such-index", "x"), IsEmpty());
}

TEST(ObjectStoreTest, CustomIndexerCoversObjectsAlreadyStored) {
  ObjectStore store;
  auto secretRefs = [](const nlohmann::json& o) {
    std::vector<std::string> out;
    if (o.contains("spec") && o["spec"].contains("secrets")) {
      for (const auto& s : o["spec"]["secrets"]) out.push_back(s.get<std::string>());
    }
    return out;
  };
  auto gate = [](const std::string& name, const std::string& rv, nlohmann::json secrets) {
    auto o = makeObject("ns", name, rv);
    o["spec"]["secrets"] = std::move(secrets);
    return o;
  };
  store.upsert(ptr(gate("g1", "1", {"s1", "s2"})));
  store.addIndexer("secret", secretRefs);
  store.upsert(ptr(gate("g2", "1", {"s2"})));
  EXPECT_TRUE(store.hasIndexer("secret"));
  EXPECT_THAT(names(store.byIndex("secret", "s2")), ElementsAre("g1", "g2"));
  EXPECT_THAT(names(store.byIndex("secret", "s1")), ElementsAre("g1"));
  store.upsert(ptr(gate("g1", "2", nlohmann::json::array())));
  EXPECT_THAT(names(store.byIndex("secret", "s2")), ElementsAre("g2"));
  EXPECT_THAT(store.byIndex("secret", "s1"), IsEmpty());
  EXPECT_THROW(store.addIndexer("secret", secretRefs), std::invalid_argument);
  store.addIndexer(kNamespaceIndex, namespaceIndexFunc);
  EXPECT_THROW(store.addIndexer(kNamespaceIndex, secretRefs), std::invalid_argument);
}

TEST(ObjectStoreTest, ThrowingIndexFunctionLeavesObjectOutOfThatIndexOnly) {
  ObjectStore store;
  addCommonIndexes(store);
  store.addIndexer("picky", [](const nlohmann::json& o) -> std::vector<std::string> {
    if (objectName(o) == "bad") throw std::runtime_error("no");
    return {"all"};
  });
  store.upsert(ptr(makeObject("ns", "bad", "1")));
  store.upsert(ptr(makeObject("ns", "good", "1")));
  EXPECT_THAT(names(store.byIndex("picky", "all")), ElementsAre("good"));
  EXPECT_THAT(names(store.byIndex(kNamespaceIndex, "ns")), ElementsAre("bad", "good"));
}

TEST(ObjectStoreTest, ReplaceReportsAddsChangedVersionsAndVanishedObjects) {
  ObjectStore store;
  addCommonIndexes(store);
  store.upsert(ptr(makeObject("ns", "same", "1")));
  store.upsert(ptr(makeObject("ns", "changed", "1")));
  store.upsert(ptr(makeObject("ns", "gone", "1", {{"app", "x"}})));
  auto sameBefore = store.get("ns/same");

  auto deltas =
      store.replace({ptr(makeObject("ns", "new", "5")), ptr(makeObject("ns", "same", "1")),
                     ptr(makeObject("ns", "changed", "4"))});
  ASSERT_EQ(deltas.size(), 3u);
  EXPECT_EQ(deltas[0].type, StoreDelta::Type::Added);
  EXPECT_EQ(objectName(*deltas[0].newObject), "new");
  EXPECT_EQ(deltas[1].type, StoreDelta::Type::Updated);
  EXPECT_EQ(objectResourceVersion(*deltas[1].oldObject), "1");
  EXPECT_EQ(objectResourceVersion(*deltas[1].newObject), "4");
  EXPECT_EQ(deltas[2].type, StoreDelta::Type::Deleted);
  EXPECT_EQ(objectName(*deltas[2].oldObject), "gone");

  EXPECT_THAT(store.listKeys(), ElementsAre("ns/changed", "ns/new", "ns/same"));
  EXPECT_EQ(store.get("ns/same"), sameBefore);  // unchanged version: the stored copy stays
  EXPECT_THAT(store.byIndex(kLabelIndex, "app=x"), IsEmpty());
}

TEST(ObjectStoreTest, ConcurrentReadersSeeConsistentSnapshots) {
  ObjectStore store;
  addCommonIndexes(store);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      store.upsert(ptr(makeObject("ns", "o" + std::to_string(i % 50), std::to_string(i),
                                  {{"app", i % 2 == 0 ? "even" : "odd"}})));
      if (i % 7 == 0) store.erase("ns/o" + std::to_string((i / 7) % 50));
    }
    done = true;
  });
  std::size_t reads = 0;
  while (!done.load()) {
    for (const auto& o : store.byIndex(kLabelIndex, "app=even")) {
      // Whatever the index hands out really carries the label it was filed under.
      ASSERT_EQ((*o)["metadata"]["labels"]["app"], "even");
    }
    for (const auto& o : store.list()) ASSERT_FALSE(objectName(*o).empty());
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0u);
}

}  // namespace
}  // namespace rg::kube
