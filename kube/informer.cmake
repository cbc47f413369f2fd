# Informers (list/watch cache), leader election and the event recorder, and the background thread
# they run on, on top of the REST client and the work queue.
add_library(rg_informer STATIC
  kube/background_thread.cpp
  kube/informer.cpp
  kube/object_store.cpp
  kube/object_change.cpp
  kube/leader_election.cpp
  kube/event_recorder.cpp)
target_include_directories(rg_informer PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_informer PUBLIC rg_kube rg_kube_core rg_workqueue spdlog::spdlog)

# This file is included before the top level's include(GoogleTest), so it loads the module itself.
include(GoogleTest)
file(GLOB RG_INFORMER_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/informer/*_test.cpp)
set(RG_INFORMER_APISERVER_TEST_SOURCES ${RG_INFORMER_TEST_SOURCES})
list(FILTER RG_INFORMER_APISERVER_TEST_SOURCES INCLUDE REGEX "/apiserver_[^/]*_test\\.cpp$")
list(FILTER RG_INFORMER_TEST_SOURCES EXCLUDE REGEX "/apiserver_[^/]*_test\\.cpp$")
add_executable(informer_tests ${RG_INFORMER_TEST_SOURCES})
target_include_directories(informer_tests PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(informer_tests PRIVATE rg_informer GTest::gtest_main GTest::gmock)
gtest_discover_tests(informer_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS wire TIMEOUT 120)

# Wire tests (apiserver_*_test.cpp) run against the in-process test API server, whose library
# is defined by a fragment included after this one: they are added once the whole directory has
# been read, and left out while that library does not exist.
function(rg_informer_add_apiserver_tests)
  if(TARGET rg_test_apiserver AND RG_INFORMER_APISERVER_TEST_SOURCES)
    target_sources(informer_tests PRIVATE ${RG_INFORMER_APISERVER_TEST_SOURCES})
    target_link_libraries(informer_tests PRIVATE rg_test_apiserver)
  endif()
endfunction()
cmake_language(DEFER CALL rg_informer_add_apiserver_tests)
