// `careguard doctor`; see doctor.hpp. Every problem comes with the command or change that fixes it.

#include "careguard/doctor.hpp"

#include "careguard/version.hpp"
#include "unique_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#if !defined(_WIN32)
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace careguard::doctor {
namespace fs = std::filesystem;
using install::Browser;
using install::Scope;

namespace {

std::string sudo_prefix(const Options& options) { return options.os == install::Os::Windows ? "" : "sudo "; }

std::string install_fix(const Options& options, Browser browser, Scope scope) {
  return fmt::format("{}careguard install --{} --browser {}", scope == Scope::System ? sudo_prefix(options) : "",
                     install::to_string(scope), install::to_string(browser));
}

std::vector<std::string> expected_ids(const Options& options) {
  if (options.extension_ids.empty()) return {std::string(kDevExtensionId)};
  return options.extension_ids;
}

std::string firefox_id(const Options& options) {
  return options.firefox_id.empty() ? std::string(kFirefoxAddonId) : options.firefox_id;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
#if defined(_WIN32)
  return true;
#else
  return ::access(path.c_str(), X_OK) == 0;
#endif
}

/// Whether a browser seems to be on this machine (its profile folder or its program exists).
bool browser_present(Browser browser, const Options& options) {
  std::vector<fs::path> candidates;
  const auto& home = options.home;
  const auto sys = [&options](std::string_view p) {
    return options.root.empty() ? fs::path(p) : options.root / fs::path(p).relative_path();
  };
  if (options.os == install::Os::Linux) {
    switch (browser) {
      case Browser::Chrome:
        candidates = {home / ".config/google-chrome", sys("/opt/google/chrome"), sys("/usr/bin/google-chrome")};
        break;
      case Browser::Chromium:
        candidates = {home / ".config/chromium", sys("/usr/bin/chromium"), sys("/usr/bin/chromium-browser")};
        break;
      case Browser::Edge:
        candidates = {home / ".config/microsoft-edge", sys("/opt/microsoft/msedge"), sys("/usr/bin/microsoft-edge")};
        break;
      case Browser::Brave:
        candidates = {home / ".config/BraveSoftware/Brave-Browser", sys("/opt/brave.com/brave"), sys("/usr/bin/brave-browser")};
        break;
      case Browser::Vivaldi:
        candidates = {home / ".config/vivaldi", sys("/opt/vivaldi"), sys("/usr/bin/vivaldi")};
        break;
      case Browser::Firefox:
        candidates = {home / ".mozilla/firefox", sys("/usr/lib/firefox"), sys("/usr/lib/firefox-esr"), sys("/usr/bin/firefox")};
        break;
    }
  } else if (options.os == install::Os::MacOS) {
    const fs::path support = home / "Library/Application Support";
    switch (browser) {
      case Browser::Chrome: candidates = {support / "Google/Chrome", sys("/Applications/Google Chrome.app")}; break;
      case Browser::Chromium: candidates = {support / "Chromium", sys("/Applications/Chromium.app")}; break;
      case Browser::Edge: candidates = {support / "Microsoft Edge", sys("/Applications/Microsoft Edge.app")}; break;
      case Browser::Brave: candidates = {support / "BraveSoftware/Brave-Browser", sys("/Applications/Brave Browser.app")}; break;
      case Browser::Vivaldi: candidates = {support / "Vivaldi", sys("/Applications/Vivaldi.app")}; break;
      case Browser::Firefox: candidates = {support / "Firefox", sys("/Applications/Firefox.app")}; break;
    }
  }
  std::error_code ec;
  return std::any_of(candidates.begin(), candidates.end(), [&ec](const fs::path& p) { return fs::exists(p, ec); });
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    else if (c == '=') { ++padding; continue; }
    else return std::nullopt;
    if (padding > 0) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

Check make(std::string area, std::string name, Severity severity, std::string message, std::string fix = {},
           std::string path = {}) {
  return Check{std::move(area), std::move(name), severity, std::move(message), std::move(fix), std::move(path)};
}

/// Another user who can change the configuration or a pack folder can turn checks off (an empty
/// allowed_callers, a trusted key of their own, an org pack deleted), so group- or world-writable
/// ones are reported.
std::optional<Check> writable_by_others(const fs::path& path, const std::string& area, const Options& options) {
  if (options.os == install::Os::Windows) return std::nullopt;  // ACLs, not mode bits
  std::error_code ec;
  const auto permissions = fs::status(path, ec).permissions();
  if (ec || (permissions & (fs::perms::group_write | fs::perms::others_write)) == fs::perms::none) return std::nullopt;
  return make(area, area + ".writable", Severity::Warning,
              fmt::format("{} can be changed by other users of this machine (mode {:04o}): they could turn checks off",
                          path.string(), static_cast<unsigned>(permissions) & 07777U),
              fmt::format("{}chmod go-w '{}'", sudo_prefix(options), path.string()), path.string());
}

}  // namespace

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::Ok: return "ok";
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "unknown";
}

int Report::exit_code() const {
  return std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.severity == Severity::Error; }) ? 1 : 0;
}

