#pragma once
// Invariant checks for fuzz targets. A broken invariant aborts, which libFuzzer records as a crash
// (with the input saved) and the replay driver reports as a failed test. The message names the
// invariant and where it broke, never the input's text.

#include <cstdio>
#include <cstdlib>

// A macro rather than a function so the message carries the line of the check that failed.
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define CAREGUARD_FUZZ_CHECK(condition, what)                                                       \
  do {                                                                                              \
    if (!(condition)) {                                                                             \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                                     \
      std::abort();                                                                                 \
    }                                                                                               \
  } while (false)
