// Watch streams: events arrive one by one while the stream stays open; close() from another
// thread; in-stream errors; inactivity timeout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "kube/rest_client.hpp"
#include "tests/wire/client_helpers.hpp"
#include "tests/wire/fake_server.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::wire::ChunkWriter;
using rg::wire::configFor;
using rg::wire::FakeRequest;
using rg::wire::FakeResponse;
using rg::wire::FakeServer;
using rg::wire::fastOptions;
using rg::wire::object;

std::string eventLine(const std::string& type, const nlohmann::json& obj) {
  return nlohmann::json{{"type", type}, {"object", obj}}.dump() + "\n";
}

WatchOptions fromVersion(const std::string& resourceVersion) {
  WatchOptions options;
  options.resourceVersion = resourceVersion;
  return options;
}

FakeResponse streaming(std::function<void(ChunkWriter&)> fn) {
  FakeResponse res;
  res.stream = std::move(fn);
  return res;
}

TEST(WatchTest, EventsArriveBeforeTheServerClosesTheStream) {
  std::promise<void> firstSeen;
  auto firstSeenFuture = firstSeen.get_future().share();
  std::atomic<bool> serverWaitedForClient{false};
  FakeServer server([&](const FakeRequest&) {
    return streaming([&, firstSeenFuture](ChunkWriter& w) {
      w.write(eventLine("ADDED", object("ns", "a", "10")));
      // The second event (and the end of the stream) only come after the client saw the first.
      serverWaitedForClient = firstSeenFuture.wait_for(10s) == std::future_status::ready;
      w.write(eventLine("MODIFIED", object("ns", "a", "11")));
    });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  auto first = stream->next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->type, "ADDED");
  EXPECT_EQ(first->object["metadata"]["name"], "a");
  EXPECT_EQ(stream->lastResourceVersion(), "10");
  firstSeen.set_value();
  auto second = stream->next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->type, "MODIFIED");
  EXPECT_EQ(stream->lastResourceVersion(), "11");
  EXPECT_FALSE(stream->next().has_value());  // the server ended the watch
  EXPECT_EQ(stream->error(), "");
  EXPECT_TRUE(serverWaitedForClient.load());
}

TEST(WatchTest, SendsWatchParameters) {
  FakeServer server([](const FakeRequest&) { return streaming([](ChunkWriter&) {}); });
  RestClient client(configFor(server), fastOptions());
  WatchOptions options;
  options.resourceVersion = "123";
  options.timeoutSeconds = 30;
  options.labelSelector = "app=web";
  options.fieldSelector = "metadata.name=web";
  auto stream = client.watch(resources::kDeployments, "ns", options);
  EXPECT_FALSE(stream->next().has_value());
  auto request = server.requests().at(0);
  EXPECT_EQ(request.path, "/apis/apps/v1/namespaces/ns/deployments");
  EXPECT_EQ(request.param("watch"), "true");
  EXPECT_EQ(request.param("resourceVersion"), "123");
  EXPECT_EQ(request.param("allowWatchBookmarks"), "true");
  EXPECT_EQ(request.param("timeoutSeconds"), "30");
  EXPECT_EQ(request.param("labelSelector"), "app=web");
  EXPECT_EQ(request.param("fieldSelector"), "metadata.name=web");
}

TEST(WatchTest, ReassemblesLinesSplitAcrossChunksAndSkipsBlankLines) {
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) {
      std::string line = eventLine("ADDED", object("ns", "split", "3"));
      w.write(line.substr(0, 10));
      w.waitForStop(100ms);
      w.write(line.substr(10) + "\n");
      w.write(eventLine("BOOKMARK", {{"metadata", {{"resourceVersion", "7"}}}}));
    });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  auto event = stream->next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->object["metadata"]["name"], "split");
  auto bookmark = stream->next();
  ASSERT_TRUE(bookmark.has_value());
  EXPECT_TRUE(bookmark->isBookmark());
  EXPECT_EQ(stream->lastResourceVersion(), "7");
  EXPECT_FALSE(stream->next().has_value());
}

