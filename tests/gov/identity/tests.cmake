# gov/identity tests; included by tests/gov/CMakeLists.txt. Every suite name contains "Identity"
# (ctest -R Identity).
ward_test(gov_identity_test SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/authenticator_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/directory_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mfa_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/oidc_provisioner_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/password_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sessions_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokens_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/totp_test.cpp
  LIBS ward_gov)
