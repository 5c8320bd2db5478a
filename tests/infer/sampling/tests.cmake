# The sampler's, stop matcher's and limits' tests (suite names start with InferSampling:
# ctest -R InferSampling); included by tests/infer/CMakeLists.txt.
ward_test(infer_sampling_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/sampler_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stop_test.cpp
  LIBS ward_infer)
