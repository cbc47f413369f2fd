# In-process Kubernetes API server for wire and e2e tests, its tests, and the kubectl test.
set(RG_SUPPORT_DIR ${CMAKE_SOURCE_DIR}/tests/support)

add_library(rg_test_apiserver STATIC
  ${RG_SUPPORT_DIR}/api_errors.cpp
  ${RG_SUPPORT_DIR}/api_server.cpp
  ${RG_SUPPORT_DIR}/cluster_state.cpp
  ${RG_SUPPORT_DIR}/deployment_conditions.cpp
  ${RG_SUPPORT_DIR}/deployment_controller.cpp
  ${RG_SUPPORT_DIR}/discovery.cpp
  ${RG_SUPPORT_DIR}/fault_injector.cpp
  ${RG_SUPPORT_DIR}/hook_dispatcher.cpp
  ${RG_SUPPORT_DIR}/k8s_util.cpp
  ${RG_SUPPORT_DIR}/kubeconfig.cpp
  ${RG_SUPPORT_DIR}/label_selector.cpp
  ${RG_SUPPORT_DIR}/object_store.cpp
  ${RG_SUPPORT_DIR}/patches.cpp
  ${RG_SUPPORT_DIR}/pod_lifecycle.cpp
  ${RG_SUPPORT_DIR}/request_path.cpp
  ${RG_SUPPORT_DIR}/resource_registry.cpp
  ${RG_SUPPORT_DIR}/resource_strategy.cpp
  ${RG_SUPPORT_DIR}/rolling_update.cpp
  ${RG_SUPPORT_DIR}/rest_handler.cpp
  ${RG_SUPPORT_DIR}/strategic_merge_patch.cpp
  ${RG_SUPPORT_DIR}/subprocess.cpp
  ${RG_SUPPORT_DIR}/table_printer.cpp
  ${RG_SUPPORT_DIR}/test_certs.cpp
  ${RG_SUPPORT_DIR}/watch_hub.cpp
  ${RG_SUPPORT_DIR}/watch_registry.cpp
  ${RG_SUPPORT_DIR}/yaml_json.cpp)
target_include_directories(rg_test_apiserver PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_test_apiserver PUBLIC
  cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto nlohmann_json::nlohmann_json ${RG_YAML_TARGET})

# A test HTTP client (cpprestsdk kept in one translation unit).
add_library(rg_test_http_client STATIC ${RG_SUPPORT_DIR}/tests/http_client.cpp)
target_include_directories(rg_test_http_client PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_test_http_client PUBLIC
  cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto nlohmann_json::nlohmann_json)

# Standalone server for manual use: prints its URL and writes a kubeconfig.
add_executable(test-apiserver ${RG_SUPPORT_DIR}/test_apiserver_main.cpp)
target_link_libraries(test-apiserver PRIVATE rg_test_apiserver)

file(GLOB RG_APISERVER_TEST_SOURCES CONFIGURE_DEPENDS ${RG_SUPPORT_DIR}/tests/*_test.cpp)
add_executable(apiserver_tests ${RG_APISERVER_TEST_SOURCES})
target_link_libraries(apiserver_tests PRIVATE
  rg_test_apiserver rg_test_http_client GTest::gtest_main GTest::gmock)
gtest_discover_tests(apiserver_tests DISCOVERY_TIMEOUT 60
  PROPERTIES LABELS wire TIMEOUT 120)

# The server checked with the real kubectl (fetched by scripts/fetch-tools.sh).
add_executable(kubectl_tests ${RG_SUPPORT_DIR}/kubectl_test.cpp)
target_link_libraries(kubectl_tests PRIVATE rg_test_apiserver GTest::gtest_main GTest::gmock)
target_compile_definitions(kubectl_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_DEFAULT_KUBECTL="${CMAKE_SOURCE_DIR}/.tools/bin/kubectl")
gtest_discover_tests(kubectl_tests DISCOVERY_TIMEOUT 60 TEST_LIST RG_KUBECTL_TESTS
  PROPERTIES TIMEOUT 180)
# Two labels: gtest_discover_tests flattens a list given in PROPERTIES, so they are set from
# an include file that runs after the discovered tests are defined.
file(WRITE ${CMAKE_BINARY_DIR}/kubectl_tests_labels.cmake
  "if(RG_KUBECTL_TESTS)\n  set_tests_properties(\${RG_KUBECTL_TESTS} PROPERTIES LABELS \"wire;kubectl\")\nendif()\n")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_BINARY_DIR}/kubectl_tests_labels.cmake)
