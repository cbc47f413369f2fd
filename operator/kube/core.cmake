# Pure Kubernetes value types: quantities and durations.
add_library(rg_kube_core STATIC
  operator/kube/quantity.cpp
  operator/kube/duration.cpp)
target_include_directories(rg_kube_core PUBLIC ${CMAKE_SOURCE_DIR})
