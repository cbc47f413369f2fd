# Tests against a real control plane (etcd, kube-apiserver, kube-controller-manager 1.20.2 from
# scripts/fetch-control-plane.sh) with a stand-in kubelet. ctest label `control-plane`:
#   ctest -L control-plane --output-on-failure
set(RG_CP_DIR ${CMAKE_SOURCE_DIR}/tests/control_plane)

# Where the tests find the binaries (the script's cache folder unless overridden); a missing
# binary fails the tests with a hint to run the script.
if(DEFINED ENV{RG_CONTROL_PLANE_CACHE})
  set(RG_CONTROL_PLANE_DEFAULT "$ENV{RG_CONTROL_PLANE_CACHE}/v1.20.2")
else()
  set(RG_CONTROL_PLANE_DEFAULT "/var/cache/readiness-gate/control-plane/v1.20.2")
endif()
set(RG_CONTROL_PLANE_DIR "${RG_CONTROL_PLANE_DEFAULT}" CACHE PATH
  "Folder with etcd, kube-apiserver and kube-controller-manager for the control-plane tests")

add_library(rg_control_plane STATIC
  ${RG_CP_DIR}/control_plane.cpp
  ${RG_CP_DIR}/stand_in_kubelet.cpp
  ${RG_CP_DIR}/scenario_cluster.cpp
  ${RG_CP_DIR}/test_api_server_cluster.cpp
  ${RG_CP_DIR}/control_plane_cluster.cpp)
target_include_directories(rg_control_plane PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_control_plane PUBLIC rg_e2e_support rg_informer rg_kube
  OpenSSL::Crypto nlohmann_json::nlohmann_json)
target_compile_definitions(rg_control_plane PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_CONTROL_PLANE_DEFAULT_DIR="${RG_CONTROL_PLANE_DIR}")

# The fixture and the stand-in kubelet on their own.
add_executable(control_plane_tests
  ${RG_CP_DIR}/control_plane_test.cpp)
target_link_libraries(control_plane_tests PRIVATE rg_control_plane GTest::gtest_main GTest::gmock)
target_compile_definitions(control_plane_tests PRIVATE RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
# The control plane starts in 10-15 s (more with two tests in parallel on two cores).
gtest_discover_tests(control_plane_tests DISCOVERY_TIMEOUT 60
  PROPERTIES LABELS control-plane TIMEOUT 240
  ENVIRONMENT "RG_CONTROL_PLANE_DIR=${RG_CONTROL_PLANE_DIR}")

# The end-to-end scenarios written once against ScenarioCluster, instantiated on both back
# ends; discovery splits them by the name's suffix: /TestApiServer -> `e2e`,
# /ControlPlane -> `control-plane`.
add_executable(scenario_tests
  ${RG_CP_DIR}/evaluation_scenarios_test.cpp
  ${RG_CP_DIR}/action_scenarios_test.cpp
  ${RG_CP_DIR}/rollout_scenarios_test.cpp)
target_link_libraries(scenario_tests PRIVATE rg_control_plane GTest::gtest_main GTest::gmock)
add_dependencies(scenario_tests readiness-gate)
target_compile_definitions(scenario_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_OPERATOR_BINARY="$<TARGET_FILE:readiness-gate>"
  RG_PROMETHEUS_BINARY="/usr/bin/prometheus")
gtest_discover_tests(scenario_tests DISCOVERY_TIMEOUT 60 TEST_FILTER "*/TestApiServer"
  PROPERTIES LABELS e2e TIMEOUT 180)
gtest_discover_tests(scenario_tests DISCOVERY_TIMEOUT 60 TEST_FILTER "*/ControlPlane"
  PROPERTIES LABELS control-plane TIMEOUT 300
  ENVIRONMENT "RG_CONTROL_PLANE_DIR=${RG_CONTROL_PLANE_DIR}")
