#pragma once
// Shared fixture: a fresh API server per test and an HTTP client pointed at it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/api_server.hpp"
#include "tests/support/tests/http_client.hpp"

namespace rg::testing {

inline nlohmann::json makeDeployment(const std::string& name, const std::string& ns = "default",
                                     const std::string& image = "nginx:1.25") {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}}}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec",
               {{"containers",
                 {{{"name", "app"},
                   {"image", image},
                   {"ports", {{{"containerPort", 8080}}}},
                   {"env",
                    {{{"name", "A"}, {"value", "1"}}, {{"name", "B"}, {"value", "2"}}}}}}}}}}}}}};
}

inline nlohmann::json makeConfigMap(const std::string& name, const std::string& ns,
                                    const nlohmann::json& labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

inline nlohmann::json makeCrd() {
  return nlohmann::json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.dev"},
    "spec": {
      "group": "example.dev",
      "scope": "Namespaced",
      "names": {"kind": "Widget", "plural": "widgets", "singular": "widget",
                "shortNames": ["wd"], "listKind": "WidgetList"},
      "versions": [{
        "name": "v1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object",
                   "x-kubernetes-preserve-unknown-fields": true}},
        "additionalPrinterColumns": [
          {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
          {"name": "Ready", "type": "string",
           "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
          {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
      }]
    }
  })");
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>(options());
    client_ = std::make_unique<HttpClient>(server_->url());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }
  virtual ApiServerOptions options() { return {}; }

  ApiServer& server() { return *server_; }
  HttpClient& client() { return *client_; }

  static constexpr const char* kDeployments = "/apis/apps/v1/namespaces/default/deployments";

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace rg::testing
