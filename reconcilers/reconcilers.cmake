# The check engine: gate spec parsing/validation, static checks, offline check.
file(GLOB RG_CHECK_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/reconcilers/checks/*.cpp)
file(GLOB RG_OFFLINE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/reconcilers/offline/*.cpp)
file(GLOB RG_SPEC_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/reconcilers/spec/*.cpp
     ${CMAKE_SOURCE_DIR}/reconcilers/evaluation/*.cpp ${CMAKE_SOURCE_DIR}/reconcilers/status/*.cpp
     ${CMAKE_SOURCE_DIR}/reconcilers/gate_dependencies.cpp)
file(GLOB RG_ACTION_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/reconcilers/actions/*.cpp)
# Pure, and needed by the spec parser: in the engine, not in rg_providers (which links the engine).
set(RG_VARIABLE_SOURCES ${CMAKE_SOURCE_DIR}/reconcilers/providers/revision_variables.cpp)
add_library(rg_engine STATIC ${RG_SPEC_SOURCES} ${RG_CHECK_SOURCES} ${RG_OFFLINE_SOURCES}
            ${RG_ACTION_SOURCES} ${RG_VARIABLE_SOURCES})
target_include_directories(rg_engine PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_engine PUBLIC rg_kube_core nlohmann_json::nlohmann_json ${RG_YAML_TARGET}
                      PRIVATE OpenSSL::Crypto ZLIB::ZLIB)
