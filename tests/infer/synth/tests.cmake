# Synthetic models' tests (suites InferSynth*: ctest -R InferSynth); included by
# tests/infer/CMakeLists.txt. The llama.cpp tests run node-llama-cpp through
# tests/infer/oracle/llama_cpp.mjs from the source directory, where node_modules/ is.
ward_test(infer_synth_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/synth_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/llama_cpp_test.cpp
  LIBS ward_infer)
target_compile_definitions(infer_synth_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# `ward model synth` end to end; a separate executable because it needs the `ward` binary, which
# links every module.
ward_test(infer_synth_cli_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/synth_cli_test.cpp LIBS ward_infer)
add_dependencies(infer_synth_cli_test ward)
