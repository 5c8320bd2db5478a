# The tokenizers' tests (suite names start with InferTokenizer: ctest -R InferTokenizer); included
# by tests/infer/CMakeLists.txt.
ward_test(infer_tokenizer_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/fixture_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pre_tokenizer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tokenizer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unicode_test.cpp
  LIBS ward_infer)
