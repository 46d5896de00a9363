# Shared build settings for every faultline target.

set(FAULTLINE_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(FAULTLINE_ROOT ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)

add_library(faultline_options INTERFACE)
target_compile_options(faultline_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${FAULTLINE_WERROR}>:-Werror>
  # g++ 12 reports out-of-bounds memcpy inside std::string where inlining exposes
  # impossible paths (GCC bug 105651, 106199); the report depends on inlining, not on code.
  -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread)

if(FAULTLINE_SANITIZE)
  # fcontext (Boost.Context's assembly switch) confuses ASan; the ucontext backend
  # announces every stack switch to it. Debian's libboost_context lacks the
  # ucontext symbols, so sim/src/ucontext_shim.cpp provides them.
  target_compile_definitions(faultline_options INTERFACE
    BOOST_USE_UCONTEXT BOOST_USE_ASAN FAULTLINE_SANITIZE=1)
  target_compile_options(faultline_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(faultline_options INTERFACE -fsanitize=address,undefined)
endif()

# faultline_test(NAME SOURCES... LIBS ... [LABELS ...])
# One doctest executable; every TEST_CASE becomes a ctest test.
# doctest's main (faultline_doctest_main) lives in tests/support.

define_property(TARGET PROPERTY FAULTLINE_NO_PCH BRIEF_DOCS "no precompiled headers" FULL_DOCS "set on doctest's main")
define_property(TARGET PROPERTY FAULTLINE_TEST BRIEF_DOCS "a doctest executable" FULL_DOCS "set by faultline_test")
function(faultline_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} faultline_doctest_main doctest::doctest
                        faultline_options)
  set_target_properties(${name} PROPERTIES FAULTLINE_TEST TRUE)
  target_compile_definitions(${name} PRIVATE
    FAULTLINE_SOURCE_DIR="${FAULTLINE_ROOT}"
    FAULTLINE_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(labels ${T_LABELS})
  if(NOT labels)
    set(labels fast)
  endif()
  # The sanitizer job (make test-sanitize) runs neither the long tests nor those marked
  # nosanitize, so its build leaves them out: defined (a caller may still set their
  # properties) but not built by default, and not registered with ctest.
  if(FAULTLINE_SANITIZE AND ("long" IN_LIST labels OR "nosanitize" IN_LIST labels))
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  # One label per test, its parts joined by '-' ("fast-nosanitize"): doctest's discovery
  # script hands a list to set_tests_properties as separate arguments, which loses every
  # label after the first. ctest's -L and -LE take regular expressions, so `-L fast`
  # and `-LE nosanitize` still match their part.
  list(JOIN labels "-" labels)
  doctest_discover_tests(${name} PROPERTIES LABELS "${labels}")
endfunction()

# Precompiled headers for every faultline target: the big third-party headers are
# parsed once instead of once per source file (most of CI's build time).
#
# With g++ every target reuses one of two precompiled headers (REUSE_FROM): one for the
# libraries and programs, one with doctest for the tests. A header precompiled per target
# is about 100 MB under the sanitizer flags; 66 of them filled CI's disk. g++ accepts a
# shared one because the targets differ only in include paths and in macros that these
# headers never read, and -Winvalid-pch (which CMake adds) with -Werror fails the build if
# that ever stops being true. clang rejects a header precompiled under other -D macros,
# so the libFuzzer build keeps one per target.
function(faultline_collect_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    faultline_collect_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

set(FAULTLINE_PCH_HEADERS
  <nlohmann/json.hpp> <map> <memory> <optional> <string> <string_view> <vector>)

function(faultline_precompile_headers)
  faultline_collect_targets(${CMAKE_SOURCE_DIR} targets)
  set(shared OFF)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(shared ON)
    # The two owners: empty libraries with the flags every target has.
    add_library(faultline_pch STATIC ${FAULTLINE_CMAKE_DIR}/pch_owner.cpp)
    target_link_libraries(faultline_pch PRIVATE faultline_options nlohmann_json::nlohmann_json)
    target_precompile_headers(faultline_pch PRIVATE ${FAULTLINE_PCH_HEADERS})
    add_library(faultline_test_pch STATIC ${FAULTLINE_CMAKE_DIR}/pch_owner.cpp)
    target_link_libraries(faultline_test_pch PRIVATE faultline_options
                          nlohmann_json::nlohmann_json doctest::doctest)
    target_precompile_headers(faultline_test_pch PRIVATE ${FAULTLINE_PCH_HEADERS}
                              <doctest/doctest.h>)
  endif()
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    get_target_property(no_pch ${t} FAULTLINE_NO_PCH)
    if(no_pch OR (NOT type STREQUAL "STATIC_LIBRARY" AND NOT type STREQUAL "EXECUTABLE"))
      continue()
    endif()
    get_target_property(is_test ${t} FAULTLINE_TEST)
    if(shared AND is_test)
      target_precompile_headers(${t} REUSE_FROM faultline_test_pch)
    elseif(shared)
      target_precompile_headers(${t} REUSE_FROM faultline_pch)
    else()
      target_precompile_headers(${t} PRIVATE ${FAULTLINE_PCH_HEADERS})
      if(is_test)
        target_precompile_headers(${t} PRIVATE <doctest/doctest.h>)
      endif()
    endif()
  endforeach()
endfunction()

# faultline_malloc: the command and the fuzz benchmarks (fuzz_bench, raft_bench; not the
# test executables, so the cross-process determinism tests compare two allocators, and
# not pingpong and bench_linearizability, whose recorded comparisons were made with
# glibc's malloc) use
# gperftools' tcmalloc where it is installed (Debian's libgoogle-perftools-dev;
# scripts/install-deps installs it). A campaign allocates and frees every message,
# disk record and client value of every seed: tcmalloc made the fuzz profiles 7-18%
# faster per core than glibc's malloc, jemalloc and mimalloc less (bench/README.md).
# No run depends on addresses, so every trace hash is the same with either allocator.
# Sanitizer builds keep ASan's allocator.
option(FAULTLINE_TCMALLOC "Link the programs with tcmalloc where it is installed" ON)
add_library(faultline_malloc INTERFACE)
if(FAULTLINE_TCMALLOC AND NOT FAULTLINE_SANITIZE)
  find_library(FAULTLINE_TCMALLOC_LIBRARY tcmalloc_minimal)
  find_path(FAULTLINE_TCMALLOC_INCLUDE gperftools/malloc_extension.h)
  if(FAULTLINE_TCMALLOC_LIBRARY AND FAULTLINE_TCMALLOC_INCLUDE)
    message(STATUS "faultline: the programs use tcmalloc (${FAULTLINE_TCMALLOC_LIBRARY})")
    target_link_libraries(faultline_malloc INTERFACE ${FAULTLINE_TCMALLOC_LIBRARY})
    target_include_directories(faultline_malloc SYSTEM INTERFACE ${FAULTLINE_TCMALLOC_INCLUDE})
    target_compile_definitions(faultline_malloc INTERFACE FAULTLINE_TCMALLOC=1)
  else()
    message(STATUS "faultline: tcmalloc not found (libgoogle-perftools-dev): the programs use the C library's malloc")
  endif()
endif()
