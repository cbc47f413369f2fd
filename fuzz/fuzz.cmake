# The fuzz targets' entry points, built with the project's compiler and replayed by ctest over the
# seed corpus and past findings. The libFuzzer binaries are a separate clang project
# (fuzz/CMakeLists.txt, built and run by scripts/fuzz.sh).
file(GLOB RG_FUZZ_TARGET_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp)
add_library(rg_fuzz_targets STATIC ${RG_FUZZ_TARGET_SOURCES} ${CMAKE_SOURCE_DIR}/fuzz/fuzz_check.cpp)
target_include_directories(rg_fuzz_targets PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_fuzz_targets PUBLIC rg_engine rg_kube rg_providers nlohmann_json::nlohmann_json)

add_executable(fuzz_replay_tests ${CMAKE_SOURCE_DIR}/fuzz/replay_test.cpp)
target_link_libraries(fuzz_replay_tests PRIVATE rg_fuzz_targets GTest::gtest_main)
target_compile_definitions(fuzz_replay_tests PRIVATE RG_FUZZ_DIR="${CMAKE_SOURCE_DIR}/fuzz")
gtest_discover_tests(fuzz_replay_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit TIMEOUT 120)