nlohmann::json Report::to_json() const {
  nlohmann::json out;
  out["ok"] = exit_code() == 0;
  out["host_version"] = kHostVersion;
  out["checks"] = nlohmann::json::array();
  for (const auto& check : checks) {
    nlohmann::json item{{"area", check.area}, {"check", check.name}, {"severity", to_string(check.severity)},
                        {"message", check.message}};
    if (!check.fix.empty()) item["fix"] = check.fix;
    if (!check.path.empty()) item["path"] = check.path;
    out["checks"].push_back(std::move(item));
  }
  return out;
}

std::string Report::to_text() const {
  std::string out;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const auto& check : checks) {
    std::string_view mark = "ok  ";
    if (check.severity == Severity::Info) mark = "--  ";
    if (check.severity == Severity::Warning) { mark = "WARN"; ++warnings; }
    if (check.severity == Severity::Error) { mark = "FAIL"; ++errors; }
    out += fmt::format("{} {:<9} {}\n", mark, check.area, check.message);
    if (!check.fix.empty()) out += fmt::format("               fix: {}\n", check.fix);
  }
  out += errors == 0 ? fmt::format("CareGuard looks healthy ({} warning(s)).\n", warnings)
                     : fmt::format("{} problem(s), {} warning(s). Fix the FAIL lines above, then run careguard doctor again.\n",
                                   errors, warnings);
  return out;
}

Options default_options() {
  Options options;
  if (const char* home = std::getenv("HOME"); home != nullptr) options.home = home;
  options.config_home = install::user_config_home();
#if defined(_WIN32)
  if (const char* profile = std::getenv("USERPROFILE"); profile != nullptr) options.home = profile;
#endif
  options.paths = default_config_paths();
  return options;
}

