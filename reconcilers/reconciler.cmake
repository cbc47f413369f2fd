# The ReadinessGate reconciler: the gate domain (engine, runtime checks) on the Kubernetes
# library (REST client, object store, work queue, Events). The operator wires it to a cluster.
add_library(rg_reconciler STATIC ${CMAKE_SOURCE_DIR}/reconcilers/gate_reconciler.cpp)
target_include_directories(rg_reconciler PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_reconciler PUBLIC rg_engine rg_providers rg_kube rg_informer rg_workqueue
                      spdlog::spdlog)
