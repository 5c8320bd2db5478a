# The model graph (docs/engine.md): hyperparameters, weights, KV cache, forward pass, session,
# generation and scoring.
# Included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/forced_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/forward.cpp
  ${CMAKE_CURRENT_LIST_DIR}/generate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hparams.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kv_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/line_search.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/weights.cpp
)