std::vector<Check> check_manifest(const fs::path& manifest, Browser browser, Scope scope, const Options& options) {
  std::vector<Check> out;
  const std::string area(install::to_string(browser));
  const std::string where = fmt::format("{} manifest {}", install::to_string(scope), manifest.string());
  const std::string reinstall = install_fix(options, browser, scope);
  const auto error = [&](std::string name, std::string message) {
    out.push_back(make(area, std::move(name), Severity::Error, std::move(message), reinstall, manifest.string()));
  };

  const auto text = read_file(manifest);
  if (!text) {
    error("manifest.unreadable", fmt::format("{} cannot be read: {}", where, std::strerror(errno)));
    return out;
  }
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    error("manifest.invalid_json", fmt::format("{} is not a valid JSON object", where));
    return out;
  }
  const std::size_t before = out.size();
  if (!json.contains("name") || json["name"] != kHostName) {
    error("manifest.name", fmt::format("{}: \"name\" must be \"{}\"", where, kHostName));
  }
  if (!json.contains("type") || json["type"] != "stdio") {
    error("manifest.type", fmt::format("{}: \"type\" must be \"stdio\"", where));
  }
  if (!json.contains("path") || !json["path"].is_string() || json["path"].get<std::string>().empty()) {
    error("manifest.path", fmt::format("{}: \"path\" is missing", where));
  } else {
    fs::path host = json["path"].get<std::string>();
    const bool relative_ok = options.os == install::Os::Windows;
    if (!host.is_absolute() && !relative_ok) {
      error("manifest.path_relative",
            fmt::format("{}: \"path\" {} is not absolute (browsers refuse it on Linux and macOS)", where, host.string()));
    } else {
      if (!host.is_absolute()) host = manifest.parent_path() / host;
      const fs::path on_disk = options.root.empty() || !host.is_absolute() ? host : options.root / host.relative_path();
      std::error_code ec;
      if (!fs::exists(on_disk, ec)) {
        error("manifest.path_missing",
              fmt::format("{}: the host {} does not exist (\"Failed to start native messaging host\")", where, host.string()));
      } else if (!is_executable_file(on_disk)) {
        out.push_back(make(area, "manifest.path_not_executable", Severity::Error,
                           fmt::format("{}: the host {} is not an executable file", where, host.string()),
                           fmt::format("{}chmod 755 '{}'", sudo_prefix(options), on_disk.string()), manifest.string()));
      }
    }
  }
  const std::string id_fix = [&] {
    std::string fix = reinstall;
    for (const auto& id : expected_ids(options)) fix += fmt::format(" --extension-id {}", id);
    return fix;
  }();
  if (install::manifest_kind(browser) == install::ManifestKind::Firefox) {
    const auto& allowed = json.contains("allowed_extensions") ? json["allowed_extensions"] : nlohmann::json();
    const std::string id = firefox_id(options);
    if (!allowed.is_array() || std::find(allowed.begin(), allowed.end(), id) == allowed.end()) {
      error("manifest.extension", fmt::format("{}: \"allowed_extensions\" does not list {}", where, id));
    }
  } else {
    const auto& allowed = json.contains("allowed_origins") ? json["allowed_origins"] : nlohmann::json();
    if (!allowed.is_array()) {
      error("manifest.origins", fmt::format("{}: \"allowed_origins\" is missing", where));
    } else {
      for (const auto& origin : allowed) {
        const std::string value = origin.is_string() ? origin.get<std::string>() : origin.dump();
        if (!value.starts_with("chrome-extension://") || !value.ends_with("/") ||
            !install::is_extension_id(std::string_view(value).substr(19, value.size() >= 20 ? value.size() - 20 : 0))) {
          out.push_back(make(area, "manifest.origin_malformed", Severity::Error,
                             fmt::format("{}: origin \"{}\" is malformed (chrome-extension://<32 letters a-p>/ with the "
                                         "trailing slash); the browser ignores the manifest",
                                         where, value),
                             id_fix, manifest.string()));
        }
      }
      for (const auto& id : expected_ids(options)) {
        const std::string origin = fmt::format("chrome-extension://{}/", id);
        if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
          out.push_back(make(area, "manifest.extension", Severity::Error,
                             fmt::format("{}: \"allowed_origins\" does not allow {} (\"Access to the specified native "
                                         "messaging host is forbidden\")",
                                         where, origin),
                             id_fix, manifest.string()));
        }
      }
    }
  }
  if (out.size() == before) {
    out.push_back(make(area, "manifest.ok", Severity::Ok, fmt::format("{} is valid", where), {}, manifest.string()));
  }
  return out;
}

#if defined(_WIN32)
HelloResult probe_host(const fs::path&, const std::vector<std::string>&, std::chrono::milliseconds) {
  return HelloResult{false, "starting the host is not checked on Windows yet", {}};
}
#else
namespace {


bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe(fds) != 0) return false;  // pipe2 is not on macOS
  read_end.fd = fds[0];
  write_end.fd = fds[1];
  return ::fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0 && ::fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0;
}

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

}  // namespace

