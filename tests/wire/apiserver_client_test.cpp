// The REST client against the in-process Kubernetes API server: CRUD, optimistic concurrency,
// status subresource, patches, pagination, watch resume, bookmarks, faults.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kube/kube_config.hpp"
#include "kube/rest_client.hpp"
#include "tests/support/api_server.hpp"
#include "tests/wire/client_helpers.hpp"
#include "tests/wire/test_util.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::ApiServer;
using rg::testing::ApiServerOptions;
using rg::wire::fastOptions;
using ::testing::HasSubstr;

nlohmann::json configMap(const std::string& name, nlohmann::json data = {{"k", "v"}},
                         nlohmann::json labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ns"}, {"labels", labels}}},
          {"data", data}};
}

nlohmann::json deployment(const std::string& name) {
  nlohmann::json labels = {{"app", name}};
  nlohmann::json container = {{"name", "app"}, {"image", "nginx:1.25"}};
  nlohmann::json podSpec = {{"containers", nlohmann::json::array({container})}};
  nlohmann::json spec = {{"replicas", 2},
                         {"selector", {{"matchLabels", labels}}},
                         {"template", {{"metadata", {{"labels", labels}}}, {"spec", podSpec}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "ns"}}},
          {"spec", spec}};
}

std::string rv(const nlohmann::json& obj) {
  return obj["metadata"]["resourceVersion"];
}

ClientConfig plainConfig(const ApiServer& server) {
  ClientConfig config;
  config.server = server.url();
  return config;
}

TEST(ApiServerClientTest, CrudOverTlsWithTheServersKubeconfig) {
  ApiServerOptions options;
  options.tls = true;
  options.requireClientCert = true;
  options.bearerToken = "wire-token";
  ApiServer server(options);
  rg::wire::TempDir dir;
  server.writeKubeconfig(dir.file("config"), /*withClientCert=*/true);
  RestClient client(loadKubeConfig({dir.file("config"), ""}), fastOptions());
  using resources::kConfigMaps;

  auto created = client.create(kConfigMaps, "ns", configMap("app"));
  EXPECT_FALSE(rv(created).empty());
  EXPECT_FALSE(created["metadata"]["uid"].get<std::string>().empty());
  EXPECT_THROW(client.create(kConfigMaps, "ns", configMap("app")), AlreadyExistsError);

  auto fetched = client.get(kConfigMaps, "ns", "app");
  EXPECT_EQ(fetched["data"]["k"], "v");

  auto changed = fetched;
  changed["data"]["k"] = "v2";
  auto updated = client.update(kConfigMaps, changed);
  EXPECT_EQ(updated["data"]["k"], "v2");
  EXPECT_NE(rv(updated), rv(fetched));
  // The same stale resourceVersion again: optimistic concurrency says no.
  changed["data"]["k"] = "v3";
  EXPECT_THROW(client.update(kConfigMaps, changed), ConflictError);

  auto merged = client.patch(kConfigMaps, "ns", "app", PatchType::Merge,
                             {{"data", {{"extra", "1"}, {"k", nullptr}}}});
  EXPECT_EQ(merged["data"], nlohmann::json({{"extra", "1"}}));
  auto jsonPatched = client.patch(kConfigMaps, "ns", "app", PatchType::Json,
                                  {{{"op", "add"}, {"path", "/data/j"}, {"value", "2"}}});
  EXPECT_EQ(jsonPatched["data"]["j"], "2");

  client.remove(kConfigMaps, "ns", "app");
  EXPECT_THROW(client.get(kConfigMaps, "ns", "app"), NotFoundError);
  EXPECT_THROW(client.remove(kConfigMaps, "ns", "app"), NotFoundError);
}

TEST(ApiServerClientTest, RejectsMissingOrWrongToken) {
  ApiServerOptions options;
  options.bearerToken = "right";
  ApiServer server(options);
  ClientConfig config = plainConfig(server);
  config.credentials.token = "wrong";
  RestClient client(config, fastOptions());
  try {
    client.list(resources::kConfigMaps, "ns");
    FAIL() << "expected 401";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.isUnauthorized());
  }
}

