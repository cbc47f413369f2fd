// Secret values stay in their Secrets: with debug logging, a gate driven from Failing (a
// missing key) to Passing (the key added, values changed) and a Deployment with an inline
// secret-looking env value, none of the values appears, raw or base64-encoded, in the
// operator's log, in any Event, in any gate's object, on /metrics, or in any request the
// operator sent to the API server. Key names may appear; values may not.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/e2e/e2e_fixture.hpp"
#include "tests/e2e/support/http_get.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::e2e {
namespace {

// 32 random letters and digits: unique to this run, so any occurrence is a leak.
std::string randomToken() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device seed;
  std::mt19937_64 rng(seed());
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string token;
  for (int i = 0; i < 32; ++i) token += kAlphabet[pick(rng)];
  return token;
}

std::string base64(const std::string& in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kTable[(n >> shift) & 63];
  }
  if (const size_t rest = in.size() - i; rest > 0) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += rest == 2 ? kTable[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Finds any form of the watched values in a text and says where.
class LeakScanner {
 public:
  void watch(const std::string& label, const std::string& value) {
    forms_.push_back({label + " (raw)", value});
    // Without padding: a base64 copy shows up whatever follows it.
    std::string encoded = base64(value);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    forms_.push_back({label + " (base64)", encoded});
  }

  // One line per occurrence: which value, in what, and the text around it.
  std::vector<std::string> scan(const std::string& where, const std::string& text) const {
    std::vector<std::string> found;
    for (const auto& [label, form] : forms_) {
      for (size_t at = text.find(form); at != std::string::npos; at = text.find(form, at + 1)) {
        const size_t from = at < 60 ? 0 : at - 60;
        found.push_back(label + " in " + where + ": ..." + text.substr(from, form.size() + 120) +
                        "...");
      }
    }
    return found;
  }

 private:
  std::vector<std::pair<std::string, std::string>> forms_;
};

// The scenario runs once per log format: both renderings of a log record are checked.
class SecretHygieneTest : public E2eTest, public ::testing::WithParamInterface<const char*> {
 protected:
  OperatorProcess& startOperatorWithMetrics() {
    metricsPort_ = providers::testing::freeLoopbackPort();
    operator_ = std::make_unique<OperatorProcess>(
        OperatorOptions{RG_OPERATOR_BINARY,
                        cluster().kubeconfig(),
                        cluster().dir(),
                        {"--log-level", "debug", "--log-format", GetParam(),
                         "--metrics-bind-address", "127.0.0.1:" + std::to_string(metricsPort_)}});
    operator_->start();
    return *operator_;
  }

  static json secret(const std::string& name, json body) {
    body["apiVersion"] = "v1";
    body["kind"] = "Secret";
    body["metadata"] = {{"name", name}};
    return body;
  }

  static json secretEnv(const std::string& name, const std::string& secret,
                        const std::string& key) {
    return {{"name", name}, {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", key}}}}}};
  }

  int metricsPort_ = 0;
};

TEST_P(SecretHygieneTest, NoSecretValueReachesLogsEventsStatusMetricsOrRequests) {
  const std::string databaseUrl = randomToken();  // web-db DATABASE_URL, in data
  const std::string apiToken = randomToken();     // web-env API_TOKEN, in stringData
  const std::string inlineKey = randomToken();    // a literal PAYMENT_API_KEY in a Deployment
  const std::string newDatabaseUrl = randomToken();
  const std::string password = randomToken();
  const std::string newApiToken = randomToken();
  LeakScanner scanner;
  scanner.watch("web-db DATABASE_URL", databaseUrl);
  scanner.watch("web-env API_TOKEN", apiToken);
  scanner.watch("inline PAYMENT_API_KEY", inlineKey);
  scanner.watch("web-db DATABASE_URL (changed)", newDatabaseUrl);
  scanner.watch("web-db PASSWORD", password);
  scanner.watch("web-env API_TOKEN (changed)", newApiToken);

  // "web" reads web-db by secretKeyRef (PASSWORD not there yet) and web-env by envFrom.
  json web = deploymentManifest("web", kGoodImage);
  json& container = web["spec"]["template"]["spec"]["containers"][0];
  container["env"] = {secretEnv("DATABASE_URL", "web-db", "DATABASE_URL"),
                      secretEnv("DB_PASSWORD", "web-db", "PASSWORD")};
  container["envFrom"] = {{{"secretRef", {{"name", "web-env"}}}}};
  cluster().apply(web);
  json inlined = deploymentManifest("inline", kGoodImage);
  inlined["spec"]["template"]["spec"]["containers"][0]["env"] = {
      {{"name", "PAYMENT_API_KEY"}, {"value", inlineKey}}};
  cluster().apply(inlined);
  cluster().apply(secret("web-db", {{"data", {{"DATABASE_URL", base64(databaseUrl)}}}}));
  cluster().apply(secret("web-env", {{"stringData", {{"API_TOKEN", apiToken}}}}));

  cluster().apply(gateManifest(
      "web", "web",
      {{"interval", "1s"},
       {"checks",
        {{{"name", "secrets"},
          {"secrets",
           {{"required", {{{"name", "web-db"}, {"keys", {"DATABASE_URL", "PASSWORD"}}}}},
            {"referenced", true}}}},
         {{"name", "env"},
          {"env",
           {{"required", {"DATABASE_URL", "DB_PASSWORD", "API_TOKEN"}},
            {"rejectLiteralSecrets", true}}}}}}}));
  // The inline value is compared too: neither finding may echo it.
  cluster().apply(gateManifest("inline", "inline",
                               {{"interval", "1s"},
                                {"checks",
                                 {{{"name", "env"},
                                   {"env",
                                    {{"equals", {{"PAYMENT_API_KEY", "not-the-value"}}},
                                     {"rejectLiteralSecrets", true}}}}}}}));
  startOperatorWithMetrics();

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 10s, "failed"));
  EXPECT_THAT(gateCheck(gate("web"), "secrets").value("message", ""),
              ::testing::HasSubstr("missing key PASSWORD"));
  EXPECT_TRUE(checkIs(gate("web"), "env", "Passed")) << gateCheck(gate("web"), "env").dump();
  ASSERT_TRUE(waitForGate(
      "inline", [](const json& g) { return checkIs(g, "env", "Failed"); }, 10s, "failed env"));
  const std::string inlineMessage = gateCheck(gate("inline"), "env").value("message", "");
  EXPECT_THAT(inlineMessage, ::testing::HasSubstr("PAYMENT_API_KEY is set inline"));
  EXPECT_THAT(inlineMessage, ::testing::HasSubstr("does not have the expected value"));
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "inline", "CheckFailed").empty(); }, 5s));

  // The missing key arrives and both Secrets' values change.
  cluster().api().mutate("v1", "Secret", cluster().ns(), "web-db", [&](json& s) {
    s["data"] = {{"DATABASE_URL", base64(newDatabaseUrl)}, {"PASSWORD", base64(password)}};
  });
  cluster().api().mutate("v1", "Secret", cluster().ns(), "web-env",
                         [&](json& s) { s["stringData"]["API_TOKEN"] = newApiToken; });
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 10s, "passed"));
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "CheckRecovered").empty(); }, 5s));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));  // more debug lines about the changed Secrets

  const HttpReply metrics =
      httpGet("http://127.0.0.1:" + std::to_string(metricsPort_) + "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  ASSERT_THAT(metrics.body, ::testing::HasSubstr("readinessgate_check_result{"));
  ASSERT_EQ(operator_->stop(), 0);  // a clean stop flushes the log

  // The searched forms match how the values are stored, so a copy would be found.
  const auto stored = [&](const std::string& kind, const std::string& name) {
    return cluster()
        .api()
        .get(kind == "Secret" ? "v1" : "apps/v1", kind, cluster().ns(), name)
        ->dump();
  };
  EXPECT_EQ(scanner.scan("Secret web-db", stored("Secret", "web-db")).size(), 2u);
  EXPECT_EQ(scanner.scan("Secret web-env", stored("Secret", "web-env")).size(), 1u);
  EXPECT_EQ(scanner.scan("Deployment inline", stored("Deployment", "inline")).size(), 1u);

  std::vector<std::string> leaks;
  const auto check = [&](const std::string& where, const std::string& text) {
    auto found = scanner.scan(where, text);
    leaks.insert(leaks.end(), found.begin(), found.end());
  };
  std::string logs;
  for (const auto& entry : std::filesystem::directory_iterator(cluster().dir()))
    if (entry.path().filename().string().starts_with("operator-")) logs += readFile(entry.path());
  EXPECT_THAT(logs, ::testing::HasSubstr("reconciled in"));  // debug lines were written
  check("the operator log", logs);

  const auto events = cluster().api().list("v1", "Event");
  EXPECT_GE(events.size(), 3u);  // CheckFailed on both gates, CheckRecovered on web
  for (const auto& event : events)
    check("Event " + event["metadata"].value("name", ""), event.dump());
  for (const auto& g : cluster().api().list(kGateApiVersion, "ReadinessGate"))
    check("ReadinessGate " + g["metadata"].value("name", ""), g.dump());
  check("/metrics", metrics.body);

  size_t statusWrites = 0;
  for (const auto& request : cluster().api().requests()) {
    if (request.resource == "readinessgates" && request.subresource == "status" &&
        !request.body.empty())
      ++statusWrites;
    check("request " + request.method + " " + request.path,
          request.path + "?" + request.query + "\n" + request.body);
  }
  EXPECT_GT(statusWrites, 0u);  // the operator's writes were recorded with their bodies
  EXPECT_THAT(leaks, ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(LogFormats, SecretHygieneTest, ::testing::Values("json", "text"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace rg::e2e
