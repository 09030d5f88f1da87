#pragma once
// Helpers shared by the hostile-input matrix and the fault tests: raw frames, /proc readings and a
// thread that keeps the host's stderr pipe drained (at trace level a burst of requests writes more
// log than a pipe holds, and a host blocked on stderr would look like a hung host).

#include "host_process.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <sys/types.h>

namespace careguard::testing {

/// An invented surname that every text sent carries, so a leak of text into anything the host
/// writes is found by one search.
inline constexpr const char* kMarker = "Pellinorewick";
/// One finding (pid.nhs-number).
inline const std::string kNhs = "NHS no 943 476 5919";

inline std::string length_prefix(std::uint32_t length) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &length, 4);  // native order, as the browsers write it
  return out;
}

inline std::string frame(const std::string& body) {
  return length_prefix(static_cast<std::uint32_t>(body.size())) + body;
}

/// Resident and peak resident memory of a process, in KiB, from /proc/<pid>/status.
struct Memory {
  std::size_t rss_kib = 0;
  std::size_t peak_kib = 0;
};
inline Memory memory_of(pid_t pid) {
  Memory memory;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      memory.rss_kib = std::stoul(line.substr(6));
    } else if (line.starts_with("VmHWM:")) {
      memory.peak_kib = std::stoul(line.substr(6));
    }
  }
  return memory;
}

/// Collects everything the host writes to stderr while it runs. Stop it (or destroy it) before
/// the HostProcess it reads from.
class StderrDrain {
 public:
  explicit StderrDrain(HostProcess& host)
      : thread_([this, &host] {
          while (!stop_.load()) {
            append(host.stderr_text());
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
          append(host.stderr_text());
        }) {}
  ~StderrDrain() { stop(); }
  StderrDrain(const StderrDrain&) = delete;
  StderrDrain& operator=(const StderrDrain&) = delete;
  StderrDrain(StderrDrain&&) = delete;
  StderrDrain& operator=(StderrDrain&&) = delete;

  void stop() {
    stop_.store(true);
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  [[nodiscard]] std::string text() {
    const std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  void append(const std::string& more) {
    const std::lock_guard lock(mutex_);
    text_ += more;
  }
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string text_;
  std::thread thread_;
};

}  // namespace careguard::testing
