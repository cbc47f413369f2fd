# The readiness-gate binary; its commands live in rg_cli so tests can call them.
file(GLOB RG_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/operator/cli/*.cpp)
add_library(rg_cli STATIC ${RG_CLI_SOURCES})
target_link_libraries(rg_cli PUBLIC rg_engine)
add_executable(readiness-gate operator/main.cpp)
target_link_libraries(readiness-gate PRIVATE rg_cli)
install(TARGETS readiness-gate RUNTIME DESTINATION bin)
