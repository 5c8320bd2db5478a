# The FIM prompt builder's tests (suite names start with InferFim: ctest -R InferFim); included by
# tests/infer/CMakeLists.txt. They compare with llama.cpp (node-llama-cpp 3.21.1 from the
# repository's node_modules), run live through oracle/llama_cpp_tokenize.mjs.
ward_test(infer_fim_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fim_test.cpp ${CMAKE_CURRENT_LIST_DIR}/llama_cpp_oracle.cpp
  LIBS ward_infer)
target_compile_definitions(infer_fim_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# `ward model tokenize` end to end (suite InferTokenizeCli): the real binary against llama.cpp's
# ids; a separate executable because it needs `ward`, which links every module.
ward_test(infer_tokenize_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tokenize_cli_test.cpp ${CMAKE_CURRENT_LIST_DIR}/llama_cpp_oracle.cpp
  LIBS ward_core)
target_compile_definitions(infer_tokenize_cli_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(infer_tokenize_cli_test ward)
