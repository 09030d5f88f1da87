// Faults and leaks, against the real careguard-host (docs/SECURITY.md says which threat each test
// answers). Faults: the host killed mid-request, a pack folder it cannot read, a full disk under the
// audit log and under the cache, its binary replaced during an upgrade. Each must end with
// protection on, or with the host saying plainly what is off. Leaks: no network socket, no core
// dump, no text in stderr, log file or audit log, installed manifests not writable by others.
//
// The tests run as root, so "cannot read" is made real by starting the host as the unprivileged
// user 65534 (nobody), for whom permissions apply.

#include "../support/files.hpp"
#include "careguard/signing.hpp"
#include "security_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace careguard::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr unsigned kNobody = 65534;

void give_to(const fs::path& path, unsigned uid) {
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    ASSERT_EQ(::chown(entry.path().c_str(), uid, uid), 0) << entry.path();
  }
  ASSERT_EQ(::chown(path.c_str(), uid, uid), 0);
}

std::string org_pack(const std::string& secret_key) {
  const json rule = {{"id", "org.fictional-ward"},
                     {"category", "internal"},
                     {"severity", "warn"},
                     {"clause", "9.1"},
                     {"message", "Fictional organisation rule."},
                     {"patterns", {"\\bbrambleford ward\\b"}}};
  return sign_pack(json{{"id", "fictional-org"}, {"version", "1.0.0"}, {"kind", "org"}, {"rules", {rule}}}.dump(),
                   secret_key);
}

bool has_pack(const json& reply, const std::string& id) {
  return std::any_of(reply["packs"].begin(), reply["packs"].end(), [&](const json& p) { return p["id"] == id; });
}

bool has_pack_error(const json& reply, const fs::path& path, const std::string& words) {
  return std::any_of(reply["pack_errors"].begin(), reply["pack_errors"].end(), [&](const json& e) {
    return e.value("path", "") == path.string() && e.value("error", "").find(words) != std::string::npos;
  });
}

class HostFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // User 65534 must reach the packs, the config and the copies of the binaries made in here.
    fs::permissions(dir_, fs::perms(0755), fs::perm_options::replace);
    config_ = host_dir_.default_config();
    config_["pack_poll_seconds"] = 0.2;
    write_config();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_ / "packs", fs::perms(0755), fs::perm_options::replace, ignored);
  }
  void write_config() const { host_dir_.write_config(config_); }
  [[nodiscard]] std::unique_ptr<HostProcess> start(const HostLaunch& launch = {}) const {
    return host_dir_.start({kOrigin}, launch);
  }
  /// A copy of `binary` that user 65534 can run: the build folder may be under a home folder only
  /// root can enter (a CI checkout in /root), and then the user could not start the original.
  [[nodiscard]] fs::path runnable_by_nobody(const fs::path& binary) const {
    const fs::path bin = dir_ / "bin";
    fs::create_directories(bin);
    fs::permissions(bin, fs::perms(0755), fs::perm_options::replace);
    const fs::path copy = bin / binary.filename();
    if (!fs::exists(copy)) {
      fs::copy_file(binary, copy);
      fs::permissions(copy, fs::perms(0755), fs::perm_options::replace);
    }
    return copy;
  }
  [[nodiscard]] HostLaunch as_nobody() const {
    HostLaunch launch;
    launch.uid = kNobody;
    launch.binary = runnable_by_nobody(CAREGUARD_HOST_BIN);
    return launch;
  }
  // A host whose cache is empty or refused compiles before it answers: in a sanitized build on a
  // busy two-core CI machine that has taken over a minute, so the bound is generous (a healthy
  // host answers in well under a second; only a hang waits this long).
  static constexpr auto kReplyWait = 300s;
  static void expect_protects(HostProcess& host, const std::string& id) {
    host.send(scan_body(std::string(kMarker) + " " + kNhs, id));
    const json reply = host.receive(kReplyWait);
    ASSERT_EQ(reply.value("type", ""), "result") << id << ": " << reply;
    EXPECT_EQ(reply["id"], id);
    EXPECT_EQ(reply["findings"].size(), 1U) << id << ": " << reply;
  }
  static json ask(HostProcess& host, const json& request) {
    host.send(request);
    return host.receive(kReplyWait);
  }

  const HostTestDir host_dir_{"careguard-faults"};
  const fs::path& dir_ = host_dir_.path();
  json config_;
};

// ---- faults -------------------------------------------------------------------------------------