TEST(ApiServerClientTest, StatusSubresourceAndStrategicMerge) {
  ApiServer server;
  RestClient client(plainConfig(server), fastOptions());
  using resources::kDeployments;
  auto created = client.create(kDeployments, "ns", deployment("web"));

  auto withStatus = created;
  withStatus["status"] = {{"observedGeneration", 1}, {"replicas", 2}};
  auto statusUpdated = client.updateStatus(kDeployments, withStatus);
  EXPECT_EQ(statusUpdated["status"]["replicas"], 2);

  auto patched = client.patchStatus(kDeployments, "ns", "web", PatchType::Merge,
                                    {{"status", {{"readyReplicas", 2}}}});
  EXPECT_EQ(patched["status"]["readyReplicas"], 2);
  EXPECT_EQ(patched["status"]["replicas"], 2);

  // Containers merge by name.
  nlohmann::json sidecar = {{"name", "sidecar"}, {"image", "busybox"}};
  nlohmann::json smpBody = {
      {"spec", {{"template", {{"spec", {{"containers", nlohmann::json::array({sidecar})}}}}}}}};
  auto smp = client.patch(kDeployments, "ns", "web", PatchType::StrategicMerge, smpBody);
  EXPECT_EQ(smp["spec"]["template"]["spec"]["containers"].size(), 2u);

  auto paused =
      client.patch(kDeployments, "ns", "web", PatchType::Merge, {{"spec", {{"paused", true}}}});
  EXPECT_EQ(paused["spec"]["paused"], true);
  EXPECT_EQ(server.requestCount("patch", "deployments/status"), 1u);
}

TEST(ApiServerClientTest, ListAllPagesAndSelectors) {
  ApiServer server;
  for (int i = 0; i < 7; ++i) {
    server.create(configMap("cm-" + std::to_string(i), {{"i", std::to_string(i)}},
                            {{"parity", i % 2 ? "odd" : "even"}}));
  }
  RestClient client(plainConfig(server), fastOptions());
  server.resetRequests();
  ListOptions options;
  options.limit = 3;
  ListResult all = client.listAll(resources::kConfigMaps, "ns", options);
  EXPECT_EQ(all.items.size(), 7u);
  EXPECT_FALSE(all.resourceVersion.empty());
  EXPECT_EQ(server.requestCount("list", "configmaps"), 3u);

  ListOptions odd;
  odd.labelSelector = "parity=odd";
  EXPECT_EQ(client.listAll(resources::kConfigMaps, "ns", odd).items.size(), 3u);
  ListOptions named;
  named.fieldSelector = "metadata.name=cm-4";
  auto one = client.listAll(resources::kConfigMaps, "", named);
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0]["data"]["i"], "4");
}

TEST(ApiServerClientTest, WatchFromAListAndResumeAfterAGap) {
  ApiServer server;
  server.create(configMap("before"));
  RestClient client(plainConfig(server), fastOptions());
  using resources::kConfigMaps;
  ListResult listed = client.listAll(kConfigMaps, "ns");
  ASSERT_EQ(listed.items.size(), 1u);

  WatchOptions options;
  options.resourceVersion = listed.resourceVersion;
  options.allowWatchBookmarks = false;
  auto stream = client.watch(kConfigMaps, "ns", options);
  client.create(kConfigMaps, "ns", configMap("first"));
  auto added = stream->next();
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->type, "ADDED");
  EXPECT_EQ(added->object["metadata"]["name"], "first");
  std::string resumeFrom = stream->lastResourceVersion();
  stream->close();

  // Changes while nobody watches are replayed when watching again from the last version.
  client.patch(kConfigMaps, "ns", "first", PatchType::Merge, {{"data", {{"k", "changed"}}}});
  client.remove(kConfigMaps, "ns", "before");
  options.resourceVersion = resumeFrom;
  auto resumed = client.watch(kConfigMaps, "ns", options);
  auto modified = resumed->next();
  ASSERT_TRUE(modified.has_value());
  EXPECT_EQ(modified->type, "MODIFIED");
  EXPECT_EQ(modified->object["data"]["k"], "changed");
  auto deleted = resumed->next();
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->type, "DELETED");
  EXPECT_EQ(deleted->object["metadata"]["name"], "before");
  resumed->close();
}

