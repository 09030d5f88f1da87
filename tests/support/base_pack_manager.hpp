#pragma once
// The built-in base pack alone (no pack folders) behind a loaded PackManager, compiled into the
// cache every test run shares. Building the engine takes seconds, so a suite makes one and shares it.

#include "careguard/config.hpp"
#include "careguard/pack_manager.hpp"

#include "temp_dir.hpp"

#include <memory>

namespace careguard::testing {

inline std::unique_ptr<PackManager> loaded_base_pack_manager() {
  Config config = default_config(default_config_paths());
  config.pack_dirs = {};
  config.cache_dir = shared_test_cache_dir();
  auto packs = std::make_unique<PackManager>(config);
  packs->load();
  return packs;
}

}  // namespace careguard::testing
