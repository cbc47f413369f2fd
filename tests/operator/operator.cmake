# Operator metrics, health endpoints, logs and process settings: unit tests of the registry,
# the exposition, the metric feeds, the malloc arena limit and the HTTP pool's size; wire tests
# that run the readiness-gate binary against the test API server, and of the operator's cluster cache.
set(RG_OPERATOR_TEST_DIR ${CMAKE_SOURCE_DIR}/tests/operator)

add_executable(operator_unit_tests
  ${RG_OPERATOR_TEST_DIR}/http_threads_test.cpp
  ${RG_OPERATOR_TEST_DIR}/malloc_arenas_test.cpp
  ${RG_OPERATOR_TEST_DIR}/metric_registry_test.cpp
  ${RG_OPERATOR_TEST_DIR}/operator_metrics_test.cpp
  ${RG_OPERATOR_TEST_DIR}/process_metrics_test.cpp
  ${RG_OPERATOR_TEST_DIR}/work_queue_observer_test.cpp)
target_include_directories(operator_unit_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(operator_unit_tests PRIVATE rg_operator GTest::gtest_main)
gtest_discover_tests(operator_unit_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit TIMEOUT 60)

if(NOT TARGET rg_test_apiserver OR NOT TARGET rg_test_http_client OR NOT TARGET rg_test_loopback)
  message(WARNING "operator_wire_tests need the test API server, HTTP client and loopback servers")
  return()
endif()
add_executable(operator_wire_tests
  ${RG_OPERATOR_TEST_DIR}/cluster_cache_test.cpp
  ${RG_OPERATOR_TEST_DIR}/endpoint_server_test.cpp
  ${RG_OPERATOR_TEST_DIR}/gzip_page_test.cpp
  ${RG_OPERATOR_TEST_DIR}/operator_endpoints_test.cpp
  ${RG_OPERATOR_TEST_DIR}/operator_run.cpp
  ${RG_OPERATOR_TEST_DIR}/rest_client_cancel_test.cpp)
target_include_directories(operator_wire_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(operator_wire_tests PRIVATE
  rg_operator rg_test_apiserver rg_test_http_client rg_test_loopback GTest::gtest_main GTest::gmock)
# The tests run the binary: build it first.
add_dependencies(operator_wire_tests readiness-gate)
target_compile_definitions(operator_wire_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_OPERATOR_BINARY="$<TARGET_FILE:readiness-gate>")
gtest_discover_tests(operator_wire_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS wire TIMEOUT 120)
