# The GGUF reader's and writer's tests (suite names start with InferGguf: ctest -R InferGguf);
# included by tests/infer/CMakeLists.txt. The fuzz entry point is compiled in to replay the
# committed fuzz corpus.
ward_test(infer_gguf_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hostile_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/reader_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/writer_test.cpp
    ${PROJECT_SOURCE_DIR}/fuzz/gguf_fuzz.cpp
  LIBS ward_infer)
target_compile_definitions(infer_gguf_test PRIVATE
  WARD_GGUF_CORPUS_DIR="${PROJECT_SOURCE_DIR}/fuzz/corpus/gguf")

# `ward model inspect` end to end; a separate executable because it needs the `ward` binary, which
# links every module.
ward_test(infer_gguf_cli_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/inspect_cli_test.cpp LIBS ward_core)
add_dependencies(infer_gguf_cli_test ward)