TEST_F(HostFaultsTest, KilledMidRequestLeavesWholeAuditLinesAndTheNextHostProtects) {
  auto host = start();
  StderrDrain stderr_log(*host);
  expect_protects(*host, "warm");
  // Audit events and large scans interleaved, all written before any answer is read; the host is
  // killed once some answers have come, so it dies with requests in flight.
  std::string bytes;
  for (int i = 0; i < 400; ++i) {
    bytes += frame(audit_request(i).dump());
    bytes += frame(scan_body(std::string(kMarker) + " " + std::string(200U * 1024U, 'a') + " " + kNhs, "big"));
  }
  std::thread writer([&] { host->write_raw(bytes); });
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(host->read_frame(60s).has_value());
  }
  ASSERT_EQ(::kill(host->pid(), SIGKILL), 0);
  writer.join();
  EXPECT_EQ(host->wait_exit(5s), 128 + SIGKILL);
  stderr_log.stop();
  EXPECT_EQ(stderr_log.text().find(kMarker), std::string::npos);

  // Every audit line written is whole JSON; a line cut off by the kill would break log collection.
  const std::string audit = read_file(dir_ / "audit.jsonl");
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back(), '\n') << "the last audit line is cut off";
  std::istringstream lines(audit);
  std::string line;
  std::size_t events = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(json::parse(line, nullptr, false).is_object()) << "a broken audit line: " << line;
    ++events;
  }
  EXPECT_GE(events, 30U);

  // The browser's next connectNative starts a new host: it protects and appends to the same log.
  auto next = start();
  StderrDrain next_log(*next);
  expect_protects(*next, "after-kill");
  EXPECT_EQ(ask(*next, audit_request(9999))["recorded"], true);
  next->close_stdin();
  EXPECT_EQ(next->wait_exit(5s), 0);
  const std::string audit_after = read_file(dir_ / "audit.jsonl");
  EXPECT_EQ(std::count(audit_after.begin(), audit_after.end(), '\n'), static_cast<std::ptrdiff_t>(events + 1));
}

TEST_F(HostFaultsTest, KilledWhileWritingItsCacheLeavesNoCacheFileThatIsRejected) {
  // An empty cache folder, so the host's compiler process compiles the packs and then writes the
  // cache, to a temporary name first ("<file>.<writer pid>.tmp"). The writer and the host are
  // killed the moment that temporary file appears, mid-write. The next host must find no cache file
  // rather than a torn one (a torn one would be rejected, with a warning, and compiled again), write
  // a whole one, and clear away the temporary file left by the dead writer.
  const fs::path cache = dir_ / "cache";
  config_["cache_dir"] = cache.string();
  write_config();
  fs::create_directories(cache);
  // The write takes milliseconds and the temporary file may come and go between two looks; then
  // the case was not reached, so the cache is emptied and a fresh host tried (a few times at most).
  bool killed = false;
  for (int attempt = 0; attempt < 8 && !killed; ++attempt) {
    auto host = start();
    bool whole_written = false;
    const auto deadline = std::chrono::steady_clock::now() + 600s;
    while (!killed && !whole_written && std::chrono::steady_clock::now() < deadline) {
      for (const auto& entry : fs::directory_iterator(cache)) {
        if (entry.path().extension() == ".tmp") {
          const std::string name = entry.path().stem().string();  // "<key>.hsdb.<pid>"
          const auto writer = static_cast<pid_t>(std::stol(name.substr(name.rfind('.') + 1)));
          ::kill(writer, SIGKILL);  // it may have finished and gone already: then the host is killed alone
          ASSERT_EQ(::kill(host->pid(), SIGKILL), 0);
          killed = true;
          break;
        }
        if (entry.path().extension() == ".hsdb") {
          whole_written = true;
        }
      }
    }
    if (!killed) {
      ::kill(host->pid(), SIGKILL);
      (void)host->wait_exit(5s);
      fs::remove_all(cache);
      fs::create_directories(cache);
      continue;
    }
    EXPECT_EQ(host->wait_exit(5s), 128 + SIGKILL);
  }
  ASSERT_TRUE(killed) << "the host's cache write was never caught in the middle";
  std::size_t left = 0;
  for (const auto& entry : fs::directory_iterator(cache)) {
    EXPECT_NE(entry.path().extension(), ".hsdb") << "a cache file under its final name before the write ended";
    ++left;
  }
  EXPECT_EQ(left, 1U) << "the killed host left its temporary file (the case this test is about)";

  auto next = start();
  StderrDrain next_log(*next);
  expect_protects(*next, "after-kill");
  next->close_stdin();
  EXPECT_EQ(next->wait_exit(5s), 0);
  next_log.stop();
  EXPECT_EQ(next_log.text().find("database cache:"), std::string::npos)
      << "the next host found a torn cache file: " << next_log.text();
  std::size_t whole = 0;
  for (const auto& entry : fs::directory_iterator(cache)) {
    whole += entry.path().extension() == ".hsdb" ? 1U : 0U;
    EXPECT_NE(entry.path().extension(), ".tmp") << "a half-written cache file was left: " << entry.path();
  }
  EXPECT_GE(whole, 1U) << "the next host wrote its cache";
}

