#pragma once
// The real careguard-host started as a browser starts it: pipes on stdin and stdout, the caller
// origin as an argument. Reads have deadlines so a hung host fails the test instead of hanging it.

#include "../support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace careguard::testing {

/// The caller a browser names when the development build of the extension starts the host; on the
/// host's allowed list.
inline constexpr const char* kOrigin = "chrome-extension://hllknhdbcnbafllcikebpiinoenhnenl/";

/// A scan request's body as the extension sends it, from facebook.com.
std::string scan_body(const std::string& text, const nlohmann::json& id = "m");
/// A valid audit request: a warning about an NHS number dismissed on facebook.com. Any
/// `extra_event_fields` are added to its event (fields the host must leave out of what it records).
nlohmann::json audit_request(const nlohmann::json& id,
                             const nlohmann::json& extra_event_fields = nlohmann::json::object());

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

/// A test's own folder for the hosts it starts, removed when the test ends: packs/ (their only
/// pack folder) and config.json, which holds default_config() until the test writes another.
class HostTestDir {
 public:
  explicit HostTestDir(std::string_view prefix);

  [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }
  /// Everything the host writes (audit log) kept in this folder, logging at trace (the most
  /// verbose level, so a leak check sees all the host could log), and the compiled-database cache
  /// shared by every test run so that only the first host compiles the rules.
  [[nodiscard]] nlohmann::json default_config() const;
  /// Replaces config.json, readable by every user: a fault test starts the host as another one.
  void write_config(const nlohmann::json& config) const;
  /// Starts the host with what a browser passes (the caller's origin, perhaps more) and
  /// --config=<this folder's config.json>.
  [[nodiscard]] std::unique_ptr<HostProcess> start(std::vector<std::string> browser_arguments,
                                                   const HostLaunch& launch = {}) const;

 private:
  TempDir dir_;
};

}  // namespace careguard::testing
