# The tokenizers' tests (suite names start with InferTokenizer: ctest -R InferTokenizer); included
# by tests/infer/CMakeLists.txt. data/ holds the Unicode stress text (tools/unicode/
# gen_stress_text.py); oracle/ the script that printed llama.cpp's ids for the corpus test.
ward_test(infer_tokenizer_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/fixture_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pre_tokenizer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tokenizer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unicode_test.cpp
  LIBS ward_infer)
target_compile_definitions(infer_tokenizer_test PRIVATE
  WARD_TOKENIZER_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
