# The thread pool's tests (suites InferThreads*); included by tests/infer/CMakeLists.txt.
ward_test(infer_threads_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/thread_pool_test.cpp LIBS ward_infer)
