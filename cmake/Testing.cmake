# Helpers every test folder uses, so unit, integration and fuzz tests are registered one way.
include(GoogleTest)

# `unit-and-fuzz`: every unit test and fuzz replay binary, what CI's sanitizer pass builds (not the daemons).
add_custom_target(unit-and-fuzz)

# phoneboot_unit_test(NAME src... LIBS lib...): a GoogleTest binary, each test registered with ctest, label "unit".
function(phoneboot_unit_test name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} phoneboot_common GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE PHONEBOOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  add_dependencies(unit-and-fuzz ${name})
endfunction()

# phoneboot_integration_test(NAME SCRIPT [TIMEOUT s]): runs a script (bash or python3) against the built binaries.
# The script gets PHONEBOOT_BIN (the folder holding phoneboot and the daemons) and PHONEBOOT_SOURCE_DIR.
# Each runs inside a network namespace of its own (tests/integration/isolated.sh), so its loopback ports
# never meet the host's or another test's; the namespaces it makes itself must still have unique names and be
# removed on exit.
function(phoneboot_integration_test name script)
  cmake_parse_arguments(ARG "" "TIMEOUT" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${PROJECT_SOURCE_DIR}/tests/integration/isolated.sh ${script}
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "PHONEBOOT_BIN=${CMAKE_BINARY_DIR}/bin;PHONEBOOT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# phoneboot_fuzz_target(NAME SOURCE CORPUS dir LIBS lib...): with PHONEBOOT_FUZZ a libFuzzer binary; in every
# build a replay binary that runs each file of the corpus once, registered with ctest (label "fuzz"), so
# every crash that joined the corpus stays fixed.
function(phoneboot_fuzz_target name source)
  cmake_parse_arguments(ARG "" "CORPUS" "LIBS" ${ARGN})
  add_executable(${name}_replay ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
  target_link_libraries(${name}_replay PRIVATE ${ARG_LIBS} phoneboot_common)
  add_test(NAME fuzz_replay_${name} COMMAND ${name}_replay ${ARG_CORPUS})
  add_dependencies(unit-and-fuzz ${name}_replay)
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz TIMEOUT 120)
  if(PHONEBOOT_FUZZ)
    add_executable(${name}_fuzzer ${source})
    target_link_libraries(${name}_fuzzer PRIVATE ${ARG_LIBS} phoneboot_common)
    target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
  endif()
endfunction()
