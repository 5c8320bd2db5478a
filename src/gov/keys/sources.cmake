# The keyring and envelope encryption (gov/keys); see docs/keys.md.
target_sources(ward_gov PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/envelope.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keyring.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keyring_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keyring_sealer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/master_key.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schema.cpp
)
