# Install path: the Helm chart (lint, renders, RBAC, security), manifests/install.yaml drift,
# the dogfood gate, and the Dockerfile's consistency with the build.
# helm comes from scripts/fetch-tools.sh (.tools/bin/helm); RG_HELM overrides it.
file(GLOB RG_INSTALL_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/install/*.cpp)
add_executable(install_tests ${RG_INSTALL_TEST_SOURCES} ${CMAKE_SOURCE_DIR}/tests/support/subprocess.cpp)
target_include_directories(install_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(install_tests PRIVATE rg_engine ${RG_YAML_TARGET} nlohmann_json::nlohmann_json
                      GTest::gtest_main GTest::gmock)
target_compile_definitions(install_tests PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_BINARY_DIR="${CMAKE_BINARY_DIR}"
  RG_DEFAULT_HELM="${CMAKE_SOURCE_DIR}/.tools/bin/helm"
  RG_OPERATOR_BINARY="$<TARGET_FILE:readiness-gate>")
# The dogfood and Dockerfile tests run the built binary.
add_dependencies(install_tests readiness-gate)
gtest_discover_tests(install_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS install TIMEOUT 120)
