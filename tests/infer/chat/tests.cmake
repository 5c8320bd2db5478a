# The chat prompt layouts' tests (suite InferChat); included by tests/infer/CMakeLists.txt. They
# compare with llama.cpp's tokenizer run live (tests/infer/fim/oracle/llama_cpp_tokenize.mjs).
ward_test(infer_chat_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/chat_test.cpp ${PROJECT_SOURCE_DIR}/tests/infer/fim/llama_cpp_oracle.cpp
  LIBS ward_infer)
target_compile_definitions(infer_chat_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
