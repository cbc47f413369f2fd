# Install (helm, install.yaml), leader election and control-plane faults against the real
# control plane; ctest label `control-plane`.
add_executable(control_plane_ops_tests
  ${CMAKE_SOURCE_DIR}/tests/control_plane/install_test.cpp
  ${CMAKE_SOURCE_DIR}/tests/control_plane/faults_test.cpp)
target_link_libraries(control_plane_ops_tests PRIVATE rg_control_plane GTest::gtest_main
  GTest::gmock)
add_dependencies(control_plane_ops_tests readiness-gate)
target_compile_definitions(control_plane_ops_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_OPERATOR_BINARY="$<TARGET_FILE:readiness-gate>")
gtest_discover_tests(control_plane_ops_tests DISCOVERY_TIMEOUT 60
  PROPERTIES LABELS control-plane TIMEOUT 300
  ENVIRONMENT "RG_CONTROL_PLANE_DIR=${RG_CONTROL_PLANE_DIR}")
