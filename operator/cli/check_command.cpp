#include "operator/cli/check_command.hpp"

#include "reconcilers/offline/offline_check.hpp"
#include "reconcilers/offline/report_format.hpp"

namespace rg::cli {

const char* const kCheckUsage = R"(Usage: readiness-gate check -f PATH [-f PATH...] [flags]

Evaluates the static checks of every ReadinessGate found in PATH against its
target Deployment and the Secrets and ConfigMaps found in the same inputs, and
prints a readiness checklist per gate. For CI pipelines: no cluster needed.

PATH is a file or a folder (searched recursively for *.yaml, *.yml, *.json).
YAML files may hold many documents separated by '---'; `kind: List` is expanded.
Runtime checks (http, prometheus) are reported as skipped.

Flags:
  -f, --filename PATH    file or folder to read (repeatable; bare arguments work too)
  -n, --namespace NS     namespace of objects that name none (default "default")
  -o, --output FORMAT    text (default) or json
  -h, --help             show this help

Exit status:
  0  every Critical check of every gate passes (Warning checks never fail the run)
  1  at least one Critical check fails
  2  unusable input: unreadable file, malformed document (file and document
     are named), invalid gate spec (the field is named), a gate whose target
     Deployment is not among the inputs, or no ReadinessGate at all
)";

namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string ns = "default";
  std::string output = "text";
  bool help = false;
};

// Returns an error message, or empty when the arguments are usable.
std::string parseArgs(const std::vector<std::string>& args, CheckOptions& options) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const std::string& flag, std::string& target) -> std::string {
      auto eq = arg.find('=');
      if (arg.starts_with("--") && eq != std::string::npos) {
        target = arg.substr(eq + 1);
        return "";
      }
      if (i + 1 >= args.size()) return "flag " + flag + " needs a value";
      target = args[++i];
      return "";
    };
    std::string error;
    std::string path;
    if (arg == "-h" || arg == "--help") {
      options.help = true;
    } else if (arg == "-f" || arg == "--filename" || arg.starts_with("--filename=")) {
      error = value("--filename", path);
      if (error.empty()) options.paths.push_back(path);
    } else if (arg == "-n" || arg == "--namespace" || arg.starts_with("--namespace=")) {
      error = value("--namespace", options.ns);
    } else if (arg == "-o" || arg == "--output" || arg.starts_with("--output=")) {
      error = value("--output", options.output);
      if (error.empty() && options.output != "text" && options.output != "json")
        error = "--output must be text or json, got \"" + options.output + "\"";
    } else if (arg.starts_with("-") && arg != "-") {
      error = "unknown flag " + arg;
    } else {
      options.paths.push_back(arg);
    }
    if (!error.empty()) return error;
  }
  if (!options.help && options.paths.empty()) return "no input: give at least one -f PATH";
  return "";
}

}  // namespace

int runCheckCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CheckOptions options;
  if (auto error = parseArgs(args, options); !error.empty()) {
    err << "readiness-gate check: " << error << "\n\n" << kCheckUsage;
    return 2;
  }
  if (options.help) {
    out << kCheckUsage;
    return 0;
  }
  auto report = offline::checkPaths(options.paths, options.ns);
  if (options.output == "json") {
    out << offline::formatJson(report) << "\n";
  } else {
    err << offline::formatErrors(report);
    out << offline::formatText(report);
  }
  return report.exitCode();
}

}  // namespace rg::cli
