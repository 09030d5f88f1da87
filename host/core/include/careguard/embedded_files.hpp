#pragma once

#include <string_view>
#include <vector>

namespace careguard::embedded {

struct EmbeddedFile {
  std::string_view path;  // relative to the pack source directory, e.g. "rules/colleague.json"
  std::string_view content;
};

/// The base pack's source files, compiled in by cmake/EmbedFiles.cmake.
[[nodiscard]] std::vector<EmbeddedFile> base_pack_files();

}  // namespace careguard::embedded
