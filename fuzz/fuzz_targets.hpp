#pragma once
// Fuzz entry points. Each libFuzzer binary (fuzz/<name>_fuzzer.cpp built by fuzz/CMakeLists.txt
// with clang) calls one of them; fuzz_replay_tests (g++, ctest) feeds them every file of
// fuzz/corpus/<name>/ and fuzz/regressions/<name>/. A bug shows as a crash, a sanitizer report,
// an exception outside the function's contract, or a broken property reported by violated().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rg::fuzz {

void gateJson(std::string_view data);            // ReadinessGate JSON -> parseGate -> checks
void gateYaml(std::string_view data);            // manifests YAML -> the offline check + report
void quantity(std::string_view data);            // kube::Quantity::parse
void duration(std::string_view data);            // kube::Duration::parse / toString
void watchStream(std::string_view data);         // newline-delimited watch events
void kubeconfig(std::string_view data);          // kube::parseKubeConfig
void prometheusResponse(std::string_view data);  // Prometheus /api/v1/query answers

struct Target {
  const char* name;  // folder name under fuzz/corpus and fuzz/regressions
  void (*run)(std::string_view);
};

inline constexpr Target kTargets[] = {
    {"gate_json", gateJson},
    {"gate_yaml", gateYaml},
    {"quantity", quantity},
    {"duration", duration},
    {"watch_stream", watchStream},
    {"kubeconfig", kubeconfig},
    {"prometheus_response", prometheusResponse},
};

// Reports a broken property with the target's name and aborts, so that libFuzzer saves the
// input and a replay test fails.
[[noreturn]] void violated(const char* target, const std::string& what);

// Text that ends up in a JSON document (status conditions, `check -o json`) must be valid
// UTF-8: nlohmann::json::dump throws on anything else.
void requireJsonText(const char* target, const std::string& text);

}  // namespace rg::fuzz

// The libFuzzer entry point of the binary that fuzzes `fn` (fuzz/CMakeLists.txt defines
// RG_LIBFUZZER); nothing in the replay tests.
#ifdef RG_LIBFUZZER
#define RG_FUZZ_ENTRY(fn)                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    fn({reinterpret_cast<const char*>(data), size});                        \
    return 0;                                                               \
  }
#else
#define RG_FUZZ_ENTRY(fn)
#endif
