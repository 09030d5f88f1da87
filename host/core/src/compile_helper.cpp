#include "careguard/compile_helper.hpp"

#include "careguard/database_cache.hpp"
#include "careguard/engine.hpp"
#include "careguard/pack.hpp"
#include "unique_fd.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#ifndef _WIN32
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX gives no header for it
#endif
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

namespace careguard {
namespace {

constexpr std::string_view kJobMagic = "CGJOB001";
/// A job is expressions only; anything near this is not one.
constexpr std::uint64_t kMaxMessageBytes = 1ULL << 30U;

enum class ReplyStatus : std::uint8_t { Compiled = 0, PackFault = 1, Failed = 2 };

void put_u32(std::string& out, std::uint32_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }
void put_u64(std::string& out, std::uint64_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }
void put_text(std::string& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out += text;
}

struct Reader {
  std::string_view in;
  bool ok = true;
  template <typename T>
  T number() {
    T value{};
    if (in.size() < sizeof value) {
      ok = false;
      return value;
    }
    std::memcpy(&value, in.data(), sizeof value);
    in.remove_prefix(sizeof value);
    return value;
  }
  std::string text() {
    const auto size = number<std::uint32_t>();
    if (!ok || in.size() < size) {
      ok = false;
      return {};
    }
    std::string out(in.substr(0, size));
    in.remove_prefix(size);
    return out;
  }
};

std::string encode_job(const CompileJob& job, const std::filesystem::path& cache_dir) {
  std::string out(kJobMagic);
  put_text(out, cache_dir.string());
  put_text(out, job.cache_key);
  put_u32(out, static_cast<std::uint32_t>(job.expressions.size()));
  for (std::size_t i = 0; i < job.expressions.size(); ++i) {
    out.push_back(job.needs_exact_start[i] ? '\1' : '\0');
    put_text(out, job.expressions[i]);
    put_text(out, job.origins[i]);
  }
  return out;
}

bool decode_job(std::string_view bytes, CompileJob& job, std::string& cache_dir) {
  if (!bytes.starts_with(kJobMagic)) {
    return false;
  }
  Reader reader{bytes.substr(kJobMagic.size())};
  cache_dir = reader.text();
  job.cache_key = reader.text();
  const auto count = reader.number<std::uint32_t>();
  for (std::uint32_t i = 0; reader.ok && i < count; ++i) {
    job.needs_exact_start.push_back(reader.number<std::uint8_t>() != 0);
    job.expressions.push_back(reader.text());
    job.origins.push_back(reader.text());
  }
  return reader.ok && reader.in.empty();
}

std::string encode_reply(ReplyStatus status, std::string_view body, bool stored = false) {
  std::string out;
  out.push_back(static_cast<char>(status));
  out.push_back(stored ? '\1' : '\0');
  put_u64(out, body.size());
  out += body;
  return out;
}

#ifndef _WIN32

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0  // macOS: SO_NOSIGPIPE is set on the socket instead
#endif

using Clock = std::chrono::steady_clock;

/// Waits for the descriptor until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60000)));
    if (ready > 0) {
      return true;
    }
    if (ready < 0 && errno != EINTR) {
      return false;
    }
  }
}

