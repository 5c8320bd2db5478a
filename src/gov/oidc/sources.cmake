# OpenID Connect single sign-on (docs/sso.md), part of ward_gov.
set(WARD_GOV_OIDC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/base64url.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/id_token.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jose.cpp
  ${CMAKE_CURRENT_LIST_DIR}/login_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/relying_party.cpp
)
target_sources(ward_gov PRIVATE ${WARD_GOV_OIDC_SOURCES})
# Like ward_crypto: OpenSSL's deprecated low-level APIs stay out of this code.
set_source_files_properties(${WARD_GOV_OIDC_SOURCES} PROPERTIES
  COMPILE_DEFINITIONS "OPENSSL_API_COMPAT=30000;OPENSSL_NO_DEPRECATED")

find_package(CURL REQUIRED)
target_link_libraries(ward_gov PRIVATE CURL::libcurl)
