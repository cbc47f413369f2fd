# Kubernetes API access over the network: kubeconfig / in-cluster configuration, exec
# credential plugins, the REST client and watch streams. cpprestsdk stays inside
# rest_client.cpp and cpprest_line_source.*; the public headers only need nlohmann_json.
add_library(rg_kube STATIC
  kube/api_error.cpp
  kube/cpprest_line_source.cpp
  kube/exec_credentials.cpp
  kube/in_cluster_config.cpp
  kube/kube_config.cpp
  kube/request_info.cpp
  kube/rest_client.cpp
  kube/watch_stream.cpp)
target_include_directories(rg_kube PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_kube
  PUBLIC nlohmann_json::nlohmann_json spdlog::spdlog
  PRIVATE cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto ${RG_YAML_TARGET})
if(RG_SANITIZE)
  # UBSan's vptr check misfires on cpprestsdk's stream templates (type info of the shared
  # library's classes is not unique across the boundary); everything else stays checked.
  target_compile_options(rg_kube PRIVATE -fno-sanitize=vptr)
endif()