/// Sends everything (no SIGPIPE if the peer has gone); false on a closed peer or the deadline.
bool send_all(int fd, std::string_view bytes, std::optional<Clock::time_point> deadline) {
  while (!bytes.empty()) {
    if (deadline && !wait_for(fd, POLLOUT, *deadline)) {
      return false;
    }
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (sent <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

enum class ReadEnd : std::uint8_t { Closed, TimedOut, Failed };

/// Reads until the peer closes; the reason it stopped.
ReadEnd read_all(int fd, std::string& out, std::optional<Clock::time_point> deadline) {
  char chunk[65536];
  for (;;) {
    if (deadline && !wait_for(fd, POLLIN, *deadline)) {
      return ReadEnd::TimedOut;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) {
      return ReadEnd::Closed;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return ReadEnd::Failed;
    }
    out.append(chunk, static_cast<std::size_t>(n));
    if (out.size() > kMaxMessageBytes) {
      return ReadEnd::Failed;
    }
  }
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {}", WTERMSIG(status));
  }
  if (WIFEXITED(status)) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  return "stopped";
}

#endif

}  // namespace

CompileHelper::CompileHelper(std::filesystem::path executable, std::chrono::milliseconds time_limit)
    : executable_(std::move(executable)), time_limit_(time_limit) {}

std::optional<std::filesystem::path> CompileHelper::own_executable() {
#if defined(__linux__)
  // The link itself, not what it points at: it still starts this binary after an upgrade has
  // replaced the file on disk.
  return std::filesystem::path("/proc/self/exe");
#elif defined(__APPLE__)
  std::uint32_t size = 0;
  (void)_NSGetExecutablePath(nullptr, &size);
  std::string path(size, '\0');
  if (_NSGetExecutablePath(path.data(), &size) != 0) {
    return std::nullopt;
  }
  path.resize(std::strlen(path.c_str()));
  return std::filesystem::path(path);
#else
  return std::nullopt;
#endif
}

CompileHelperRun CompileHelper::run(const CompileJob& job, const DatabaseCache* cache) const {
#ifdef _WIN32
  (void)job;
  (void)cache;
  throw CompileHelperError("compiling in a separate process is not available on this system");
#else
  const auto started = Clock::now();
  const auto deadline = started + time_limit_;
  int pair[2] = {-1, -1};
#ifdef SOCK_CLOEXEC
  constexpr int kSocketType = SOCK_STREAM | SOCK_CLOEXEC;  // no other spawn can inherit them
#else
  constexpr int kSocketType = SOCK_STREAM;
#endif
  if (::socketpair(AF_UNIX, kSocketType, 0, pair) != 0) {
    throw CompileHelperError(fmt::format("the compiler process could not start: socketpair: {}", std::strerror(errno)));
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  (void)::fcntl(ours.fd, F_SETFD, FD_CLOEXEC);
  (void)::fcntl(theirs.fd, F_SETFD, FD_CLOEXEC);
  // Ours only (each end is its own socket): a child that stops reading or answering can then
  // never hold the host past the time limit.
  (void)::fcntl(ours.fd, F_SETFL, ::fcntl(ours.fd, F_GETFL) | O_NONBLOCK);
#ifdef SO_NOSIGPIPE
  const int on = 1;
  (void)::setsockopt(ours.fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
  if (theirs.fd == kCompileHelperFd) {
    // dup2 onto itself would keep close-on-exec set; move it out of the way first.
    UniqueFd moved(::fcntl(theirs.fd, F_DUPFD_CLOEXEC, kCompileHelperFd + 1));
    std::swap(theirs.fd, moved.fd);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // stdin from nowhere; stdout to stderr, so nothing the child prints can reach the browser's
  // protocol pipe; the socket as fd 3 and every other descriptor of the host closed.
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, theirs.fd, kCompileHelperFd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, kCompileHelperFd + 1);
#endif
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  const std::string program = executable_.string();
  const std::string flag(kCompileHelperFlag);
  std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(flag.c_str()), nullptr};
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw CompileHelperError(fmt::format("the compiler process could not start: {}", std::strerror(spawned)));
  }
  theirs.reset();

  std::string reply;
  std::string failure;
  bool timed_out = false;
  const auto over_limit = [&] {
    timed_out = true;
    return fmt::format("took longer than its limit of {} s and was stopped",
                       std::chrono::duration<double>(time_limit_).count());
  };
  if (!send_all(ours.fd, encode_job(job, cache != nullptr ? cache->directory() : std::filesystem::path()), deadline)) {
    // A child still starting (a slow machine, a short limit) has not read its job when the limit
    // passes: that is the limit, not a child that went away.
    failure = Clock::now() >= deadline ? over_limit() : "stopped reading its job";
  } else {
    ::shutdown(ours.fd, SHUT_WR);
    switch (read_all(ours.fd, reply, deadline)) {
      case ReadEnd::Closed:
        break;
      case ReadEnd::TimedOut:
        failure = over_limit();
        break;
      case ReadEnd::Failed:
        failure = "broke its connection";
        break;
    }
  }
  if (!failure.empty()) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  CompileHelperRun run;
  run.peak_rss_kib = usage.ru_maxrss;
  run.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  if (failure.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    failure = describe_exit(status);
  } else if (!failure.empty() && !timed_out) {
    // How it ended says why it stopped talking (a kill, a crash); a timeout's SIGKILL was ours.
    failure += fmt::format(" ({})", describe_exit(status));
  }
  Reader reader{reply};
  const auto code = static_cast<ReplyStatus>(reader.number<std::uint8_t>());
  const bool stored = reader.number<std::uint8_t>() != 0;
  const auto length = reader.number<std::uint64_t>();
  // The child's peak is the compile's; the host's own stays that of a start from the cache.
  spdlog::debug("compiler process {} {} after {} ms; its peak RSS {} KiB; {}", pid, describe_exit(status),
                run.elapsed.count(), run.peak_rss_kib, stored ? "stored in the cache" : "not stored in the cache");
  if (failure.empty() && (!reader.ok || reader.in.size() != length)) {
    failure = fmt::format("{} without a whole answer", describe_exit(status));
  }
  if (!failure.empty()) {
    throw CompileHelperError(fmt::format("the compiler process {}", failure));
  }
  if (code == ReplyStatus::PackFault) {
    throw PackError(std::string(reader.in));
  }
  if (code != ReplyStatus::Compiled) {
    throw CompileHelperError(fmt::format("the compiler process failed: {}", reader.in));
  }
  run.payload.assign(reader.in);
  return run;
#endif
}

int run_compile_helper(int socket_fd) {
#ifdef _WIN32
  (void)socket_fd;
  return 2;
#else
  std::string request;
  if (read_all(socket_fd, request, std::nullopt) != ReadEnd::Closed) {
    return 2;
  }
  CompileJob job;
  std::string cache_dir;
  if (!decode_job(request, job, cache_dir)) {
    return send_all(socket_fd, encode_reply(ReplyStatus::Failed, "the job is not readable"), std::nullopt) ? 0 : 2;
  }
  request = std::string();  // its memory is the compiler's now
  std::string reply;
  try {
    const std::string payload = Engine::compile_payload(job);
    // The next start loads it; a cache that cannot be written only costs that start a compile.
    const bool stored =
        !cache_dir.empty() && !job.cache_key.empty() && DatabaseCache(cache_dir).store(job.cache_key, payload);
    reply = encode_reply(ReplyStatus::Compiled, payload, stored);
  } catch (const PackError& error) {
    reply = encode_reply(ReplyStatus::PackFault, error.what());
  } catch (const std::exception& error) {
    reply = encode_reply(ReplyStatus::Failed, error.what());
  }
  return send_all(socket_fd, reply, std::nullopt) ? 0 : 2;
#endif
}

}  // namespace careguard
