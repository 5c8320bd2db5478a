# The GGUF reader and writer (docs/engine.md); included by src/infer/CMakeLists.txt.
set(ward_gguf_sources
  ${CMAKE_CURRENT_LIST_DIR}/gguf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/writer.cpp
)
target_sources(ward_infer PRIVATE ${ward_gguf_sources})
# fuzz/CMakeLists.txt compiles the same sources with coverage instrumentation.
set_property(GLOBAL PROPERTY WARD_GGUF_SOURCES ${ward_gguf_sources})
