# The audit log's tests (suite names contain "Audit": ctest -R Audit); included by tests/gov.
ward_test(gov_audit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/audit_log_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/event_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/export_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fault_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/query_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/signing_key_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/syslog_sender_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/syslog_test_server.cpp
    ${CMAKE_CURRENT_LIST_DIR}/verify_test.cpp
  LIBS ward_gov SQLite::SQLite3)
