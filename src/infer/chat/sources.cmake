# Chat prompt layouts (docs/engine.md); included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/chat.cpp
)