HelloResult probe_host(const fs::path& host, const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  HelloResult result;
  UniqueFd in_read, in_write, out_read, out_write, err_read, err_write, exec_read, exec_write;
  if (!make_pipe(in_read, in_write) || !make_pipe(out_read, out_write) || !make_pipe(err_read, err_write) ||
      !make_pipe(exec_read, exec_write)) {
    result.error = fmt::format("cannot create pipes: {}", std::strerror(errno));
    return result;
  }
  std::vector<std::string> argv_storage{host.string()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string dir = host.parent_path().string();

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = fmt::format("cannot start a process: {}", std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    ::dup2(in_read.fd, STDIN_FILENO);
    ::dup2(out_write.fd, STDOUT_FILENO);
    ::dup2(err_write.fd, STDERR_FILENO);
    if (!dir.empty()) (void)::chdir(dir.c_str());  // Chrome starts hosts in their own folder
    ::execv(argv[0], argv.data());
    const int error = errno;
    (void)::write(exec_write.fd, &error, sizeof error);
    ::_exit(127);
  }
  in_read.reset();
  out_write.reset();
  err_write.reset();
  exec_write.reset();

  const auto deadline = Clock::now() + timeout;
  int exec_errno = 0;
  if (::read(exec_read.fd, &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.error = fmt::format("cannot start {}: {}", host.string(), std::strerror(exec_errno));
    return result;
  }

  // A host that dies early must not kill us with SIGPIPE.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);

  const std::string body = R"({"type":"hello","id":"careguard-doctor","protocol":1})";
  const auto length = static_cast<std::uint32_t>(body.size());
  std::string frame(4, '\0');
  std::memcpy(frame.data(), &length, 4);  // native byte order, as the browsers send it
  frame += body;
  bool wrote = ::write(in_write.fd, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());

  std::string out;
  std::string err;
  bool have_frame = false;
  std::uint32_t reply_length = 0;
  bool out_open = true;
  bool err_open = true;
  while (wrote && out_open && !have_frame) {
    pollfd fds[2] = {{out_read.fd, POLLIN, 0}, {err_open ? err_read.fd : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, remaining_ms(deadline));
    if (ready <= 0) break;  // timeout (or error)
    char buffer[65536];
    if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      const ssize_t n = ::read(err_read.fd, buffer, sizeof buffer);
      if (n <= 0) err_open = false;
      else if (err.size() < 4096) err.append(buffer, static_cast<std::size_t>(n));
    }
    if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) {
      const ssize_t n = ::read(out_read.fd, buffer, sizeof buffer);
      if (n <= 0) {
        out_open = false;
      } else {
        out.append(buffer, static_cast<std::size_t>(n));
      }
      if (out.size() >= 4) {
        std::memcpy(&reply_length, out.data(), 4);
        if (reply_length > 1024U * 1024U) break;
        if (out.size() >= 4U + reply_length) have_frame = true;
      }
    }
  }
  const auto reply_time = Clock::now();
  in_write.reset();  // end of stdin: the host must exit now

  int status = 0;
  bool exited = false;
  const auto exit_deadline = Clock::now() + std::min(timeout, std::chrono::milliseconds(2000));
  while (!exited) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) { exited = true; break; }
    if (Clock::now() >= exit_deadline) break;
    ::usleep(10'000);
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::sigaction(SIGPIPE, &previous, nullptr);

  const auto stderr_hint = [&err]() -> std::string {
    if (err.empty()) return {};
    auto line = err.substr(0, err.find('\n'));
    return fmt::format(" (its stderr: {})", line);
  };
  if (!wrote) {
    result.error = fmt::format("the host closed its input before reading the request{}", stderr_hint());
    return result;
  }
  if (!have_frame) {
    if (out.size() >= 4 && reply_length > 1024U * 1024U) {
      result.error = fmt::format(
          "the host wrote something other than a frame on stdout (length prefix {}): nothing but frames may go to "
          "stdout", reply_length);
    } else if (!out_open || exited) {
      result.error = fmt::format("the host exited without answering (status {}){}",
                                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), stderr_hint());
    } else {
      result.error = fmt::format("the host did not answer within {} ms{}", timeout.count(), stderr_hint());
    }
    return result;
  }
  result.reply = nlohmann::json::parse(out.substr(4, reply_length), nullptr, false);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(reply_time - (deadline - timeout));
  if (result.reply.is_discarded() || !result.reply.is_object()) {
    result.error = "the host's reply is not a JSON object";
    result.reply = nullptr;
    return result;
  }
  if (result.reply.value("type", "") == "error") {
    result.error = fmt::format("the host answered error {} {}: {}", result.reply.value("code", 0),
                               result.reply.value("name", ""), result.reply.value("message", ""));
    return result;
  }
  if (result.reply.value("type", "") != "hello") {
    result.error = fmt::format("the host answered type \"{}\" instead of hello", result.reply.value("type", ""));
    return result;
  }
  if (!exited) {
    result.error = "the host answered but did not exit when its input closed (Chrome kills it after 2 s)";
    return result;
  }
  result.ok = true;
  return result;
}
#endif

