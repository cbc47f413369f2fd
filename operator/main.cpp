// readiness-gate: production-readiness checks enforced on Kubernetes rollouts.
#include <iostream>
#include <string>
#include <vector>

#include "operator/cli/check_command.hpp"
#include "operator/cli/run_command.hpp"

namespace {

constexpr const char* kUsage =
    R"(readiness-gate — production-readiness checks for Kubernetes Deployments

Usage:
  readiness-gate run [flags]        run the operator against a cluster
  readiness-gate check -f PATH...   evaluate ReadinessGates against manifests offline (CI)
  readiness-gate version            print the version
  readiness-gate help               show this help

Run `readiness-gate <command> --help` for a command's flags.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "check") return rg::cli::runCheckCommand(rest, std::cout, std::cerr);
  if (command == "run") return rg::cli::runRunCommand(rest, std::cout, std::cerr);
  if (command == "version" || command == "--version") {
    std::cout << "readiness-gate " << RG_VERSION << "\n";
    return 0;
  }
  std::cerr << "readiness-gate: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
