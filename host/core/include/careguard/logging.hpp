#pragma once
// Logging for both binaries: stderr and/or a file, never stdout (the host's stdout is the protocol
// channel). Nothing logged may contain post text or matched content: log rule ids, sizes, codes.

#include "careguard/config.hpp"

#include <string_view>

namespace careguard {

/// Sets up the default spdlog logger. Safe to call more than once (tests).
void setup_logging(std::string_view program, const Config& config, bool to_stderr = true);

}  // namespace careguard
