# Pure Kubernetes value types: quantities, durations, field accessors and typed object views.
add_library(rg_kube_core STATIC
  operator/kube/quantity.cpp
  operator/kube/duration.cpp
  operator/kube/json_fields.cpp
  operator/kube/object_views.cpp)
target_include_directories(rg_kube_core PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_kube_core PUBLIC nlohmann_json::nlohmann_json)
