# The engine's thread pool (docs/engine.md); included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE ${CMAKE_CURRENT_LIST_DIR}/thread_pool.cpp)
target_link_libraries(ward_infer PUBLIC Threads::Threads)
