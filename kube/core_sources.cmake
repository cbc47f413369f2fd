# The sources of rg_kube_core (core.cmake). The fuzz build (fuzz/CMakeLists.txt) compiles them
# too and has a root of its own, so the paths are relative to this file.
set(RG_KUBE_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quantity.cpp
  ${CMAKE_CURRENT_LIST_DIR}/duration.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_fields.cpp
  ${CMAKE_CURRENT_LIST_DIR}/object_views.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pod_template_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_volume_views.cpp)
