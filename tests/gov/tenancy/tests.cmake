ward_test(gov_tenancy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/quota_test.cpp ${CMAKE_CURRENT_LIST_DIR}/residency_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/retention_test.cpp ${CMAKE_CURRENT_LIST_DIR}/conversations_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tiers_test.cpp
  LIBS ward_gov)
