# gov/identity: tenants, users, groups, roles, passwords (Argon2id via libsodium), TOTP (liboath),
# API tokens, browser sessions. Included by src/gov/CMakeLists.txt.
target_sources(ward_gov PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/authenticator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/directory.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mfa.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/oidc_provisioner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/password.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rows.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sessions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokens.cpp
  ${CMAKE_CURRENT_LIST_DIR}/totp.cpp
)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(OATH REQUIRED IMPORTED_TARGET liboath)
target_link_libraries(ward_gov PRIVATE PkgConfig::SODIUM PkgConfig::OATH)
