# Work queue: deduplicating, delaying, rate-limited queue of object keys (client-go's workqueue).
find_package(Threads REQUIRED)
add_library(rg_workqueue STATIC
  kube/clock.cpp
  kube/rate_limiter.cpp
  kube/work_queue.cpp)
target_include_directories(rg_workqueue PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(rg_workqueue PUBLIC Threads::Threads)

# This file is included before the top level's include(GoogleTest), so it loads the module itself.
include(GoogleTest)
# Its tests live with the other Kubernetes-layer unit tests (tests/unit/kube), in a program of
# their own that the ThreadSanitizer job builds alone.
set(RG_WORKQUEUE_TEST_SOURCES
  ${CMAKE_SOURCE_DIR}/tests/unit/kube/work_queue_test.cpp
  ${CMAKE_SOURCE_DIR}/tests/unit/kube/work_queue_limits_test.cpp
  ${CMAKE_SOURCE_DIR}/tests/unit/kube/run_workers_test.cpp
  ${CMAKE_SOURCE_DIR}/tests/unit/kube/delay_heap_test.cpp
  ${CMAKE_SOURCE_DIR}/tests/unit/kube/rate_limiter_test.cpp)
add_executable(workqueue_tests ${RG_WORKQUEUE_TEST_SOURCES})
target_link_libraries(workqueue_tests PRIVATE rg_workqueue GTest::gtest_main)
gtest_discover_tests(workqueue_tests
  DISCOVERY_TIMEOUT 60
  TEST_LIST RG_WORKQUEUE_TESTS
  PROPERTIES LABELS unit)
# CMake 3.25's discovery script re-splits list-valued PROPERTIES (LABELS "unit;concurrency" ends up
# as LABELS unit plus a stray "concurrency" argument), so both labels are set by a file that ctest
# reads after the discovered tests.
set(RG_WORKQUEUE_LABELS_FILE ${CMAKE_CURRENT_BINARY_DIR}/workqueue_tests_labels.cmake)
file(WRITE ${RG_WORKQUEUE_LABELS_FILE}
  "if(DEFINED RG_WORKQUEUE_TESTS)\n"
  "  set_tests_properties(\${RG_WORKQUEUE_TESTS} PROPERTIES LABELS \"unit;concurrency\")\n"
  "endif()\n")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${RG_WORKQUEUE_LABELS_FILE})