Report run(const Options& options) {
  Report report;
  const auto browsers = options.browsers.empty() ? install::all_browsers() : options.browsers;
  const bool explicit_browsers = !options.browsers.empty();
  const std::string file_name = fmt::format("{}.json", kHostName);

  // (host path, caller arguments) pairs to start once each, with the browsers that use them.
  std::map<std::pair<std::string, std::vector<std::string>>, std::vector<std::string>> probes;

  for (const auto browser : browsers) {
    const std::string area(install::to_string(browser));
    if (options.os == install::Os::Windows) {
      report.checks.push_back(make(area, "windows.registry", Severity::Info,
                                   "registry keys are not inspected yet on Windows: check HKLM\\SOFTWARE\\<vendor>\\"
                                   "NativeMessagingHosts\\app.careguard.host (docs/DEPLOY.md)"));
      continue;
    }
    struct Found {
      fs::path path;
      Scope scope;
      bool valid;
      nlohmann::json json;
    };
    std::vector<Found> found;
    for (const auto scope : {Scope::User, Scope::System}) {
      for (const auto& dir : install::manifest_dirs(browser, scope, options.os, options.home, options.root,
                                                             options.config_home)) {
        const fs::path manifest = dir / file_name;
        std::error_code ec;
        if (!fs::exists(manifest, ec)) continue;
        auto checks = check_manifest(manifest, browser, scope, options);
        const bool valid = std::none_of(checks.begin(), checks.end(),
                                        [](const Check& c) { return c.severity == Severity::Error; });
        const auto text = read_file(manifest);
        found.push_back(Found{manifest, scope, valid,
                              text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json()});
        for (auto& check : checks) report.checks.push_back(std::move(check));
      }
    }
    if (found.empty()) {
      if (explicit_browsers || browser_present(browser, options)) {
        report.checks.push_back(make(area, "manifest.missing", Severity::Error,
                                     fmt::format("no {} host manifest where {} looks (\"Specified native messaging host "
                                                 "not found\")",
                                                 kHostName, area),
                                     install_fix(options, browser, Scope::System)));
      } else {
        report.checks.push_back(make(area, "browser.absent", Severity::Info, fmt::format("{} not found; skipped", area)));
      }
      continue;
    }
    // The browser reads the per-user folder first: a per-user manifest hides the system one.
    const auto user = std::find_if(found.begin(), found.end(), [](const Found& f) { return f.scope == Scope::User; });
    const auto system = std::find_if(found.begin(), found.end(), [](const Found& f) { return f.scope == Scope::System; });
    if (user != found.end() && system != found.end()) {
      const std::string uninstall = fmt::format("careguard uninstall --user --browser {}", area);
      if (!user->valid) {
        report.checks.push_back(make(area, "manifest.shadowed", Severity::Error,
                                     fmt::format("a broken per-user manifest {} hides the system one {}",
                                                 user->path.string(), system->path.string()),
                                     uninstall, user->path.string()));
      } else if (user->json != system->json) {
        report.checks.push_back(make(area, "manifest.shadowed", Severity::Warning,
                                     fmt::format("the per-user manifest {} overrides the system one {} (unless policy "
                                                 "NativeMessagingUserLevelHosts is false)",
                                                 user->path.string(), system->path.string()),
                                     uninstall, user->path.string()));
      }
    }
    const auto& used = user != found.end() ? *user : *system;
    if (used.valid && options.probe_host) {
      std::string host = used.json.value("path", "");
      if (!options.root.empty()) host = (options.root / fs::path(host).relative_path()).string();
      if (install::manifest_kind(browser) == install::ManifestKind::Firefox) {
        probes[{host, {used.path.string(), firefox_id(options)}}].push_back(area);
      } else {
        for (const auto& id : expected_ids(options)) {
          probes[{host, {fmt::format("chrome-extension://{}/", id)}}].push_back(area);
        }
      }
    }
  }

  // Configuration, packs, trusted keys.
  Config config = default_config(options.paths);
  bool allow_user = true;
  for (const auto& [path, label] : {std::pair{options.paths.system_config, "system"}, std::pair{options.paths.user_config, "user"}}) {
    if (path.empty()) continue;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      report.checks.push_back(make("config", "config.absent", Severity::Info,
                                   fmt::format("no {} configuration at {} (defaults apply)", label, path.string())));
      continue;
    }
    if (std::string_view(label) == "user" && !allow_user) {
      report.checks.push_back(make("config", "config.user_ignored", Severity::Info,
                                   fmt::format("{} is ignored: the system configuration sets allow_user_config false",
                                               path.string())));
      continue;
    }
    const auto text = read_file(path);
    if (!text) {
      report.checks.push_back(make("config", "config.unreadable", Severity::Error,
                                   fmt::format("{} cannot be read: {}", path.string(), std::strerror(errno)),
                                   fmt::format("{}chmod 644 '{}'", sudo_prefix(options), path.string()), path.string()));
      continue;
    }
    try {
      bool allow = true;
      apply_config_json(config, *text, path, std::string_view(label) == "system" ? &allow : nullptr);
      if (std::string_view(label) == "system") allow_user = allow;
      report.checks.push_back(make("config", "config.ok", Severity::Ok, fmt::format("{} is valid", path.string()), {},
                                   path.string()));
      if (auto writable = writable_by_others(path, "config", options)) report.checks.push_back(std::move(*writable));
    } catch (const std::exception& e) {
      report.checks.push_back(make("config", "config.invalid", Severity::Error, e.what(),
                                   fmt::format("correct {} (docs/CONFIG.md)", path.string()), path.string()));
    }
  }
  std::vector<fs::path> pack_dirs{options.paths.system_packs, options.paths.user_packs};
  for (const auto& dir : config.pack_dirs) {
    if (std::find(pack_dirs.begin(), pack_dirs.end(), dir) == pack_dirs.end()) pack_dirs.push_back(dir);
  }
  std::size_t pack_files = 0;
  for (const auto& dir : pack_dirs) {
    if (dir.empty()) continue;
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
      report.checks.push_back(make("packs", "packs.absent", Severity::Info, fmt::format("no pack folder {}", dir.string())));
      continue;
    }
    fs::directory_iterator it(dir, ec);
    if (ec) {
      report.checks.push_back(make("packs", "packs.unreadable", Severity::Error,
                                   fmt::format("pack folder {} cannot be read: {}", dir.string(), ec.message()),
                                   fmt::format("{}chmod 755 '{}'", sudo_prefix(options), dir.string()), dir.string()));
      continue;
    }
    if (auto writable = writable_by_others(dir, "packs", options)) report.checks.push_back(std::move(*writable));
    std::size_t count = 0;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      // .cgpack is what install_pack writes; .cgpack.json (and other .json) what IT copies in.
      if (it->path().extension() != ".json" && it->path().extension() != ".cgpack") continue;
      ++count;
      if (auto writable = writable_by_others(it->path(), "packs", options)) report.checks.push_back(std::move(*writable));
    }
    pack_files += count;
    report.checks.push_back(make("packs", "packs.ok", Severity::Ok,
                                 fmt::format("pack folder {} is readable ({} pack file(s))", dir.string(), count), {},
                                 dir.string()));
  }
  std::size_t good_keys = 0;
  for (std::size_t i = 0; i < config.trusted_keys.size(); ++i) {
    const auto decoded = base64_decode(config.trusted_keys[i]);
    if (!decoded || decoded->size() != 32) {
      report.checks.push_back(make("keys", "keys.invalid", Severity::Error,
                                   fmt::format("trusted key {} is not a base64 Ed25519 public key (32 bytes)", i + 1),
                                   "correct trusted_keys in the configuration (careguard pack keygen prints a key)"));
    } else {
      ++good_keys;
    }
  }
  if (pack_files > 0 && good_keys == 0) {
    report.checks.push_back(make("keys", "keys.none", Severity::Warning,
                                 fmt::format("{} pack file(s) found but no trusted key: they will be refused", pack_files),
                                 "add your organisation's public key to trusted_keys in the system configuration"));
  } else if (good_keys > 0) {
    report.checks.push_back(make("keys", "keys.ok", Severity::Ok, fmt::format("{} trusted key(s)", good_keys)));
  }

  // Start the host as the browsers would.
  for (const auto& [probe, areas] : probes) {
    const auto& [host, args] = probe;
    std::string who;
    for (const auto& area : areas) who += (who.empty() ? "" : ", ") + area;
    const auto hello = probe_host(host, args, options.probe_timeout);
    const std::string how = fmt::format("{} {}", host, args.empty() ? std::string() : args.back());
    if (hello.ok) {
      report.checks.push_back(make("host", "host.hello", Severity::Ok,
                                   fmt::format("host answers hello for {} (version {}, {} pack(s))", how,
                                               hello.reply.value("host_version", "?"),
                                               hello.reply.contains("packs") && hello.reply["packs"].is_array()
                                                   ? hello.reply["packs"].size()
                                                   : 0),
                                   {}, host));
      if (hello.elapsed > options.slow_start) {
        report.checks.push_back(make("host", "host.slow", Severity::Warning,
                                     fmt::format("the host took {} ms to answer hello; the extension waits that long "
                                                 "each time the browser starts it",
                                                 hello.elapsed.count()),
                                     "the first start compiles the packs; if every start is this slow, check that cache_dir is writable", host));
      }
      if (hello.reply.contains("pack_errors") && hello.reply["pack_errors"].is_array()) {
        for (const auto& pack_error : hello.reply["pack_errors"]) {
          report.checks.push_back(make("packs", "packs.refused", Severity::Warning,
                                       fmt::format("the host refused pack {}: {}", pack_error.value("path", "?"),
                                                   pack_error.value("error", "?")),
                                       "re-sign the pack with a trusted key, or remove it"));
        }
      }
    } else {
      std::string fix = fmt::format("reinstall the host ({}careguard install --system --browser {})", sudo_prefix(options),
                                    areas.size() == 1 ? areas.front() : std::string("all"));
      if (hello.reply.is_object() && hello.reply.value("name", "") == "caller_not_allowed") {
        fix = fmt::format("add \"{}\" to allowed_callers in {}", args.back(), options.paths.system_config.string());
      }
      report.checks.push_back(make("host", "host.hello", Severity::Error,
                                   fmt::format("the host {} uses, started as {}: {}", who, how, hello.error), fix, host));
    }
  }
  return report;
}

}  // namespace careguard::doctor
