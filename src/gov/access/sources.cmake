# The access gate (gov/access/gate.h); included by src/gov/CMakeLists.txt.
target_sources(ward_gov PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/gate.cpp
)