TEST(ApiServerClientTest, WatchFromCompactedHistoryIsGone) {
  ApiServer server;
  server.create(configMap("a"));
  RestClient client(plainConfig(server), fastOptions());
  std::string old = client.listAll(resources::kConfigMaps, "ns").resourceVersion;
  server.create(configMap("b"));
  server.compactHistory();
  WatchOptions options;
  options.resourceVersion = old;
  // The API server answers with an ERROR event (410 Expired) in a 200 stream; accept the
  // HTTP-status form too.
  try {
    auto stream = client.watch(resources::kConfigMaps, "ns", options);
    auto event = stream->next();
    ASSERT_TRUE(event.has_value());
    ASSERT_TRUE(event->isError());
    EXPECT_TRUE(ApiError::fromStatus(event->object)->isGone());
  } catch (const GoneError&) {
  }
}

TEST(ApiServerClientTest, BookmarksCarryTheResourceVersion) {
  ApiServerOptions options;
  options.bookmarkInterval = 100ms;
  ApiServer server(options);
  server.create(configMap("a"));
  RestClient client(plainConfig(server), fastOptions());
  std::string listed = client.listAll(resources::kConfigMaps, "ns").resourceVersion;
  WatchOptions watchOptions;
  watchOptions.resourceVersion = listed;
  auto stream = client.watch(resources::kConfigMaps, "ns", watchOptions);
  auto event = stream->next();
  ASSERT_TRUE(event.has_value());
  EXPECT_TRUE(event->isBookmark());
  EXPECT_FALSE(stream->lastResourceVersion().empty());
  stream->close();
}

TEST(ApiServerClientTest, CloseUnblocksAWatchOnTheServer) {
  ApiServerOptions options;
  options.bookmarkInterval = 60s;
  ApiServer server(options);
  RestClient client(plainConfig(server), fastOptions());
  auto stream = client.watch(resources::kPods, "");
  std::thread closer([&] {
    std::this_thread::sleep_for(200ms);
    stream->close();
  });
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  closer.join();
  EXPECT_EQ(stream->error(), "");
}

TEST(ApiServerClientTest, ServerTimeoutEndsTheWatchCleanly) {
  ApiServer server;
  RestClient client(plainConfig(server), fastOptions());
  WatchOptions options;
  options.timeoutSeconds = 1;
  options.allowWatchBookmarks = false;
  auto stream = client.watch(resources::kPods, "", options);
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(stream->error(), "");
}

TEST(ApiServerClientTest, RetriesInjectedFaults) {
  ApiServer server;
  server.create(configMap("a"));
  RestClient client(plainConfig(server), fastOptions());
  server.failNext(2, 503, "GET");
  EXPECT_EQ(client.get(resources::kConfigMaps, "ns", "a")["data"]["k"], "v");
  EXPECT_EQ(client.requestCounts().get("GET", "503"), 2u);
  EXPECT_EQ(client.requestCounts().get("GET", "200"), 1u);

  server.failNext(1, 429, "POST", "", /*retryAfterSeconds=*/1);
  auto started = std::chrono::steady_clock::now();
  client.create(resources::kConfigMaps, "ns", configMap("b"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_EQ(server.requestCount("create", "configmaps"), 2u);

  server.failNext(1, 500, "POST");
  try {
    client.create(resources::kConfigMaps, "ns", configMap("c"));
    FAIL() << "expected 500";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 500);
    EXPECT_THAT(e.statusMessage(), HasSubstr("injected fault"));
  }
}

}  // namespace
}  // namespace rg::kube
