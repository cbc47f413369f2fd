# Unit tests: pure logic, no network (rg_operator for the `run` flags).
file(GLOB_RECURSE RG_UNIT_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/*.cpp)
list(REMOVE_ITEM RG_UNIT_TEST_SOURCES ${RG_WORKQUEUE_TEST_SOURCES})  # workqueue_tests has them
add_executable(unit_tests ${RG_UNIT_TEST_SOURCES})
target_link_libraries(unit_tests PRIVATE rg_cli rg_operator rg_cache_transforms GTest::gtest_main
                      GTest::gmock)
target_compile_definitions(unit_tests PRIVATE RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
gtest_discover_tests(unit_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
