// test-apiserver: runs the in-process test API server standalone for manual use with kubectl.
//   test-apiserver [--tls] [--client-cert] [--token T] [--port N] [--kubeconfig PATH]
//                  [--deployment-controller] [--apply FILE.yaml]...
// --deployment-controller simulates kube-controller-manager's deployment controller
// (ReplicaSets, Pods, revisions and status), so `readiness-gate run` can be tried against it.
// Prints the URL, writes a kubeconfig (default ./test-apiserver.kubeconfig) and serves until
// SIGINT/SIGTERM.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/api_errors.hpp"
#include "tests/support/api_server.hpp"
#include "tests/support/deployment_controller.hpp"
#include "tests/support/yaml_json.hpp"

namespace {

int usage() {
  std::cerr << "usage: test-apiserver [--tls] [--client-cert] [--token TOKEN] [--port N]\n"
               "                      [--kubeconfig PATH] [--deployment-controller]\n"
               "                      [--apply FILE.yaml]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  rg::testing::ApiServerOptions options;
  std::string kubeconfigPath = "test-apiserver.kubeconfig";
  std::vector<std::string> manifests;
  bool clientCertInKubeconfig = false;
  bool deploymentController = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--tls") {
      options.tls = true;
    } else if (arg == "--client-cert") {
      options.tls = true;
      options.requireClientCert = true;
      clientCertInKubeconfig = true;
    } else if (arg == "--token") {
      options.bearerToken = next();
    } else if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::stoi(next()));
    } else if (arg == "--kubeconfig") {
      kubeconfigPath = next();
    } else if (arg == "--deployment-controller") {
      deploymentController = true;
    } else if (arg == "--apply") {
      manifests.push_back(next());
    } else {
      return usage();
    }
  }

  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  rg::testing::ApiServer server(options);
  std::unique_ptr<rg::testing::DeploymentController> controller;
  if (deploymentController)
    controller = std::make_unique<rg::testing::DeploymentController>(server);
  for (const auto& path : manifests) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& doc : rg::testing::yamlDocumentsToJson(text.str())) {
      try {
        server.create(doc);
      } catch (const rg::testing::ApiError& e) {
        std::cerr << path << ": " << e.what() << "\n";
        return 1;
      }
    }
  }
  server.writeKubeconfig(kubeconfigPath, clientCertInKubeconfig);
  std::cout << server.url() << "\n"
            << "kubeconfig: " << kubeconfigPath << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  controller.reset();
  server.stop();
  return 0;
}
