// Shares of cached objects: read in place, and changed only through a private copy.
#include <gtest/gtest.h>

#include "kube/shared_objects.hpp"

namespace rg::kube {
namespace {

using nlohmann::json;

TEST(SharedObject, ReadsTheSnapshotItShares) {
  auto cached = std::make_shared<const json>(json{{"kind", "Deployment"}});
  SharedObject object(cached);
  const json& read = object;
  EXPECT_EQ(&read, cached.get());
  EXPECT_EQ(object->at("kind"), "Deployment");
}

TEST(SharedObject, EmptyReadsAsNull) {
  SharedObject object;
  EXPECT_TRUE(object.get().is_null());
  EXPECT_EQ(object.share(), nullptr);
}

TEST(SharedObject, EditChangesAPrivateCopyAndNeverTheSnapshot) {
  auto cached = std::make_shared<const json>(json{{"replicas", 1}});
  SharedObject object(cached);
  object.edit()["replicas"] = 2;
  object.edit()["paused"] = true;  // the same private copy, not a second one
  EXPECT_EQ(*cached, (json{{"replicas", 1}}));
  EXPECT_EQ(object.get(), (json{{"replicas", 2}, {"paused", true}}));
}

TEST(SharedObject, ACopyDoesNotSeeTheOtherCopysEdits) {
  SharedObject first(json{{"replicas", 1}});
  first.edit()["replicas"] = 2;
  SharedObject second = first;
  second.edit()["replicas"] = 3;
  first.edit()["paused"] = true;
  EXPECT_EQ(first.get(), (json{{"replicas", 2}, {"paused", true}}));
  EXPECT_EQ(second.get(), (json{{"replicas", 3}}));
}

TEST(SharedObjects, IteratesTheSharesInOrder) {
  auto a = std::make_shared<const json>(json{{"name", "a"}});
  auto b = std::make_shared<const json>(json{{"name", "b"}});
  SharedObjects list;
  list.push_back(a);
  list.push_back(ObjectPtr());  // a missing object is not an entry
  list.push_back(b);
  ASSERT_EQ(list.size(), 2u);
  std::vector<const json*> seen;
  for (const json& object : list) seen.push_back(&object);
  EXPECT_EQ(seen, (std::vector<const json*>{a.get(), b.get()}));
  EXPECT_EQ(list.share(1), b);
}

TEST(SharedObjects, EditChangesOnlyThatEntrysCopy) {
  auto cached = std::make_shared<const json>(json{{"name", "a"}});
  SharedObjects list;
  list.push_back(cached);
  list.push_back(json{{"name", "b"}});
  list.edit(0)["name"] = "changed";
  EXPECT_EQ(cached->at("name"), "a");
  EXPECT_EQ(list[0].at("name"), "changed");
  EXPECT_EQ(list[1].at("name"), "b");
}

}  // namespace
}  // namespace rg::kube
