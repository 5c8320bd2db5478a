# gov/access tests; included by tests/gov/CMakeLists.txt (ctest -R AccessGate).
ward_test(gov_access_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/gate_test.cpp LIBS ward_gov)
