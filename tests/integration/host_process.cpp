#include "host_process.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace careguard::testing {

HostProcess::HostProcess(const std::vector<std::string>& arguments, const std::vector<std::string>& environment,
                         const HostLaunch& launch) {
  std::signal(SIGPIPE, SIG_IGN);
  int in[2];
  int out[2];
  int err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    env_strings.emplace_back(*e);
  }
  env_strings.insert(env_strings.end(), environment.begin(), environment.end());
  std::vector<char*> argv;
  std::string binary = launch.binary.empty() ? std::string(CAREGUARD_HOST_BIN) : launch.binary.string();
  argv.push_back(binary.data());
  std::vector<std::string> args = arguments;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (launch.max_file_bytes) {
      std::signal(SIGXFSZ, SIG_DFL);  // the host must cope with the limit itself
      const rlimit limit{*launch.max_file_bytes, *launch.max_file_bytes};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (launch.allow_core_dumps) {
      const rlimit limit{RLIM_INFINITY, RLIM_INFINITY};
      setrlimit(RLIMIT_CORE, &limit);
    }
    if (!launch.working_dir.empty() && chdir(launch.working_dir.c_str()) != 0) {
      _exit(126);
    }
    if (launch.uid && (setgroups(0, nullptr) != 0 || setgid(*launch.uid) != 0 || setuid(*launch.uid) != 0)) {
      _exit(125);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
}

HostProcess::~HostProcess() {
  if (pid_ > 0 && !exit_status_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

void HostProcess::write_raw(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto put = ::write(stdin_fd_, bytes.data() + done, bytes.size() - done);
    if (put < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // the host has closed its end; the test sees that in the replies
    }
    done += static_cast<std::size_t>(put);
  }
}

void HostProcess::send(const std::string& body) {
  const auto length = static_cast<std::uint32_t>(body.size());
  std::string frame(4, '\0');
  std::memcpy(frame.data(), &length, 4);
  write_raw(frame + body);
}

bool HostProcess::fill(std::chrono::steady_clock::time_point deadline) {
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  if (remaining <= 0) {
    return false;
  }
  pollfd descriptor{stdout_fd_, POLLIN, 0};
  if (poll(&descriptor, 1, static_cast<int>(remaining)) <= 0) {
    return false;
  }
  char chunk[65536];
  const auto got = ::read(stdout_fd_, chunk, sizeof chunk);
  if (got <= 0) {
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(got));
  all_stdout_.append(chunk, static_cast<std::size_t>(got));
  return true;
}

std::optional<std::string> HostProcess::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer_.size() < 4) {
    if (!fill(deadline)) {
      return std::nullopt;
    }
  }
  std::uint32_t length = 0;
  std::memcpy(&length, buffer_.data(), 4);
  while (buffer_.size() < 4U + length) {
    if (!fill(deadline)) {
      return std::nullopt;
    }
  }
  std::string body = buffer_.substr(4, length);
  buffer_.erase(0, 4U + length);
  return body;
}

nlohmann::json HostProcess::receive(std::chrono::milliseconds timeout) {
  const auto body = read_frame(timeout);
  if (!body) {
    ADD_FAILURE() << "no frame from the host within the timeout";
    return nullptr;
  }
  auto parsed = nlohmann::json::parse(*body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "the host wrote a frame that is not JSON";
  return parsed;
}

void HostProcess::close_stdin() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

std::optional<int> HostProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      dumped_core_ = WIFSIGNALED(status) && WCOREDUMP(status);
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

std::string HostProcess::stderr_text() {
  std::string text;
  char chunk[4096];
  const int flags = fcntl(stderr_fd_, F_GETFL);
  fcntl(stderr_fd_, F_SETFL, flags | O_NONBLOCK);
  for (;;) {
    const auto got = ::read(stderr_fd_, chunk, sizeof chunk);
    if (got <= 0) {
      break;
    }
    text.append(chunk, static_cast<std::size_t>(got));
  }
  return text;
}

std::string scan_body(const std::string& text, const nlohmann::json& id) {
  return nlohmann::json{{"type", "scan"}, {"id", id}, {"text", text}, {"site", "facebook.com"}}.dump();
}

nlohmann::json audit_request(const nlohmann::json& id, const nlohmann::json& extra_event_fields) {
  nlohmann::json event = {{"rule", "pid.nhs-number"},
                          {"category", "personal-identifier"},
                          {"severity", "block"},
                          {"site", "facebook.com"},
                          {"action", "dismissed"}};
  event.update(extra_event_fields);
  return {{"type", "audit"}, {"id", id}, {"event", event}};
}

HostTestDir::HostTestDir(std::string_view prefix) : dir_(prefix) {
  std::filesystem::create_directories(path() / "packs");
  write_config(default_config());
}

nlohmann::json HostTestDir::default_config() const {
  return {{"cache_dir", shared_test_cache_dir().string()},
          {"pack_dirs", {(path() / "packs").string()}},
          {"audit", {{"path", (path() / "audit.jsonl").string()}}},
          {"log", {{"level", "trace"}}}};
}

void HostTestDir::write_config(const nlohmann::json& config) const {
  const std::filesystem::path file = path() / "config.json";
  std::ofstream(file) << config.dump();
  std::filesystem::permissions(file, std::filesystem::perms(0644), std::filesystem::perm_options::replace);
}

std::unique_ptr<HostProcess> HostTestDir::start(std::vector<std::string> browser_arguments,
                                                const HostLaunch& launch) const {
  browser_arguments.push_back("--config=" + (path() / "config.json").string());
  return std::make_unique<HostProcess>(browser_arguments, std::vector<std::string>{}, launch);
}

}  // namespace careguard::testing
