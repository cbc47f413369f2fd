# The operator benchmark: built with everything (so it keeps compiling), never run by ctest.
# Run it with: build/operator_bench [--gates 1000,10000] (see bench/README.md).
add_executable(operator_bench
  ${CMAKE_SOURCE_DIR}/bench/operator_bench.cpp
  ${CMAKE_SOURCE_DIR}/bench/bench_cluster.cpp
  ${CMAKE_SOURCE_DIR}/bench/process_stats.cpp)
target_include_directories(operator_bench PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(operator_bench PRIVATE rg_test_apiserver rg_test_http_client rg_test_loopback)
target_compile_definitions(operator_bench PRIVATE
  RG_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  RG_BINARY="$<TARGET_FILE:readiness-gate>")
add_dependencies(operator_bench readiness-gate)
