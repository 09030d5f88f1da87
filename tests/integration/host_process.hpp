#pragma once
// The real careguard-host started as a browser starts it: pipes on stdin and stdout, the caller
// origin as an argument. Reads have deadlines so a hung host fails the test instead of hanging it.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace careguard::testing {

/// How the child is set up before exec, for the fault tests; the defaults start it as a browser does.
struct HostLaunch {
  /// The executable; empty: the careguard-host this build made.
  std::filesystem::path binary;
  /// Run as this uid and gid (the tests run as root; a fault like an unreadable folder needs a user
  /// whom permissions apply to).
  std::optional<unsigned> uid;
  /// RLIMIT_FSIZE: a write past it fails (EFBIG) as on a full disk, once the host ignores SIGXFSZ.
  std::optional<std::uint64_t> max_file_bytes;
  /// RLIMIT_CORE unlimited, so that only the host's own choice can stop a core dump.
  bool allow_core_dumps = false;
  /// Working directory; empty: the test's.
  std::filesystem::path working_dir;
};

class HostProcess {
 public:
  /// Starts the host with these arguments and environment additions (NAME=value).
  HostProcess(const std::vector<std::string>& arguments, const std::vector<std::string>& environment,
              const HostLaunch& launch = {});
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  HostProcess(HostProcess&&) = delete;
  HostProcess& operator=(HostProcess&&) = delete;

  /// Writes raw bytes to the host's stdin.
  void write_raw(const std::string& bytes);
  /// Writes one frame (native-endian length, then the body).
  void send(const std::string& body);
  void send(const char* body) { send(std::string(body)); }
  void send(const nlohmann::json& message) { send(message.dump()); }

  /// Reads one frame body; nullopt on EOF or timeout.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// Reads one frame and parses it; fails the test if it is not JSON.
  nlohmann::json receive(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  void close_stdin();
  /// Waits for exit; returns the exit status (128 + signal when killed), or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  /// After wait_exit: whether the kernel wrote a core dump when it killed the host.
  [[nodiscard]] bool dumped_core() const { return dumped_core_; }
  /// Every byte the host wrote to stdout so far (for the frames-only check).
  [[nodiscard]] const std::string& stdout_bytes() const { return all_stdout_; }
  /// Everything the host wrote to stderr (read after exit).
  [[nodiscard]] std::string stderr_text();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string buffer_;
  std::string all_stdout_;
  std::optional<int> exit_status_;
  bool dumped_core_ = false;
};

}  // namespace careguard::testing