TEST_F(HostFaultsTest, UnreadablePackFolderIsNamedAndTheLastGoodPacksKeepProtecting) {
  const auto key = generate_signing_key();
  config_["trusted_keys"] = {key.public_key};
  config_["cache_dir"] = (dir_ / "cache").string();
  write_config();
  std::ofstream(dir_ / "packs" / "fictional-org.cgpack") << org_pack(key.secret_key);
  fs::create_directories(dir_ / "cache");
  give_to(dir_ / "cache", kNobody);

  auto host = start(as_nobody());
  StderrDrain stderr_log(*host);
  json hello = ask(*host, {{"type", "hello"}, {"id", 1}});
  ASSERT_EQ(hello["type"], "hello") << hello;
  ASSERT_TRUE(has_pack(hello, "fictional-org")) << hello;

  // The folder becomes unreadable while the host runs (an IT script, a wrong chmod).
  fs::permissions(dir_ / "packs", fs::perms(0700), fs::perm_options::replace);
  json status;
  for (int i = 0; i < 100; ++i) {
    status = ask(*host, {{"type", "status"}, {"id", 2}});
    if (!status["pack_errors"].empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(has_pack_error(status, dir_ / "packs", "cannot be read")) << status;
  EXPECT_TRUE(has_pack(status, "fictional-org")) << "the org pack in force stays in force: " << status;
  const json org_finding = ask(*host, json{{"type", "scan"}, {"id", "org"}, {"text", "moved to Brambleford Ward"}});
  ASSERT_EQ(org_finding["findings"].size(), 1U) << org_finding;
  EXPECT_EQ(org_finding["findings"][0]["rule"], "org.fictional-ward");
  expect_protects(*host, "base");

  // A host started now cannot load the org pack: it protects with the base pack and says why.
  auto fresh = start(as_nobody());
  StderrDrain fresh_log(*fresh);
  hello = ask(*fresh, {{"type", "hello"}, {"id", 3}});
  EXPECT_FALSE(has_pack(hello, "fictional-org")) << hello;
  EXPECT_TRUE(has_pack(hello, "uk-care-base")) << hello;
  EXPECT_TRUE(has_pack_error(hello, dir_ / "packs", "cannot be read")) << hello;
  expect_protects(*fresh, "fresh");
  fresh_log.stop();
  EXPECT_NE(fresh_log.text().find("cannot be read"), std::string::npos) << "the log says so too";

  // Readable again: the next poll brings the pack back and the error goes.
  fs::permissions(dir_ / "packs", fs::perms(0755), fs::perm_options::replace);
  for (int i = 0; i < 100; ++i) {
    hello = ask(*fresh, {{"type", "status"}, {"id", 4}});
    if (has_pack(hello, "fictional-org")) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(has_pack(hello, "fictional-org")) << hello;
  EXPECT_TRUE(hello["pack_errors"].empty()) << hello;
}

TEST_F(HostFaultsTest, UnreadablePackFileIsNamedAndTheBasePackProtects) {
  const auto key = generate_signing_key();
  config_["trusted_keys"] = {key.public_key};
  write_config();
  const fs::path pack = dir_ / "packs" / "fictional-org.cgpack";
  std::ofstream(pack) << org_pack(key.secret_key);
  fs::permissions(pack, fs::perms(0600), fs::perm_options::replace);  // root's alone
  auto host = start(as_nobody());
  StderrDrain stderr_log(*host);
  const json hello = ask(*host, {{"type", "hello"}, {"id", 1}});
  EXPECT_FALSE(has_pack(hello, "fictional-org")) << hello;
  EXPECT_TRUE(has_pack_error(hello, pack, "cannot be read")) << hello;
  expect_protects(*host, "base");
}

TEST_F(HostFaultsTest, FullDiskUnderTheAuditLogSaysNotRecordedAndScansGoOn) {
  config_["audit"]["path"] = "/dev/full";  // every write fails with ENOSPC
  write_config();
  auto host = start();
  StderrDrain stderr_log(*host);
  for (int i = 0; i < 3; ++i) {
    const json reply = ask(*host, audit_request(i));
    EXPECT_EQ(reply["type"], "ok") << reply;
    EXPECT_EQ(reply["recorded"], false) << "the host must not claim an event it could not write: " << reply;
    expect_protects(*host, "scan-" + std::to_string(i));
  }
  host->close_stdin();
  EXPECT_EQ(host->wait_exit(5s), 0);
  stderr_log.stop();
  EXPECT_NE(stderr_log.text().find("audit: cannot write"), std::string::npos) << stderr_log.text();
}

TEST_F(HostFaultsTest, FullDiskUnderTheCacheCompilesAndProtects) {
  const fs::path cache = dir_ / "cache";
  config_["cache_dir"] = cache.string();
  write_config();
  HostLaunch small_disk;
  small_disk.max_file_bytes = 64U * 1024U;  // far smaller than a compiled database
  auto host = start(small_disk);
  StderrDrain stderr_log(*host);
  expect_protects(*host, "small-disk");
  host->close_stdin();
  EXPECT_EQ(host->wait_exit(5s), 0) << "the host must not die of SIGXFSZ";
  stderr_log.stop();
  EXPECT_NE(stderr_log.text().find("database cache: cannot write"), std::string::npos) << stderr_log.text();
  for (const auto& entry : fs::directory_iterator(cache)) {
    ADD_FAILURE() << "a partial cache file was left: " << entry.path();
  }
}

TEST_F(HostFaultsTest, CorruptCacheFileIsRecompiledAndReplaced) {
  // The unit tests (DatabaseCacheTest.*) cover each kind of damage; this is the host's view of it.
  const fs::path cache = dir_ / "cache";
  config_["cache_dir"] = cache.string();
  write_config();
  {
    auto host = start();
    expect_protects(*host, "first");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(cache)) files.push_back(entry.path());
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(fs::file_size(file) / 2);
    damage.seekg(middle);
    const int byte = damage.get();
    damage.seekp(middle);
    damage.put(static_cast<char>(byte ^ 0xFF));  // a flipped byte, as a bad sector or torn write leaves
  }
  {
    auto host = start();
    StderrDrain stderr_log(*host);
    expect_protects(*host, "corrupt");
    host->close_stdin();
    EXPECT_EQ(host->wait_exit(5s), 0);
    stderr_log.stop();
    EXPECT_NE(stderr_log.text().find("checksum does not match"), std::string::npos) << stderr_log.text();
  }
  auto host = start();
  StderrDrain stderr_log(*host);
  expect_protects(*host, "replaced");
  host->close_stdin();
  EXPECT_EQ(host->wait_exit(5s), 0);
  stderr_log.stop();
  EXPECT_EQ(stderr_log.text().find("database cache:"), std::string::npos) << "the cache was rewritten whole";
}

TEST_F(HostFaultsTest, BinaryReplacedDuringAnUpgradeKeepsRunningAndTheNewOneStarts) {
  const fs::path bin = dir_ / "bin";
  fs::create_directories(bin);
  const fs::path installed = bin / "careguard-host";
  fs::copy_file(CAREGUARD_HOST_BIN, installed);
  HostLaunch from_copy;
  from_copy.binary = installed;
  auto running = start(from_copy);
  expect_protects(*running, "before");

  // Writing over a running executable is refused by the kernel, which is why packages do not.
  errno = 0;
  const int in_place = ::open(installed.c_str(), O_WRONLY | O_TRUNC);
  EXPECT_EQ(in_place, -1);
  EXPECT_EQ(errno, ETXTBSY);
  if (in_place >= 0) ::close(in_place);

  // dpkg writes the new file beside the old one and renames it over the old name.
  const fs::path unpacked = bin / "careguard-host.dpkg-new";
  fs::copy_file(CAREGUARD_HOST_BIN, unpacked);
  fs::rename(unpacked, installed);
  const std::string exe = fs::read_symlink("/proc/" + std::to_string(running->pid()) + "/exe").string();
  EXPECT_NE(exe.find("(deleted)"), std::string::npos) << "the running host still runs the old file: " << exe;

  expect_protects(*running, "after-replace");
  EXPECT_EQ(ask(*running, {{"type", "hello"}, {"id", 1}})["type"], "hello");
  auto upgraded = start(from_copy);
  expect_protects(*upgraded, "new-binary");
  running->close_stdin();
  EXPECT_EQ(running->wait_exit(5s), 0);
}

// ---- nothing leaked -----------------------------------------------------------------------------

/// Socket inodes listed in one of /proc/<pid>/net/<table>.
std::set<std::string> socket_inodes_in(pid_t pid, const std::string& table) {
  std::set<std::string> inodes;
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + table);
  std::string line;
  std::getline(in, line);
  const auto header = line;
  std::size_t inode_column = 0;
  {
    std::istringstream words(header);
    std::string word;
    for (std::size_t i = 0; words >> word; ++i) {
      if (word == "inode" || word == "Inode") inode_column = i;
    }
  }
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    std::string word;
    while (words >> word) fields.push_back(word);
    // In tcp, udp and raw the headings "tx_queue rx_queue" and "tr tm->when" are two words each
    // over one column each ("00000000:00000000"), so the inode is two columns left of its heading.
    const std::size_t column = table == "unix" ? inode_column : inode_column - 2;
    if (column < fields.size()) inodes.insert(fields[column]);
  }
  return inodes;
}

