# The readiness-gate binary. `check` (rg_cli) needs only the check engine; `run` (rg_operator)
# brings the Kubernetes client, informers, providers and the reconciler.
add_library(rg_cli STATIC operator/cli/check_command.cpp)
target_link_libraries(rg_cli PUBLIC rg_engine)

# What the cluster cache keeps of each kind: pure, so the unit tests check it against the checks.
add_library(rg_cache_transforms STATIC operator/cache_transforms.cpp)
target_link_libraries(rg_cache_transforms PUBLIC rg_engine)

add_library(rg_operator STATIC
  operator/cli/run_command.cpp
  operator/cluster_cache.cpp
  operator/endpoint_server.cpp
  operator/http_threads.cpp
  operator/logging.cpp
  operator/malloc_arenas.cpp
  operator/manager.cpp
  operator/metrics/gzip_page.cpp
  operator/metrics/metric_registry.cpp
  operator/metrics/metrics_page.cpp
  operator/metrics/operator_metrics.cpp
  operator/metrics/process_metrics.cpp
  operator/rest_gate_writer.cpp)
target_link_libraries(rg_operator PUBLIC rg_reconciler rg_cache_transforms rg_informer
                      cpprestsdk::cpprest spdlog::spdlog)

add_executable(readiness-gate operator/main.cpp)
target_link_libraries(readiness-gate PRIVATE rg_cli rg_operator)
install(TARGETS readiness-gate RUNTIME DESTINATION bin)
