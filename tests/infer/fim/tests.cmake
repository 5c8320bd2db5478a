# The FIM prompt builder's tests (suite names start with InferFim: ctest -R InferFim); included by
# tests/infer/CMakeLists.txt. They compare with llama.cpp (node-llama-cpp 3.21.1 from the
# repository's node_modules), run live through oracle/llama_cpp_tokenize.mjs.
ward_test(infer_fim_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fim_test.cpp ${CMAKE_CURRENT_LIST_DIR}/llama_cpp_oracle.cpp
  LIBS ward_infer)
target_compile_definitions(infer_fim_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
