# The model graph's tests (suites InferModel*); included by tests/infer/CMakeLists.txt. The
# oracle tests run llama.cpp (node-llama-cpp, tests/infer/oracle/llama_cpp.mjs) as a subprocess
# from the source directory, where node_modules/ is.
ward_test(infer_model_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/generate_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/oracle.cpp
    ${CMAKE_CURRENT_LIST_DIR}/oracle_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/random_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/score_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/session_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/starter_model_test.cpp
  LIBS ward_infer ward_crypto)
target_compile_definitions(infer_model_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# `ward model generate` / `bench` / `perplexity` end to end; a separate executable because it
# needs the `ward` binary, which links every module.
ward_test(infer_model_cli_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/cli_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/oracle.cpp
    ${CMAKE_CURRENT_LIST_DIR}/perplexity_cli_test.cpp
  LIBS ward_infer)
target_compile_definitions(infer_model_cli_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(infer_model_cli_test ward)