std::vector<std::string> open_socket_inodes(pid_t pid) {
  std::vector<std::string> sockets;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    const std::string target = fs::read_symlink(fd.path(), ec).string();
    if (target.starts_with("socket:[")) sockets.push_back(target.substr(8, target.size() - 9));
  }
  return sockets;
}

TEST(SocketInspection, FindsTheTestsOwnTcpAndUdpSockets) {
  // The check below is only as good as its reading of /proc: it must find sockets that exist.
  const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(tcp, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(tcp, reinterpret_cast<const sockaddr*>(&loopback), sizeof loopback), 0);
  ASSERT_EQ(::listen(tcp, 1), 0);
  ASSERT_EQ(::bind(udp, reinterpret_cast<const sockaddr*>(&loopback), sizeof loopback), 0);
  const auto mine = open_socket_inodes(::getpid());
  const auto tcp_inodes = socket_inodes_in(::getpid(), "tcp");
  const auto udp_inodes = socket_inodes_in(::getpid(), "udp");
  EXPECT_EQ(std::count_if(mine.begin(), mine.end(), [&](const std::string& i) { return tcp_inodes.contains(i); }), 1);
  EXPECT_EQ(std::count_if(mine.begin(), mine.end(), [&](const std::string& i) { return udp_inodes.contains(i); }), 1);
  ::close(tcp);
  ::close(udp);
}

