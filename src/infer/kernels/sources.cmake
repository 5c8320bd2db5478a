# The numeric kernels (docs/engine.md); included by src/infer/CMakeLists.txt. Each instruction-set
# family is its own translation unit compiled with that family's flags; kernels.cpp calls one only
# after core::cpu_features() says the CPU has them. Nothing else may be compiled with these flags.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/half.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kernels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/quantize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reference.cpp
)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_sources(ward_infer PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/avx2.cpp
    ${CMAKE_CURRENT_LIST_DIR}/avx512.cpp
    ${CMAKE_CURRENT_LIST_DIR}/avx512_vnni.cpp
  )
  set(_ward_avx2_flags "-mavx2;-mfma;-mf16c")
  set(_ward_avx512_flags "${_ward_avx2_flags};-mavx512f;-mavx512bw;-mavx512vl")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/avx2.cpp
    PROPERTIES COMPILE_OPTIONS "${_ward_avx2_flags}")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/avx512.cpp
    PROPERTIES COMPILE_OPTIONS "${_ward_avx512_flags}")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/avx512_vnni.cpp
    PROPERTIES COMPILE_OPTIONS "${_ward_avx512_flags};-mavx512vnni")
else()
  target_sources(ward_infer PRIVATE ${CMAKE_CURRENT_LIST_DIR}/no_simd.cpp)
endif()
