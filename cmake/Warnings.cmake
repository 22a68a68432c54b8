# phoneboot_options: compile flags every phoneboot target links to.
add_library(phoneboot_options INTERFACE)
target_compile_options(phoneboot_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic
  # Designated initializers that leave members at their defaults are the point of them.
  -Wno-missing-field-initializers)
if(PHONEBOOT_WERROR)
  target_compile_options(phoneboot_options INTERFACE -Werror)
endif()
if(PHONEBOOT_SANITIZE)
  # -O1 -g1 (after the build type's flags, so they win): what the sanitizers need for fast tests and reports
  # with file and line, at half the compile time of -O2 -g, which made CI's sanitizer build twenty minutes.
  target_compile_options(phoneboot_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=undefined -O1 -g1)
  target_link_options(phoneboot_options INTERFACE -fsanitize=address,undefined)
endif()
if(PHONEBOOT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PHONEBOOT_FUZZ needs clang: cmake -DCMAKE_CXX_COMPILER=clang++ -DPHONEBOOT_FUZZ=ON")
  endif()
  # Instrument everything for coverage; only the fuzz targets link libFuzzer's main.
  target_compile_options(phoneboot_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(phoneboot_options INTERFACE -fsanitize=address,undefined)
endif()
