# Tree-sitter grammars for the scanner, compiled from the npm packages that package-lock.json pins
# (scripts/setup installs them under node_modules/). Debian's libtree-sitter 0.20.7 loads grammar
# ABI 13 and 14 only; the 0.23.x releases pinned here are the newest generated at ABI 14 (0.25.x
# is ABI 15). docs/scanner.md records the choice.
enable_language(C)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
pkg_check_modules(TREE_SITTER REQUIRED IMPORTED_TARGET tree-sitter)

set(WARD_GRAMMARS_DIR "${PROJECT_SOURCE_DIR}/node_modules" CACHE PATH "npm packages with the tree-sitter grammars")
set(ward_grammar_sources
  tree-sitter-python/src/parser.c tree-sitter-python/src/scanner.c
  tree-sitter-javascript/src/parser.c tree-sitter-javascript/src/scanner.c
  tree-sitter-typescript/typescript/src/parser.c tree-sitter-typescript/typescript/src/scanner.c
  tree-sitter-typescript/tsx/src/parser.c tree-sitter-typescript/tsx/src/scanner.c
  tree-sitter-java/src/parser.c
  tree-sitter-go/src/parser.c
  tree-sitter-c/src/parser.c
  tree-sitter-cpp/src/parser.c tree-sitter-cpp/src/scanner.c)
list(TRANSFORM ward_grammar_sources PREPEND "${WARD_GRAMMARS_DIR}/")
foreach(source IN LISTS ward_grammar_sources)
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "${source} is missing: run scripts/setup, which installs the pinned npm grammars")
  endif()
endforeach()

add_library(ward_scan_grammars STATIC ${ward_grammar_sources})
# Generated parse tables, not Ward's code: no warnings, and no sanitizers (they only slow the
# parser down and its compile, which is the longest of the whole build).
target_compile_options(ward_scan_grammars PRIVATE -w -O2 -fno-sanitize=all)
target_link_libraries(ward_scan_grammars PUBLIC PkgConfig::TREE_SITTER)
# Each grammar's parser.c includes its own "tree_sitter/parser.h" by a relative path.
foreach(source IN LISTS ward_grammar_sources)
  get_filename_component(dir "${source}" DIRECTORY)
  set_source_files_properties("${source}" PROPERTIES INCLUDE_DIRECTORIES "${dir}")
endforeach()
