# The GGUF reader and writer (docs/engine.md); included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/gguf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/writer.cpp
)
