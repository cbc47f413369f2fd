// The Secret informer as the operator's cluster cache builds it (REST lister-watcher plus
// stripSecretValues), against the in-process API server: whether an object came from the
// first list, a watch event or a relist after 410, the store and the event handlers see every
// data and stringData key with an empty value, and none of the values, raw or base64, not even
// inside kubectl's last-applied-configuration annotation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include "kube/informer.hpp"
#include "tests/informer/wire_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using rg::testing::ApiServer;
using rg::testing::eventually;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// Distinct values, each unlike anything else in an object, with their base64 forms.
const std::vector<std::pair<std::string, std::string>> kValues = {
    {"hunter2-db-password-0001", "aHVudGVyMi1kYi1wYXNzd29yZC0wMDAx"},
    {"sk-live-token-value-0002", "c2stbGl2ZS10b2tlbi12YWx1ZS0wMDAy"},
    {"rotated-password-0003", "cm90YXRlZC1wYXNzd29yZC0wMDAz"},
    {"new-api-key-value-0004", "bmV3LWFwaS1rZXktdmFsdWUtMDAwNA=="},
    {"rotated-token-value-0005", "cm90YXRlZC10b2tlbi12YWx1ZS0wMDA1"},
    {"missed-while-away-0006", "bWlzc2VkLXdoaWxlLWF3YXktMDAwNg=="},
    {"fresh-secret-value-0007", "ZnJlc2gtc2VjcmV0LXZhbHVlLTAwMDc="},
};
const std::string& raw(size_t i) {
  return kValues[i].first;
}
const std::string& encoded(size_t i) {
  return kValues[i].second;
}

// Every watched value found in `text`, by form.
std::vector<std::string> valuesIn(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& [plain, base64] : kValues)
    for (const auto& form : {plain, base64.substr(0, base64.find('='))})
      if (text.find(form) != std::string::npos) found.push_back(form);
  return found;
}

json secret(const std::string& name, json data, json stringData) {
  json object = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", name}, {"namespace", "default"}}},
                 {"type", "Opaque"},
                 {"data", std::move(data)},
                 {"stringData", std::move(stringData)}};
  // What `kubectl apply` leaves: the whole object again, values included.
  object["metadata"]["annotations"] = {{kLastApplied, object.dump()}, {"team", "payments"}};
  object["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"},
                                                      {"operation", "Update"},
                                                      {"fieldsV1", {{"f:data", object["data"]}}}}});
  return object;
}

// Every object handed to a handler, as text.
class Delivered {
 public:
  EventHandlers handlers() {
    return {[this](const json& o) { append("add", o); },
            [this](const json& oldObject, const json& newObject) {
              append("update-old", oldObject);
              append("update", newObject);
            },
            [this](const json& o) { append("delete", o); }};
  }
  size_t count(const std::string& what, const std::string& name) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [kind, object] : objects_)
      if (kind == what && objectName(object) == name) ++n;
    return n;
  }
  std::vector<std::string> leaks() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [kind, object] : objects_)
      for (const auto& value : valuesIn(object.dump())) out.push_back(kind + ": " + value);
    return out;
  }

 private:
  void append(const std::string& kind, const json& object) {
    std::lock_guard lock(mu_);
    objects_.emplace_back(kind, object);
  }
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, json>> objects_;
};

class SecretCacheWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rg::testing::ApiServerOptions options;
    options.bookmarkInterval = 100ms;
    server_ = std::make_unique<ApiServer>(options);
    client_ = rg::testing::clientFor(*server_, /*maxRetries=*/0);
  }
  void TearDown() override {
    if (informer_) informer_->stop();
    informer_.reset();
    client_.reset();
    server_.reset();
  }

  void start() {
    InformerOptions options;
    options.initialBackoff = 300ms;  // room for changes between two watch attempts
    options.backoffJitter = 0;
    informer_ = std::make_unique<Informer>(
        std::make_shared<RestListerWatcher>(*client_, resources::kSecrets, "default"), options);
    informer_->setTransform(stripSecretValues);
    informer_->addEventHandler(delivered_.handlers());
    informer_->start();
    ASSERT_TRUE(informer_->waitForSync(5s));
    ASSERT_TRUE(eventually([&] { return server_->openWatchCount() == 1; }));
  }

  json cached(const std::string& name) const {
    auto object = informer_->store().get("default/" + name);
    return object ? *object : json();
  }

  // No value in any cached object or in anything a handler was given.
  void expectNoValues() const {
    for (const auto& object : informer_->store().list())
      EXPECT_THAT(valuesIn(object->dump()), ::testing::IsEmpty()) << objectKey(*object);
    EXPECT_THAT(delivered_.leaks(), ::testing::IsEmpty());
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<Informer> informer_;
  Delivered delivered_;
};

TEST_F(SecretCacheWireTest, ListWatchAndRelistKeepKeyNamesOnly) {
  auto created = server_->create(secret("db", {{"password", encoded(0)}}, {{"token", raw(1)}}));
  // The server holds the values: what the informer receives has them.
  ASSERT_EQ(valuesIn(created.dump()).size(), 2u);

  start();
  // After the list.
  json db = cached("db");
  ASSERT_FALSE(db.is_null());
  EXPECT_EQ(db["data"], (json{{"password", ""}}));
  EXPECT_EQ(db["stringData"], (json{{"token", ""}}));
  EXPECT_FALSE(db["metadata"].contains("managedFields"));
  EXPECT_EQ(db["metadata"]["annotations"], (json{{"team", "payments"}}));
  EXPECT_EQ(objectResourceVersion(db), objectResourceVersion(created));
  EXPECT_EQ(delivered_.count("add", "db"), 1u);
  expectNoValues();

  // After watch events: values changed, a key added, a Secret created.
  auto changed = server_->mutate("v1", "Secret", "default", "db", [](json& s) {
    s["data"] = {{"password", encoded(2)}, {"apiKey", encoded(3)}};
    s["stringData"]["token"] = raw(4);
  });
  server_->create(secret("cache", {{"password", encoded(6)}}, json::object()));
  ASSERT_TRUE(eventually([&] { return delivered_.count("add", "cache") == 1; }));
  ASSERT_EQ(delivered_.count("update", "db"), 1u);
  db = cached("db");
  EXPECT_EQ(db["data"], (json{{"apiKey", ""}, {"password", ""}}));
  EXPECT_EQ(db["stringData"], (json{{"token", ""}}));
  EXPECT_EQ(objectResourceVersion(db), objectResourceVersion(changed));
  EXPECT_EQ(cached("cache")["data"], (json{{"password", ""}}));
  expectNoValues();

  // After a relist: the informer misses a change and its resourceVersion expires.
  server_->failNext(1, 503, "GET", "watch=");
  server_->dropWatches();
  server_->mutate("v1", "Secret", "default", "db",
                  [](json& s) { s["data"]["missed"] = encoded(5); });
  server_->compactHistory();
  ASSERT_TRUE(eventually([&] { return delivered_.count("update", "db") == 2; }));
  EXPECT_EQ(server_->requestCount("list", "secrets"), 2u);
  EXPECT_EQ(cached("db")["data"], (json{{"apiKey", ""}, {"missed", ""}, {"password", ""}}));
  expectNoValues();

  // And what a delete hands over.
  ASSERT_TRUE(eventually([&] { return server_->openWatchCount() == 1; }));
  ASSERT_TRUE(server_->remove("v1", "Secret", "default", "db"));
  ASSERT_TRUE(eventually([&] { return delivered_.count("delete", "db") == 1; }));
  EXPECT_EQ(cached("db"), json());
  expectNoValues();
}

}  // namespace
}  // namespace rg::kube
