#pragma once

#include <string_view>

namespace careguard {

inline constexpr std::string_view kHostVersion = "0.1.0";
inline constexpr int kProtocolVersion = 1;
inline constexpr std::string_view kHostName = "app.careguard.host";

/// The development extension's id (from the `key` in extension/manifest) and the Firefox add-on id.
/// Both are allowed by default so a fresh install works before any configuration is written.
inline constexpr std::string_view kDevExtensionOrigin = "chrome-extension://hllknhdbcnbafllcikebpiinoenhnenl/";
inline constexpr std::string_view kDevExtensionId = "hllknhdbcnbafllcikebpiinoenhnenl";
inline constexpr std::string_view kFirefoxAddonId = "careguard@careguard.app";

}  // namespace careguard
