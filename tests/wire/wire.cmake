# Wire tests: the Kubernetes client against real HTTP(S) servers on 127.0.0.1 — small scripted
# servers (fake_server) and the in-process test API server (tests/support).
if(NOT TARGET rg_test_apiserver)
  message(WARNING "client_tests needs rg_test_apiserver (tests/support/support.cmake); skipped")
  return()
endif()
file(GLOB RG_WIRE_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/wire/*_test.cpp)
add_executable(client_tests
  ${RG_WIRE_TEST_SOURCES}
  tests/wire/fake_server.cpp
  tests/wire/sanitizer_options.cpp
  tests/wire/test_tls.cpp)
target_include_directories(client_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(client_tests PRIVATE
  rg_kube rg_test_apiserver cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto
  GTest::gtest_main GTest::gmock)
if(RG_SANITIZE)
  target_compile_options(client_tests PRIVATE -fno-sanitize=vptr)  # see kube/client.cmake
endif()
gtest_discover_tests(client_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS wire TIMEOUT 120)
