# OpenID Connect sign-in: unit tests, the libcurl client against a local server, and the
# end-to-end test against a real OpenID provider (oidc-provider from npm, see provider.mjs).
ward_test(gov_oidc_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/e2e_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_client_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/id_token_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/jose_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/oidc_test_util.cpp
    ${CMAKE_CURRENT_LIST_DIR}/relying_party_test.cpp
  LIBS ward_gov)
find_package(CURL REQUIRED)
target_link_libraries(gov_oidc_test PRIVATE CURL::libcurl PkgConfig::HTTPLIB)
target_compile_definitions(gov_oidc_test PRIVATE
  WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