TEST_F(HostFaultsTest, OpensNoNetworkSocketAndWritesNoTextToLogsOrAudit) {
  config_["audit"]["syslog"] = true;  // the one socket the host may open: AF_UNIX to /dev/log
  config_["log"]["file"] = (dir_ / "host.log").string();
  write_config();
  auto host = start();
  StderrDrain stderr_log(*host);
  EXPECT_EQ(ask(*host, {{"type", "hello"}, {"id", 1}})["type"], "hello");
  expect_protects(*host, "s1");
  EXPECT_EQ(ask(*host, audit_request(2))["type"], "ok");
  EXPECT_EQ(ask(*host, {{"type", "install_pack"}, {"id", 3}, {"pack", std::string("{}") + kMarker}})["code"], 10);
  EXPECT_EQ(ask(*host, {{"type", "status"}, {"id", 4}})["type"], "status");
  std::this_thread::sleep_for(500ms);  // the pack watcher has polled

  std::set<std::string> network;
  for (const char* table : {"tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"}) {
    const auto inodes = socket_inodes_in(host->pid(), table);
    network.insert(inodes.begin(), inodes.end());
  }
  const auto unix_sockets = socket_inodes_in(host->pid(), "unix");
  for (const auto& inode : open_socket_inodes(host->pid())) {
    EXPECT_FALSE(network.contains(inode)) << "the host holds a network socket, inode " << inode;
    EXPECT_TRUE(unix_sockets.contains(inode)) << "the host holds a socket that is not AF_UNIX, inode " << inode;
  }
  host->close_stdin();
  EXPECT_EQ(host->wait_exit(5s), 0);
  stderr_log.stop();
  const std::string log_file = read_file(dir_ / "host.log");
  const std::string audit = read_file(dir_ / "audit.jsonl");
  EXPECT_NE(log_file.find("scan:"), std::string::npos) << "the log file was written at trace level";
  for (const auto& [what, text] : {std::pair<std::string, std::string>{"stderr", stderr_log.text()},
                                   {"the log file", log_file},
                                   {"the audit log", audit}}) {
    EXPECT_EQ(text.find(kMarker), std::string::npos) << "text reached " << what;
    EXPECT_EQ(text.find("943 476"), std::string::npos) << "an NHS number reached " << what;
  }
}

