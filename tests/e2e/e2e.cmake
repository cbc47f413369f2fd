# End-to-end tests: the built readiness-gate binary against the in-process API server with the
# simulated deployment controller, a real Prometheus and a loopback application.
set(RG_E2E_DIR ${CMAKE_SOURCE_DIR}/tests/e2e)

# Reusable pieces (Prometheus, fake app, operator process, cluster, polling) for e2e, fault
# and benchmark tests.
add_library(rg_e2e_support STATIC
  ${RG_E2E_DIR}/support/child_process.cpp
  ${RG_E2E_DIR}/support/fake_app.cpp
  ${RG_E2E_DIR}/support/http_get.cpp
  ${RG_E2E_DIR}/support/operator_process.cpp
  ${RG_E2E_DIR}/support/prometheus_server.cpp
  ${RG_E2E_DIR}/support/test_cluster.cpp)
target_include_directories(rg_e2e_support PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_e2e_support PUBLIC rg_test_apiserver rg_test_loopback
  cpprestsdk::cpprest nlohmann_json::nlohmann_json)

file(GLOB RG_E2E_TEST_SOURCES CONFIGURE_DEPENDS ${RG_E2E_DIR}/*_test.cpp)
add_executable(e2e_tests ${RG_E2E_TEST_SOURCES})
target_link_libraries(e2e_tests PRIVATE rg_e2e_support GTest::gtest_main GTest::gmock)
# The binary is built before the tests that run it.
add_dependencies(e2e_tests readiness-gate)
target_compile_definitions(e2e_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_OPERATOR_BINARY="$<TARGET_FILE:readiness-gate>"
  RG_KUBECTL_BINARY="${CMAKE_SOURCE_DIR}/.tools/bin/kubectl"
  RG_PROMETHEUS_BINARY="/usr/bin/prometheus")
gtest_discover_tests(e2e_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS e2e TIMEOUT 180)
# example_triggers_test.cpp parses the example gates and evaluates their checks with the engine.
target_link_libraries(e2e_tests PRIVATE rg_providers)
