#pragma once
// Compiling the Hyperscan database in a child process, as Rspamd's hs_helper does: Hyperscan's
// compiler needs several times the memory of the database it makes, and that memory goes back to
// the system when the child exits, so the host's own peak stays that of a start from the cache. A
// compile that crashes or runs past its time limit takes the child down, never the host.
//
// The child is the host's own executable started with kCompileHelperFlag; it reads one job (the
// expressions, nothing of any post) from a socket, compiles, stores the result in the cache and
// sends it back.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

class DatabaseCache;

/// The first argument that makes careguard-host a compile helper instead of a host.
inline constexpr std::string_view kCompileHelperFlag = "--internal-compile-helper";

/// The compile did not finish: the child could not start, crashed, was killed or ran out of time.
/// Not a PackError: nothing says the packs are wrong.
class CompileHelperError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the database is made from (Engine::build fills it).
struct CompileJob {
  std::vector<std::string> expressions;
  std::vector<std::string> origins;  // for error messages: pack, rule and pattern
  std::vector<bool> needs_exact_start;
  std::string cache_key;  // empty: nothing is stored
};

struct CompileHelperRun {
  std::string payload;  // what Engine::load_cached reads
  long peak_rss_kib = 0;
  std::chrono::milliseconds elapsed{0};
};

class CompileHelper {
 public:
  /// `executable` must be a careguard-host that understands kCompileHelperFlag.
  CompileHelper(std::filesystem::path executable, std::chrono::milliseconds time_limit);

  /// This process's own executable (/proc/self/exe on Linux), or nullopt where it cannot be
  /// named; there the host compiles in process.
  [[nodiscard]] static std::optional<std::filesystem::path> own_executable();

  /// Runs the job in a child. Throws PackError when a pattern does not compile (the child's
  /// message), CompileHelperError when the child fails for any other reason.
  [[nodiscard]] CompileHelperRun run(const CompileJob& job, const DatabaseCache* cache) const;

  [[nodiscard]] std::chrono::milliseconds time_limit() const noexcept { return time_limit_; }

 private:
  std::filesystem::path executable_;
  std::chrono::milliseconds time_limit_;
};

/// The child's side, from main(): reads a job on `socket_fd`, compiles it, stores it in the cache
/// named in the job and answers on the same socket. Returns the process's exit status.
int run_compile_helper(int socket_fd);

/// The child's socket descriptor.
inline constexpr int kCompileHelperFd = 3;

}  // namespace careguard
