# The GGUF reader's and writer's tests (suite names start with InferGguf: ctest -R InferGguf);
# included by tests/infer/CMakeLists.txt.
ward_test(infer_gguf_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/hostile_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/reader_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/writer_test.cpp
  LIBS ward_infer)
