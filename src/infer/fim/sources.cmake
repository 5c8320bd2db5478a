# Fill-in-the-middle prompt construction (docs/engine.md); included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/fim.cpp
)
