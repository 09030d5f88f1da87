# libFuzzer targets (-DCAREGUARD_BUILD_FUZZERS=ON, clang only; docs/FUZZING.md).
#
# The fuzz targets themselves are defined in tests/fuzz. Every build with tests also gets a replay
# driver per target (seeds and crash regressions through the same LLVMFuzzerTestOneInput, any
# compiler), so only the coverage-guided part needs clang.

if(CAREGUARD_BUILD_FUZZERS AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CAREGUARD_BUILD_FUZZERS needs clang (libFuzzer): configure with "
                      "CC=clang CXX=clang++, or leave it OFF (the replay tests still build with any compiler)")
endif()

# The library code is what the fuzzers explore, so it carries libFuzzer's coverage and comparison
# instrumentation. fuzzer-no-link at link time pulls in the weak no-op coverage hooks from the
# sanitizer runtime, so the apps and unit tests that link the instrumented library still link.
function(careguard_instrument_for_fuzzing target)
  if(CAREGUARD_BUILD_FUZZERS)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    target_link_options(${target} INTERFACE -fsanitize=fuzzer-no-link)
  endif()
endfunction()
