# The policy engine's tests (docs/policies.md). Suites are named Policy* so `ctest -R Policy` runs them.
ward_test(gov_policy_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/authorizer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/catalogue_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/condition_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/evaluator_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pattern_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/values_test.cpp
  LIBS ward_gov)
target_compile_definitions(gov_policy_test PRIVATE WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
