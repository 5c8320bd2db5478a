# Synthetic random-weight models with a real tokenizer (`ward model synth`, docs/engine.md);
# included by src/infer/CMakeLists.txt.
target_sources(ward_infer PRIVATE ${CMAKE_CURRENT_LIST_DIR}/synth.cpp)
