# The kernels' tests (suite names start with InferKernels: ctest -R InferKernels); included by
# tests/infer/CMakeLists.txt.
ward_test(infer_kernels_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/attention_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dequantize_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/family_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/half_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/matmul_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/quantize_test.cpp
  LIBS ward_infer)
