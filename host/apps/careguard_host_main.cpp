// careguard-host: the native messaging host. stdout carries frames and nothing else.

#include "careguard/compile_helper.hpp"
#include "careguard/config.hpp"
#include "careguard/frame.hpp"
#include "careguard/host_session.hpp"
#include "careguard/logging.hpp"
#include "careguard/pack_manager.hpp"
#include "careguard/version.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#ifndef STDIN_FILENO
#define STDIN_FILENO 0
#endif
#else
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#endif

namespace {

/// Keeps stdout for frames only: the protocol gets its own copy of the descriptor and fd 1 is
/// pointed at stderr, so a stray print from any library can never corrupt the stream.
int claim_protocol_output() {
#ifdef _WIN32
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  return _fileno(stdout);
#else
  // Close-on-exec: the compiler process must never hold the browser's pipe.
  const int protocol_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (protocol_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    return STDOUT_FILENO;
  }
  return protocol_fd;
#endif
}

std::string pack_versions(const careguard::PackState& state) {
  std::string out;
  for (const auto& pack : state.engine->packs()) {
    out += (out.empty() ? "" : ",") + pack.id + "@" + pack.version;
  }
  return out;
}

[[noreturn]] void exit_now(int status) {
  // Chrome SIGKILLs the host two seconds after closing the port; nothing is buffered (frames and
  // audit events are written whole as they happen), so leave at once without joining threads.
  spdlog::default_logger()->flush();
  std::fflush(stderr);
  std::_Exit(status);
}

}  // namespace

int main(int argc, char** argv) {
#ifndef _WIN32
  std::signal(SIGPIPE, SIG_IGN);  // a closed port shows up as a failed write, not a signal
  std::signal(SIGXFSZ, SIG_IGN);  // a file-size limit shows up as a failed cache or audit write
  // The host holds post text in memory while it scans. A crash must not put it in a core file or
  // hand it to a crash reporter (systemd-coredump, apport), and another process of the same user
  // must not read it through ptrace: no core dumps, and not dumpable.
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
#ifdef __linux__
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
#endif
  if (argc > 1 && std::string_view(argv[1]) == careguard::kCompileHelperFlag) {
    // A child of a host, compiling for it (compile_helper.hpp): no protocol, no configuration.
#ifdef __linux__
    // A compile nobody waits for is wasted CPU on a laptop: it ends with the host.
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
#endif
    spdlog::set_level(spdlog::level::warn);
    return careguard::run_compile_helper(careguard::kCompileHelperFd);
  }
  const int protocol_fd = claim_protocol_output();
  const std::vector<std::string> arguments(argv + 1, argv + argc);
  const careguard::HostArguments args = careguard::parse_host_arguments(arguments);

  careguard::Config config;
  try {
    config = careguard::load_config(args.config);
  } catch (const careguard::ConfigError& error) {
    std::fprintf(stderr, "careguard-host: %s\n", error.what());
    return 2;
  }
  careguard::setup_logging("careguard-host", config);

  const bool caller_allowed =
      args.caller && std::find(config.allowed_callers.begin(), config.allowed_callers.end(), *args.caller) !=
                         config.allowed_callers.end();
  if (!caller_allowed) {
    spdlog::warn("caller {} is not on the allowed list; every request will be refused",
                 args.caller ? *args.caller : std::string("(none)"));
  }

  careguard::PackManager packs(config);
  if (const auto executable = careguard::CompileHelper::own_executable()) {
    packs.use_compile_helper(careguard::CompileHelper(
        *executable, std::chrono::milliseconds(static_cast<long long>(config.compile_time_limit_seconds * 1000))));
  }
  try {
    packs.load();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "careguard-host: the built-in base pack failed to load: %s\n", error.what());
    return 2;
  }
  packs.start_watching();

  std::unique_ptr<careguard::AuditLog> audit;
  if (config.audit.enabled) {
    audit = std::make_unique<careguard::AuditLog>(config.audit, std::string(careguard::kHostVersion),
                                                  pack_versions(*packs.state()));
  }
  careguard::HostSession session(packs, audit.get(), caller_allowed);
  careguard::FrameReader reader(STDIN_FILENO);
  careguard::FrameWriter writer(protocol_fd);
  spdlog::info("careguard-host {} ready (protocol {})", careguard::kHostVersion, careguard::kProtocolVersion);

  for (;;) {
    auto frame = reader.next();
    std::string reply;
    switch (frame.status) {
      case careguard::FrameReader::Status::Frame:
        if (audit) {
          audit->set_pack_versions(pack_versions(*packs.state()));
        }
        reply = session.handle(frame.body);
        break;
      case careguard::FrameReader::Status::TooLarge:
        reply = careguard::error_reply(nullptr, careguard::ErrorCode::FrameTooLarge,
                                       "frame of " + std::to_string(frame.length) + " bytes discarded; the limit is 8 MiB");
        break;
      case careguard::FrameReader::Status::Empty:
        reply = careguard::error_reply(nullptr, careguard::ErrorCode::FrameEmpty, "frame of length 0");
        break;
      case careguard::FrameReader::Status::Corrupt:
        spdlog::error("impossible frame length {}: the input is not native messaging frames", frame.length);
        (void)writer.write(careguard::error_reply(nullptr, careguard::ErrorCode::StreamCorrupt,
                                                  "impossible frame length; closing"));
        exit_now(3);
      case careguard::FrameReader::Status::EndOfStream:
        exit_now(0);
      case careguard::FrameReader::Status::IoError:
        spdlog::error("reading stdin failed");
        exit_now(0);
    }
    if (!writer.write(reply)) {
      exit_now(0);  // the browser has gone
    }
  }
}