TEST(WatchTest, SplitsManyEventsOfOneChunkAndKeepsALastLineWithoutItsNewline) {
  // The reader takes whatever has arrived in one block: every line of it must come out, in
  // order, whatever its ending.
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) {
      std::string chunk;
      for (int i = 0; i < 50; ++i)
        chunk += eventLine("ADDED", object("ns", "pod-" + std::to_string(i), std::to_string(i)));
      std::string crlf = eventLine("MODIFIED", object("ns", "crlf", "60"));
      chunk += crlf.substr(0, crlf.size() - 1) + "\r\n";
      w.write(chunk);
      std::string last = eventLine("DELETED", object("ns", "last", "61"));
      w.write(last.substr(0, last.size() - 1));
    });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  for (int i = 0; i < 50; ++i) {
    auto event = stream->next();
    ASSERT_TRUE(event.has_value()) << "event " << i << ": " << stream->error();
    EXPECT_EQ(event->object["metadata"]["name"], "pod-" + std::to_string(i));
  }
  auto crlf = stream->next();
  ASSERT_TRUE(crlf.has_value()) << stream->error();
  EXPECT_EQ(crlf->type, "MODIFIED");
  auto last = stream->next();
  ASSERT_TRUE(last.has_value()) << stream->error();
  EXPECT_EQ(last->type, "DELETED");
  EXPECT_EQ(stream->lastResourceVersion(), "61");
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_EQ(stream->error(), "");
}

TEST(WatchTest, CloseFromAnotherThreadUnblocksNext) {
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) {
      w.write(eventLine("ADDED", object("ns", "a")));
      w.waitForStop(30s);  // then silence: the client is blocked in next()
    });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  ASSERT_TRUE(stream->next().has_value());

  std::thread closer([&] {
    std::this_thread::sleep_for(200ms);
    stream->close();
  });
  auto started = std::chrono::steady_clock::now();
  auto event = stream->next();
  auto elapsed = std::chrono::steady_clock::now() - started;
  closer.join();
  EXPECT_FALSE(event.has_value());
  EXPECT_TRUE(stream->closed());
  EXPECT_EQ(stream->error(), "");
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_FALSE(stream->next().has_value());
}

TEST(WatchTest, CloseBeforeReadingAndDestroyingAnOpenStream) {
  FakeServer server(
      [](const FakeRequest&) { return streaming([](ChunkWriter& w) { w.waitForStop(30s); }); });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  stream->close();
  EXPECT_FALSE(stream->next().has_value());
  auto other = client.watch(resources::kPods, "ns");
  other.reset();  // dropping an open stream closes its connection
  SUCCEED();
}

TEST(WatchTest, ErrorEventCarriesAStatus) {
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) {
      w.write(eventLine("ERROR", {{"kind", "Status"},
                                  {"apiVersion", "v1"},
                                  {"status", "Failure"},
                                  {"message", "too old resource version: 5 (10)"},
                                  {"reason", "Expired"},
                                  {"code", 410}}));
    });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns", fromVersion("5"));
  auto event = stream->next();
  ASSERT_TRUE(event.has_value());
  ASSERT_TRUE(event->isError());
  auto error = ApiError::fromStatus(event->object);
  EXPECT_EQ(error->code(), 410);
  EXPECT_TRUE(error->isGone());
  EXPECT_NE(dynamic_cast<GoneError*>(error.get()), nullptr);
  EXPECT_EQ(stream->lastResourceVersion(), "");
}

TEST(WatchTest, WatchStartErrorsAreTyped) {
  FakeServer server([](const FakeRequest&) {
    return FakeResponse::statusError(410, "Expired", "too old resource version");
  });
  RestClient client(configFor(server), fastOptions());
  EXPECT_THROW(client.watch(resources::kPods, "ns", fromVersion("1")), GoneError);
}

TEST(WatchTest, InactivityTimeoutEndsTheStreamWithAnError) {
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) {
      w.write(eventLine("ADDED", object("ns", "a")));
      w.waitForStop(30s);
    });
  });
  auto options = fastOptions();
  options.watchIdleTimeout = 500ms;
  RestClient client(configFor(server), options);
  auto stream = client.watch(resources::kPods, "ns");
  ASSERT_TRUE(stream->next().has_value());
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_NE(stream->error(), "");
}

TEST(WatchTest, UndecodableLineEndsTheStream) {
  FakeServer server([](const FakeRequest&) {
    return streaming([](ChunkWriter& w) { w.write("this is not json\n"); });
  });
  RestClient client(configFor(server), fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_THAT(stream->error(), ::testing::HasSubstr("undecodable"));
}

}  // namespace
}  // namespace rg::kube
