# Runtime checks (http, prometheus): the Provider interface, its cpprestsdk implementation
# (http_provider.cpp is the only file that includes cpprestsdk), and the pure evaluation.
file(GLOB RG_PROVIDER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/reconcilers/providers/*.cpp)
# revision_variables.cpp is part of rg_engine (the spec parser uses it).
list(FILTER RG_PROVIDER_SOURCES EXCLUDE REGEX "/revision_variables\\.cpp$")
add_library(rg_providers STATIC ${RG_PROVIDER_SOURCES})
# Boost.Asio's scheduler uses std::atomic_thread_fence, which GCC warns about (-Wtsan, an error
# with -Werror) when built with ThreadSanitizer; the fence is Boost's, not ours.
set_source_files_properties(${CMAKE_SOURCE_DIR}/reconcilers/providers/http_fetcher.cpp
  PROPERTIES COMPILE_OPTIONS "-Wno-tsan")
target_include_directories(rg_providers PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_providers
  PUBLIC rg_engine
  PRIVATE cpprestsdk::cpprest OpenSSL::SSL spdlog::spdlog nlohmann_json::nlohmann_json)

# Included before the top level's include(GoogleTest), so the module is loaded here.
include(GoogleTest)
file(GLOB RG_PROVIDER_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/providers/*_test.cpp)
# Loopback HTTP(S) servers, also used by the benchmark.
add_library(rg_test_loopback STATIC
  ${CMAKE_SOURCE_DIR}/tests/providers/loopback.cpp
  ${CMAKE_SOURCE_DIR}/tests/providers/tls_certs.cpp)
target_include_directories(rg_test_loopback PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_test_loopback PUBLIC cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto)
add_executable(providers_tests ${RG_PROVIDER_TEST_SOURCES})
target_include_directories(providers_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(providers_tests PRIVATE
  rg_providers rg_test_loopback cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto spdlog::spdlog
  GTest::gtest_main GTest::gmock)
target_compile_definitions(providers_tests PRIVATE RG_PROMETHEUS_BINARY="/usr/bin/prometheus")
# One ctest entry per test, except the live Prometheus suite: it shares one Prometheus server
# (about 7 s to its first scrape), so it runs as a single entry in a single process.
gtest_discover_tests(providers_tests
  DISCOVERY_TIMEOUT 60
  TEST_FILTER "-PrometheusLive.*"
  PROPERTIES LABELS wire TIMEOUT 120)
add_test(NAME providers_tests.PrometheusLive
  COMMAND providers_tests --gtest_filter=PrometheusLive.*)
set_tests_properties(providers_tests.PrometheusLive PROPERTIES LABELS wire TIMEOUT 300)
