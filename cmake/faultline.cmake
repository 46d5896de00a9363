# Shared build settings for every faultline target.

set(FAULTLINE_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(FAULTLINE_ROOT ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)

add_library(faultline_options INTERFACE)
target_compile_options(faultline_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${FAULTLINE_WERROR}>:-Werror>)

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
function(faultline_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${FAULTLINE_CMAKE_DIR}/doctest_main.cpp)
  target_link_libraries(${name} PRIVATE ${T_LIBS} doctest::doctest faultline_options)
  target_compile_definitions(${name} PRIVATE
    FAULTLINE_TESTDATA_DIR="${FAULTLINE_TESTDATA_DIR}"
    FAULTLINE_SOURCE_DIR="${FAULTLINE_ROOT}"
    FAULTLINE_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(labels ${T_LABELS})
  if(NOT labels)
    set(labels fast)
  endif()
  doctest_discover_tests(${name} PROPERTIES LABELS "${labels}")
endfunction()
