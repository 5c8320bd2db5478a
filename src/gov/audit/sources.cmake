# The audit log (docs/audit.md); included by src/gov/CMakeLists.txt.
target_sources(ward_gov PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/audit_log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/query.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rows.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signing_key.cpp
  ${CMAKE_CURRENT_LIST_DIR}/syslog_sender.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verify.cpp
)
