# Sampling, stop strings and generation limits (docs/engine.md); included by
# src/infer/CMakeLists.txt. The sampler promises the same token on every platform for a seed, so
# its arithmetic is compiled without floating-point contraction (no fused multiply-add). Its loops
# over the vocabulary are vectorised with GCC's dynamic cost model (-O2 alone vectorises only loops
# of a known trip count) and -fno-trapping-math (so that the branch-free exp is if-converted); neither
# changes a result, as no operation is reassociated or approximated.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/random.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stop.cpp
)
# (Clang, used for the fuzz builds, has no such option; it needs only the first.)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(ward_sampler_options "-ffp-contract=off;-fvect-cost-model=dynamic;-fno-trapping-math")
else()
  set(ward_sampler_options "-ffp-contract=off")
endif()
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/sampler.cpp
  PROPERTIES COMPILE_OPTIONS "${ward_sampler_options}")
