target_sources(ward_gov PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/conversations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/quota.cpp
  ${CMAKE_CURRENT_LIST_DIR}/residency.cpp
  ${CMAKE_CURRENT_LIST_DIR}/retention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tiers.cpp
)
