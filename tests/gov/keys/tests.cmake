# The keyring and envelope encryption (src/gov/keys); every suite's name contains "Keys".
ward_test(gov_keys_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/envelope_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/keyring_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/master_key_test.cpp
  LIBS ward_gov)
