#pragma once
// A folder of a test's own under the system temporary folder ($TMPDIR, else /tmp), removed with
// everything in it when the test ends, failed or not. mkdtemp picks a name nobody else holds, so
// tests run at once (ctest -j, several builds on one machine) never share or clobber files.
// Shared by the unit and integration tests.

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace careguard::testing {

class TempDir {
 public:
  /// `prefix` starts the folder's name, so a folder left by a killed run says which test made it.
  explicit TempDir(std::string_view prefix = "careguard-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The compiled-database cache every test run on this machine shares, so that only the first one
/// pays for compiling the base pack.
inline std::filesystem::path shared_test_cache_dir() {
  return std::filesystem::temp_directory_path() / "careguard-test-cache";
}

}  // namespace careguard::testing
