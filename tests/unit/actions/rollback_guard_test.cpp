#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/actions/rollback.hpp"
#include "tests/unit/actions/rollback_fixtures.hpp"

namespace rg::actions {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;
using namespace fixtures;

TEST(RollbackGuard, BadHashes) {
  const std::set<std::string> bad = {"5d9c8f7b6"};
  EXPECT_TRUE(isBadTemplateHash("5d9c8f7b6", bad));
  EXPECT_FALSE(isBadTemplateHash("7f6d5c4b3", bad));
  EXPECT_FALSE(isBadTemplateHash("", {""}));
  EXPECT_TRUE(isBadRevision(replicaSet("5d9c8f7b6", "3", "v3"), bad));
  EXPECT_FALSE(isBadRevision(replicaSet("7f6d5c4b3", "2", "v2"), bad));
}

TEST(RollbackGuard, NeverRollsForwardToABadRevision) {
  // Revision 3 (5d9c8f7b6) was rolled back to revision 2's template, which became revision 4;
  // revision 4 now fails too. The revision below it is the bad one.
  std::vector<json> replicaSets = {replicaSet("6b5a4c3d2", "1", "v1"),
                                   replicaSet("5d9c8f7b6", "3", "v3"),
                                   replicaSet("7f6d5c4b3", "4", "v2")};
  auto plan = planRollback(deployment("4", "v2"), replicaSets, {"5d9c8f7b6"});
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::TargetIsBad);
  EXPECT_EQ(plan.reason,
            "revision 3 (pod-template-hash 5d9c8f7b6) was rolled back before; not rolling forward "
            "to it");
  EXPECT_EQ(plan.fromRevision, 4);
  EXPECT_EQ(plan.toRevision, 3);
  EXPECT_TRUE(plan.jsonPatch.is_null());

  EXPECT_TRUE(planRollback(deployment("4", "v2"), replicaSets, {"0000000"}).possible);
}

TEST(RollbackGuard, RefuseBadTargetLeavesOtherPlansAlone) {
  auto good = planRollback(deployment("3", "v3"), history());
  auto kept = refuseBadTarget(good, {"5d9c8f7b6"});  // the bad hash is the source, not the target
  EXPECT_TRUE(kept.possible);
  EXPECT_EQ(kept.jsonPatch, good.jsonPatch);

  auto impossible = planRollback(deployment("1", "v1"), {replicaSet("6b5a4c3d2", "1", "v1")});
  auto unchanged = refuseBadTarget(impossible, {"6b5a4c3d2"});
  EXPECT_EQ(unchanged.refusal, RollbackRefusal::NoPreviousRevision);
  EXPECT_EQ(unchanged.reason, "no previous revision to roll back to");
}

TEST(RollbackGuard, AtMostOnceRollbackPerRevision) {
  auto plan = planRollback(deployment("3", "v3"), history());
  ASSERT_TRUE(plan.possible);
  LastAction done{"Rollback", "3", "2", "5d9c8f7b6", "7f6d5c4b3", "2026-11-22T10:00:00Z", ""};
  EXPECT_TRUE(alreadyRolledBack(plan, done));
  EXPECT_TRUE(alreadyRolledBack(plan, std::optional<LastAction>(done)));
  EXPECT_FALSE(alreadyRolledBack(plan, std::optional<LastAction>()));

  LastAction otherRevision = done;
  otherRevision.fromRevision = "5";
  EXPECT_FALSE(alreadyRolledBack(plan, otherRevision));
  LastAction otherHash = done;
  otherHash.badTemplateHash = "1a2b3c4d5";
  EXPECT_FALSE(alreadyRolledBack(plan, otherHash));
  LastAction pause = done;
  pause.type = "Pause";
  EXPECT_FALSE(alreadyRolledBack(plan, pause));
  LastAction unreadable = done;
  unreadable.fromRevision = "three";
  EXPECT_FALSE(alreadyRolledBack(plan, unreadable));
}

TEST(RollbackGuard, RecordsTheBadHashInTheSamePatch) {
  auto current = deployment("3", "v3");
  current["metadata"]["annotations"]["gates.readiness.dev/bad-template-hashes"] = "aaa,zzz";
  auto plan = planRollback(current, history());
  ASSERT_TRUE(plan.possible);
  auto known = recordedBadHashes(current);
  EXPECT_EQ(known, (std::set<std::string>{"aaa", "zzz"}));
  recordBadHash(plan, known);
  ASSERT_EQ(plan.jsonPatch.size(), 3u);
  EXPECT_EQ(plan.jsonPatch[2], R"({"op": "add",
    "path": "/metadata/annotations/gates.readiness.dev~1bad-template-hashes",
    "value": "5d9c8f7b6,aaa,zzz"})"_json);
  auto patched = current.patch(plan.jsonPatch);
  EXPECT_EQ(recordedBadHashes(patched), (std::set<std::string>{"5d9c8f7b6", "aaa", "zzz"}));
  EXPECT_EQ(patched["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");

  auto impossible = planRollback(deployment("1", "v1"), {replicaSet("6b5a4c3d2", "1", "v1")});
  recordBadHash(impossible, known);
  EXPECT_TRUE(impossible.jsonPatch.is_null());
}

TEST(RollbackGuard, RecordedBadHashesToleratesSloppyValues) {
  auto current = deployment("3", "v3");
  EXPECT_TRUE(recordedBadHashes(current).empty());
  current["metadata"]["annotations"]["gates.readiness.dev/bad-template-hashes"] = ",aaa,,bbb,";
  EXPECT_EQ(recordedBadHashes(current), (std::set<std::string>{"aaa", "bbb"}));
  current["metadata"]["annotations"]["gates.readiness.dev/bad-template-hashes"] = 7;
  EXPECT_TRUE(recordedBadHashes(current).empty());
}

TEST(RollbackGuard, RestartAfterRollbackDoesNotActAgain) {
  // The gate rolled 3 -> 2 and wrote lastAction; the controller has made revision 4 from the
  // revision-2 template. After a restart, the same status plus cache gives no new rollback of 3.
  LastAction done{"Rollback", "3", "2", "5d9c8f7b6", "7f6d5c4b3", "2026-11-22T10:00:00Z", ""};
  std::vector<json> after = {replicaSet("6b5a4c3d2", "1", "v1"), replicaSet("5d9c8f7b6", "3", "v3"),
                             replicaSet("7f6d5c4b3", "4", "v2")};
  auto plan = planRollback(deployment("4", "v2"), after, {done.badTemplateHash});
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::TargetIsBad);
  EXPECT_FALSE(alreadyRolledBack(plan, done));

  // Before the controller acts, the Deployment already carries the v2 template: skipped.
  auto patchedNotObserved = deployment("3", "v2");
  auto before = planRollback(patchedNotObserved, history(), {done.badTemplateHash});
  EXPECT_FALSE(before.possible);
  EXPECT_EQ(before.refusal, RollbackRefusal::TemplateAlreadyMatches);
  EXPECT_TRUE(alreadyRolledBack(before, done));
}

}  // namespace
}  // namespace rg::actions
