# Pure Kubernetes value types: quantities, durations, field accessors and typed object views.
include(${CMAKE_CURRENT_LIST_DIR}/core_sources.cmake)
add_library(rg_kube_core STATIC ${RG_KUBE_CORE_SOURCES})
target_include_directories(rg_kube_core PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_kube_core PUBLIC nlohmann_json::nlohmann_json)
