// Whole-process figures: the real careguard-host started as a browser starts it (pipes on stdin
// and stdout, the caller origin as an argument), with the base pack alone and with the scale org
// pack signed and installed in a pack folder, as IT would ship it.
//
// - cold start: fork to the first scan's answer, with an empty cache folder and with a warm one;
// - round trip: one frame out, one frame back, per post size;
// - peak RSS of the host process itself (VmHWM from /proc, read before it exits), cold and warm,
//   and of the largest process of its tree over its whole life (wait4's ru_maxrss, which counts
//   reaped children: on a first start, the compiler process the host starts).
//
//   careguard_bench_host HOST_BIN OUT.json [--quick]
//
// Cached starts only, to compare builds of the host in the same minute on a busy machine: each
// round starts every binary once per pack set, in turn, so load changes hit them all alike.
//
//   careguard_bench_host --starts N HOST_BIN [HOST_BIN...]

#include "bench_support.hpp"
#include "careguard/signing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX gives no header for it

namespace careguard::bench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kOrigin = "chrome-extension://hllknhdbcnbafllcikebpiinoenhnenl/";
constexpr auto kReplyTimeout = std::chrono::seconds(300);

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

class Host {
 public:
  Host(const std::string& binary, const fs::path& config) {
    int to_host[2];
    int from_host[2];
    if (::pipe2(to_host, O_CLOEXEC) != 0 || ::pipe2(from_host, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    const std::string config_argument = "--config=" + config.string();
    std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>(kOrigin),
                            const_cast<char*>(config_argument.c_str()), nullptr};
    started_ = Clock::now();
    pid_ = ::fork();
    if (pid_ < 0) {
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      ::dup2(to_host[0], STDIN_FILENO);
      ::dup2(from_host[1], STDOUT_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);  // logs are off; keep stray output off the terminal
      ::dup2(null, STDERR_FILENO);
      ::execve(binary.c_str(), argv.data(), environ);
      ::_exit(127);
    }
    ::close(to_host[0]);
    ::close(from_host[1]);
    in_ = to_host[1];
    out_ = from_host[0];
  }
  ~Host() {
    if (pid_ > 0) {
      // Left early on an error: end the host without waiting for an answer.
      if (in_ >= 0) {
        ::close(in_);
      }
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) {
      ::close(out_);
    }
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  Host(Host&&) = delete;
  Host& operator=(Host&&) = delete;

  [[nodiscard]] Clock::time_point started() const { return started_; }

  /// The host's own peak resident set so far, in KiB (VmHWM: its children are not counted).
  [[nodiscard]] long own_peak_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.starts_with("VmHWM:")) {
        return std::stol(line.substr(6));
      }
    }
    throw std::runtime_error("no VmHWM in /proc/<pid>/status");
  }

  void send(const std::string& body) {
    const auto length = static_cast<std::uint32_t>(body.size());
    std::string frame(reinterpret_cast<const char*>(&length), sizeof length);
    frame += body;
    for (std::size_t done = 0; done < frame.size();) {
      const ssize_t n = ::write(in_, frame.data() + done, frame.size() - done);
      if (n <= 0) {
        throw std::runtime_error("the host closed its stdin");
      }
      done += static_cast<std::size_t>(n);
    }
  }

  std::string receive() {
    const auto deadline = Clock::now() + kReplyTimeout;
    fill(4, deadline);
    std::uint32_t length = 0;
    std::memcpy(&length, buffer_.data(), sizeof length);
    fill(4 + length, deadline);
    std::string body = buffer_.substr(4, length);
    buffer_.erase(0, 4 + length);
    return body;
  }

  /// Closes stdin (the host exits at once) and returns the peak RSS in KiB of the largest process
  /// of its tree (itself or a reaped child).
  long finish() {
    const rusage usage = finish_usage();
    return usage.ru_maxrss;
  }

  /// The same, with the whole of the host's resource use (CPU time included).
  rusage finish_usage() {
    if (in_ >= 0) {
      ::close(in_);
      in_ = -1;
    }
    int status = 0;
    rusage usage{};
    const pid_t pid = pid_;
    pid_ = -1;
    if (::wait4(pid, &status, 0, &usage) != pid) {
      throw std::runtime_error("wait4 failed");
    }
    return usage;
  }

 private:
  void fill(std::size_t want, Clock::time_point deadline) {
    char chunk[65536];
    while (buffer_.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{out_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
        throw std::runtime_error("no answer from the host in time");
      }
      const ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) {
        throw std::runtime_error("the host exited before answering");
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  Clock::time_point started_;
  std::string buffer_;
};

std::string scan_request(int id, const std::string& text) {
  return json{{"type", "scan"}, {"id", id}, {"text", text}, {"site", "facebook.com"}, {"field", "post"}}.dump();
}

json expect_result(const std::string& body) {
  json reply = json::parse(body);
  if (reply.value("type", "") != "result") {
    throw std::runtime_error("the host did not answer a scan with a result: " + reply.value("name", "?"));
  }
  return reply;
}

json summary(std::vector<double> samples) {
  json out = {{"n", samples.size()}};
  out["p50"] = percentile(samples, 0.50);
  out["p95"] = percentile(samples, 0.95);
  out["p99"] = percentile(samples, 0.99);
  out["max"] = samples.empty() ? 0.0 : samples.back();
  return out;
}

struct Setup {
  std::string name;
  fs::path config;
  fs::path cache;
  std::size_t packs = 1;
};

Setup make_setup(const fs::path& dir, const std::string& name, bool with_org_pack) {
  Setup setup{name, dir / name / "config.json", dir / name / "cache", with_org_pack ? 2U : 1U};
  fs::create_directories(dir / name / "packs");
  json config = {{"cache_dir", setup.cache.string()},
                 {"pack_dirs", {(dir / name / "packs").string()}},
                 {"pack_poll_seconds", 3600},
                 {"audit", {{"path", (dir / name / "audit.jsonl").string()}}},
                 {"log", {{"level", "off"}}}};
  if (with_org_pack) {
    // Signed with a throwaway key that only this configuration trusts, as IT ships a pack.
    const auto key = generate_signing_key();
    std::ofstream(dir / name / "packs" / "scale-org.cgpack.json")
        << sign_pack(to_json(scale_org_pack()).dump(), key.secret_key);
    config["trusted_keys"] = {key.public_key};
  }
  std::ofstream(setup.config) << config.dump(2);
  return setup;
}

struct FirstAnswer {
  double micros = 0;
  double cpu_ms = 0;       // user and system time of the host's whole life (a start and one scan)
  long own_peak_kib = 0;   // the host process
  long tree_peak_kib = 0;  // the largest of the host and its children
};

/// Start to first answer, and the peaks of that host's life.
FirstAnswer first_answer(const std::string& binary, const Setup& setup, const std::string& text) {
  Host host(binary, setup.config);
  host.send(scan_request(1, text));
  (void)expect_result(host.receive());
  FirstAnswer out;
  out.micros = micros(Clock::now() - host.started());
  out.own_peak_kib = host.own_peak_kib();
  const rusage usage = host.finish_usage();
  out.tree_peak_kib = usage.ru_maxrss;
  out.cpu_ms = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
  return out;
}

json measure(const std::string& binary, const Setup& setup, bool quick) {
  const std::string one_kb = post_of(1024);
  json out;
  const int cold_runs = quick ? 1 : 2;
  const int warm_runs = quick ? 5 : 20;
  std::vector<double> cold;
  std::vector<double> warm;
  long cold_rss = 0;
  long cold_tree_rss = 0;
  long warm_rss = 0;
  for (int i = 0; i < cold_runs; ++i) {
    fs::remove_all(setup.cache);
    const FirstAnswer run = first_answer(binary, setup, one_kb);
    cold.push_back(run.micros / 1000.0);
    cold_rss = std::max(cold_rss, run.own_peak_kib);
    cold_tree_rss = std::max(cold_tree_rss, run.tree_peak_kib);
  }
  for (int i = 0; i < warm_runs; ++i) {
    const FirstAnswer run = first_answer(binary, setup, one_kb);
    warm.push_back(run.micros / 1000.0);
    warm_rss = std::max(warm_rss, run.tree_peak_kib);
  }
  out["cold_start_no_cache_ms"] = summary(cold);
  out["cold_start_cached_ms"] = summary(warm);
  out["peak_rss_first_start_kib"] = cold_rss;
  // The compiler process the host starts when nothing is cached (or the host itself, if larger).
  out["peak_rss_first_start_compiler_kib"] = cold_tree_rss;

  // Round trips over one warm host, as the extension keeps one port open.
  Host host(binary, setup.config);
  host.send(json{{"type", "hello"}, {"id", 0}, {"protocol", 1}}.dump());
  const json hello = json::parse(host.receive());
  if (hello.value("type", "") != "hello" || hello["packs"].size() != setup.packs) {
    throw std::runtime_error(setup.name + ": the host did not load the expected packs: " + hello.dump());
  }
  int id = 1;
  for (const auto size : kPostSizes) {
    const std::string text = post_of(size);
    const int rounds = quick ? 200 : (size >= 20480 ? 1000 : 3000);
    for (int i = 0; i < 50; ++i) {  // warm the caches and the host's allocator
      host.send(scan_request(id++, text));
      (void)host.receive();
    }
    std::vector<double> round_trip;
    std::vector<double> in_host;
    std::size_t findings = 0;
    for (int i = 0; i < rounds; ++i) {
      const auto sent = Clock::now();
      host.send(scan_request(id++, text));
      const std::string body = host.receive();
      round_trip.push_back(micros(Clock::now() - sent));
      const json reply = expect_result(body);
      in_host.push_back(reply.value("elapsed_us", 0.0));
      findings = reply["findings"].size();
    }
    out["round_trip_us"][std::to_string(size)] = summary(round_trip);
    out["in_host_scan_us"][std::to_string(size)] = summary(in_host);
    out["findings"][std::to_string(size)] = findings;
  }
  warm_rss = std::max(warm_rss, host.finish());
  out["peak_rss_cached_kib"] = warm_rss;
  return out;
}

int compare_starts(int rounds, const std::vector<std::string>& binaries) {
  std::string pattern = (fs::temp_directory_path() / "careguard-host-starts-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  const fs::path dir = pattern;
  const std::string one_kb = post_of(1024);
  try {
    // One folder per binary and pack set: builds may differ in what they cache.
    std::vector<std::vector<Setup>> setups(binaries.size());
    for (std::size_t b = 0; b < binaries.size(); ++b) {
      for (const bool with_org : {false, true}) {
        setups[b].push_back(make_setup(dir, std::to_string(b) + (with_org ? "-full" : "-base"), with_org));
        (void)first_answer(binaries[b], setups[b].back(), one_kb);  // fills the cache
      }
    }
    std::vector<std::vector<std::vector<double>>> times(binaries.size(), std::vector<std::vector<double>>(2));
    // CPU time says how much work a start is even when the machine is too busy for wall times.
    std::vector<std::vector<std::vector<double>>> cpu(binaries.size(), std::vector<std::vector<double>>(2));
    std::vector<std::vector<long>> peak(binaries.size(), std::vector<long>(2, 0));
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t s = 0; s < 2; ++s) {
        for (std::size_t b = 0; b < binaries.size(); ++b) {
          const FirstAnswer run = first_answer(binaries[b], setups[b][s], one_kb);
          times[b][s].push_back(run.micros / 1000.0);
          cpu[b][s].push_back(run.cpu_ms);
          peak[b][s] = std::max(peak[b][s], run.own_peak_kib);
        }
      }
    }
    for (std::size_t b = 0; b < binaries.size(); ++b) {
      for (std::size_t s = 0; s < 2; ++s) {
        auto& samples = times[b][s];
        std::cout << binaries[b] << ' ' << (s == 0 ? "base" : "full") << ": cached start p50 "
                  << percentile(samples, 0.5) << " ms, p90 " << percentile(samples, 0.9) << " ms, min "
                  << samples.front() << " ms; CPU p50 " << percentile(cpu[b][s], 0.5) << " ms; peak RSS "
                  << static_cast<double>(peak[b][s]) / 1024.0 << " MiB (" << samples.size() << ")\n";
      }
    }
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return 0;
}

int run(const std::string& binary, const fs::path& out_path, bool quick) {
  std::string pattern = (fs::temp_directory_path() / "careguard-host-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  const fs::path dir = pattern;
  json out;
  try {
    for (const bool with_org : {false, true}) {
      const Setup setup = make_setup(dir, with_org ? "full" : "base", with_org);
      std::cerr << "host bench: " << setup.name << " packs\n";
      out[setup.name] = measure(binary, setup, quick);
    }
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  std::ofstream(out_path) << out.dump(2);
  return 0;
}

}  // namespace
}  // namespace careguard::bench

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: careguard_bench_host HOST_BIN OUT.json [--quick]\n"
                 "       careguard_bench_host --starts N HOST_BIN [HOST_BIN...]\n";
    return 2;
  }
  try {
    if (std::string(argv[1]) == "--starts") {
      return careguard::bench::compare_starts(std::atoi(argv[2]), std::vector<std::string>(argv + 3, argv + argc));
    }
    return careguard::bench::run(argv[1], argv[2], argc > 3 && std::string(argv[3]) == "--quick");
  } catch (const std::exception& error) {
    std::cerr << "careguard_bench_host: " << error.what() << '\n';
    return 1;
  }
}
