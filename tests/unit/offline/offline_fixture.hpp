#pragma once
// Temporary folders of manifests for offline check tests.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace rg::offline::testing {

class ManifestDir {
 public:
  ManifestDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("rg-offline-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ManifestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ManifestDir(const ManifestDir&) = delete;
  ManifestDir& operator=(const ManifestDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline constexpr const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: api
        image: registry.local/api:1.4.2
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
        livenessProbe: {httpGet: {path: /health, port: 8080}}
        resources:
          requests: {cpu: 500m, memory: 512Mi}
          limits: {cpu: "1", memory: 1Gi}
        env:
        - {name: NODE_ENV, value: production}
        - name: DATABASE_URL
          valueFrom: {secretKeyRef: {name: api-db, key: DATABASE_URL}}
)";

inline constexpr const char* kSecret = R"(apiVersion: v1
kind: Secret
metadata: {name: api-db, namespace: shop}
stringData: {DATABASE_URL: "postgres://placeholder"}
)";

inline constexpr const char* kGate = R"(apiVersion: gates.readiness.dev/v1alpha1
kind: ReadinessGate
metadata: {name: api, namespace: shop}
spec:
  targetRef: {name: api}
  checks:
  - {name: probes, probes: {}}
  - name: resources
    resources: {cpu: {min: 500m, max: "1"}, memory: {min: 512Mi, max: 1Gi}}
  - name: secrets
    secrets: {required: [{name: api-db, keys: [DATABASE_URL]}]}
  - {name: env, env: {equals: {NODE_ENV: production}}}
  - {name: replicas, replicas: {min: 2}}
  - {name: health, http: {url: "http://api.shop.svc:8080/health"}}
)";

}  // namespace rg::offline::testing