TEST_F(HostFaultsTest, CrashLeavesNoCoreDumpAndNoTextInItsOutput) {
  const fs::path cwd = dir_ / "cwd";
  fs::create_directories(cwd);
  give_to(cwd, kNobody);
  HostLaunch launch = as_nobody();
  launch.allow_core_dumps = true;  // only the host's own setting can stop the dump
  launch.working_dir = cwd;
  auto host = start(launch);
  StderrDrain stderr_log(*host);
  expect_protects(*host, "before-crash");
  // Not dumpable: the kernel hands /proc/<pid> to root, so no other process of the user (and no
  // core dump) can read the host's memory.
  struct stat proc_entry {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(host->pid()) + "/mem").c_str(), &proc_entry), 0);
  EXPECT_EQ(proc_entry.st_uid, 0U) << "the host is dumpable: its memory, and the text in it, can be read";

  // A scan in flight when the host crashes.
  host->send(scan_body(std::string(kMarker) + " " + std::string(512U * 1024U, 'b') + " " + kNhs, "in-flight"));
  ASSERT_EQ(::kill(host->pid(), SIGABRT), 0);
  const auto status = host->wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 128 + SIGABRT);
  EXPECT_FALSE(host->dumped_core()) << "the kernel wrote a core dump of the host";
  for (const auto& entry : fs::directory_iterator(cwd)) {
    ADD_FAILURE() << "the crash left " << entry.path();
  }
  stderr_log.stop();
  EXPECT_EQ(stderr_log.text().find(kMarker), std::string::npos) << "text reached the crash output";
}

/// Runs the CLI as `uid` with umask 0 (the worst a user's shell can have) and waits for it.
int run_cli_as(unsigned uid, const fs::path& cli, const std::vector<std::string>& arguments, const fs::path& home) {
  std::vector<std::string> args{cli.string()};
  args.insert(args.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string home_env = "HOME=" + home.string();
  std::string path_env = "PATH=/usr/bin:/bin";
  std::vector<char*> envp{home_env.data(), path_env.data(), nullptr};
  const pid_t child = fork();
  if (child == 0) {
    ::umask(0);
    if (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0) _exit(125);
    const int quiet = ::open("/dev/null", O_WRONLY);
    dup2(quiet, STDOUT_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(HostFaultsTest, InstalledManifestsBelongToTheInstallerAndNoOneElseCanWriteThem) {
  const fs::path home = dir_ / "home";
  fs::create_directories(home);
  give_to(home, kNobody);
  const fs::path cli = runnable_by_nobody(CAREGUARD_CLI_BIN);
  ASSERT_EQ(run_cli_as(kNobody, cli, {"install", "--user", "--browser", "all", "--host-path", "/usr/bin/careguard-host"}, home),
            0);
  ASSERT_EQ(run_cli_as(0, cli, {"install", "--system", "--browser", "all", "--root", (dir_ / "root").string(),
                           "--host-path", "/usr/bin/careguard-host"},
                       home),
            0);
  std::size_t manifests = 0;
  for (const auto& [tree, owner] : {std::pair{home, kNobody}, std::pair{dir_ / "root", 0U}}) {
    for (const auto& entry : fs::recursive_directory_iterator(tree)) {
      if (entry.is_directory()) {
        EXPECT_EQ(entry.status().permissions() & (fs::perms::group_write | fs::perms::others_write), fs::perms::none)
            << entry.path() << " was created writable by others (umask 0)";
        continue;
      }
      if (entry.path().filename() != "app.careguard.host.json") continue;
      ++manifests;
      struct stat info {};
      ASSERT_EQ(::stat(entry.path().c_str(), &info), 0);
      EXPECT_EQ(info.st_uid, owner) << entry.path();
      EXPECT_EQ(info.st_mode & 07777U, 0644U) << entry.path() << " (installed with umask 0)";
    }
  }
  EXPECT_GE(manifests, 10U);
}

}  // namespace
}  // namespace careguard::testing
