#include "careguard/pack_manager.hpp"

#include "careguard/compile_helper.hpp"
#include "careguard/database_cache.hpp"
#include "careguard/signing.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

namespace careguard {
namespace {

constexpr std::string_view kPackSuffix = ".cgpack";
constexpr std::uintmax_t kMaxPackFileBytes = 64U * 1024U * 1024U;

std::string now_iso8601() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    throw PackError("cannot be read (permissions?)");
  }
  // One read into a buffer of the file's size (a stream buffer and its copy would be two more
  // passes over megabytes at every start).
  const auto size = static_cast<std::streamoff>(in.tellg());
  std::string text(size > 0 ? static_cast<std::size_t>(size) : 0U, '\0');
  in.seekg(0);
  if (size > 0 && !in.read(text.data(), size)) {
    throw PackError("cannot be read (permissions?)");
  }
  return text;
}

std::shared_ptr<const Pack> verified_pack(std::string_view signed_text, const Config& config, const std::string& source) {
  const VerifiedPack verified = verify_signed_pack(signed_text, config.trusted_keys);
  auto pack = std::make_shared<const Pack>(parse_pack_text(verified.pack_text, source));
  if (pack->kind != "org") {
    throw PackError("only org packs can be installed; the base pack is built in");
  }
  return pack;
}

}  // namespace

PackManager::PackManager(Config config) : config_(std::move(config)) {
  if (!config_.cache_dir.empty()) {
    cache_ = std::make_unique<DatabaseCache>(config_.cache_dir);
  }
}

PackManager::~PackManager() {
  stop();
  // Work still running on another thread is waited for; work that never started (no thread could
  // be made for it) is not started now.
  auto finish = [](auto& pending) {
    if (pending.valid() && pending.wait_for(std::chrono::seconds(0)) != std::future_status::deferred) {
      pending.wait();
    }
  };
  finish(builtin_warm_);
  finish(preload_);
}

void PackManager::use_compile_helper(CompileHelper helper) {
  const std::lock_guard lock(rebuild_mutex_);
  helper_ = std::move(helper);
}

DatabaseCache* PackManager::cache() const { return cache_.get(); }

std::shared_ptr<const PackState> PackManager::state() const { return state_.load(std::memory_order_acquire); }

std::vector<std::filesystem::path> PackManager::pack_files(std::vector<std::filesystem::path>& unreadable) const {
  std::vector<std::filesystem::path> files;
  for (const auto& dir : config_.pack_dirs) {
    std::error_code error;
    std::filesystem::directory_iterator it(dir, error);
    if (error) {
      // A missing folder is normal. One that exists but cannot be listed holds packs IT meant to be
      // in force, so it is reported rather than read as "no packs".
      std::error_code ignored;
      if (std::filesystem::exists(dir, ignored) || error != std::errc::no_such_file_or_directory) {
        unreadable.push_back(dir);
      }
      continue;
    }
    for (const auto& entry : it) {
      const auto& path = entry.path();
      if (path.extension() == kPackSuffix || path.filename().string().ends_with(".cgpack.json")) {
        files.push_back(path);
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

PackManager::Fingerprint PackManager::fingerprint() const {
  Fingerprint files;
  std::vector<std::filesystem::path> unreadable;
  const auto found = pack_files(unreadable);
  for (const auto& dir : unreadable) {
    FileState state;
    state.unreadable_folder = true;
    files[dir] = state;
  }
  for (const auto& path : found) {
    std::error_code error;
    FileState state;
    state.modified = std::filesystem::last_write_time(path, error);
    state.size = std::filesystem::file_size(path, error);
    files[path] = state;
  }
  return files;
}

void PackManager::rebuild(const Fingerprint& files) {
  std::vector<PackProblem> problems;
  std::vector<std::pair<std::filesystem::path, std::shared_ptr<const Pack>>> candidates;
  for (const auto& [path, file_state] : files) {
    if (file_state.unreadable_folder) {
      problems.push_back({path.string(), "the pack folder cannot be read (permissions?); its packs are not loaded"});
      spdlog::warn("pack folder {} cannot be read; packs already in force from it stay in force", path.string());
      // Packs that were in force from this folder stay in force: a permissions slip must not turn
      // an organisation's rules off.
      for (const auto& [file, pack] : last_good_) {
        if (file.parent_path() == path && !files.contains(file)) {
          candidates.emplace_back(file, pack);
        }
      }
      continue;
    }
    try {
      if (file_state.size > kMaxPackFileBytes) {
        throw PackError("larger than 64 MiB");
      }
      candidates.emplace_back(path, verified_pack(read_file(path), config_, path.string()));
    } catch (const std::exception& error) {
      problems.push_back({path.string(), error.what()});
      spdlog::warn("pack refused: {}: {}", path.string(), error.what());
      if (const auto last = last_good_.find(path); last != last_good_.end()) {
        spdlog::warn("pack {}: keeping the last good version {}", path.string(), last->second->version);
        candidates.emplace_back(path, last->second);
      }
    }
  }
  // Build with every candidate; if that fails, add them one at a time and leave out the ones
  // that break the build, so one bad pack never takes the others (or the base) down with it.
  // The packs are shared with last_good_ and candidates, never copied: an org pack's name list
  // is megabytes of JSON.
  std::vector<const Pack*> packs{&builtin_base_pack()};
  std::vector<std::shared_ptr<const Pack>> held;  // what `packs` points at, beyond the base
  std::shared_ptr<const Engine> engine;
  std::vector<std::filesystem::path> in_force;
  const CompileHelper* helper = helper_ ? &*helper_ : nullptr;
  // Trial compiles in a child may as well fill the cache: the last one is the set that goes
  // into force. In process they leave it alone.
  auto trial = [&] { (void)Engine::build(packs, helper != nullptr ? cache() : nullptr, helper); };
  try {
    try {
      for (const auto& [path, pack] : candidates) {
        packs.push_back(pack.get());
        held.push_back(pack);
        in_force.push_back(path);
      }
      std::shared_ptr<Engine> preloaded;
      if (preload_.valid()) {
        try {
          preloaded = preload_.get();
        } catch (const std::exception& error) {
          spdlog::warn("database cache: loading ahead failed ({}); loading it now", error.what());
        }
      }
      engine = Engine::build(packs, cache(), helper, std::move(preloaded));
    } catch (const PackError&) {
      packs.resize(1);
      held.clear();
      in_force.clear();
      for (const auto& [path, pack] : candidates) {
        packs.push_back(pack.get());
        try {
          trial();
          held.push_back(pack);
          in_force.push_back(path);
        } catch (const PackError& error) {
          packs.pop_back();
          problems.push_back({path.string(), error.what()});
          spdlog::warn("pack refused: {}: {}", path.string(), error.what());
          // A new version that verifies but does not compile must not take the file's last good
          // version out of force with it.
          const auto last = last_good_.find(path);
          if (last != last_good_.end() && last->second != pack) {
            packs.push_back(last->second.get());
            try {
              trial();
              held.push_back(last->second);
              in_force.push_back(path);
              spdlog::warn("pack {}: keeping the last good version {}", path.string(), last->second->version);
            } catch (const PackError&) {
              packs.pop_back();
            }
          }
        }
      }
      engine = Engine::build(packs, cache(), helper);
    }
  } catch (const CompileHelperError& error) {
    // The compile crashed, was killed or ran out of time: nothing says which pack is at fault,
    // so the engine in force keeps protecting, and status says why nothing changed. A first
    // start has none yet; the built-in base pack compiles in process then.
    const auto previous = state_.load(std::memory_order_acquire);
    const std::string why = fmt::format("{}; {}", error.what(),
                                        previous != nullptr ? "the packs already in force stay in force"
                                                            : "only the built-in base pack is in force");
    spdlog::error("compiling the packs failed: {}", why);
    problems.push_back({"(compile)", why});
    in_force.clear();
    if (previous != nullptr) {
      engine = previous->engine;
    } else {
      engine = Engine::build(std::vector<const Pack*>{&builtin_base_pack()}, cache());
    }
  }
  for (std::size_t i = 0; i < in_force.size(); ++i) {
    last_good_[in_force[i]] = held[i];
  }
  if (cache_ != nullptr && engine->stats().expressions > 0) {
    // Noted only when the database is in the cache to be loaded ahead (a full disk may have
    // kept it out).
    const std::string key = DatabaseCache::key_for(engine->content_hash());
    std::error_code error;
    if (std::filesystem::exists(cache_->path_for(key), error)) {
      cache_->remember(key);
    }
  }
  auto state = std::make_shared<PackState>();
  state->engine = std::move(engine);
  state->problems = std::move(problems);
  state->reloads = reloads_++;
  state->last_reload = now_iso8601();
  state_.store(std::move(state), std::memory_order_release);
}

void PackManager::load() {
  const std::lock_guard lock(rebuild_mutex_);
  // The database the last start used is loaded on another core while the packs are listed, read
  // and verified; the build takes it over only if the packs still compile to it.
  if (cache_ != nullptr && state_.load() == nullptr) {
    preload_ = std::async(std::launch::async | std::launch::deferred,
                          [cache = cache_.get()] { return Engine::preload(*cache); });
  }
  last_fingerprint_ = fingerprint();
  // With org packs to read and verify (the longest part of a start), the built-in base pack is
  // parsed and its tables made meanwhile on the second core. Should that fail there, rebuild()
  // parses it again and throws as it always did.
  if (!last_fingerprint_.empty() && !builtin_warm_.valid()) {
    builtin_warm_ = std::async(std::launch::async | std::launch::deferred, [] {
      (void)builtin_base_pack();
      Engine::prepare_builtin_tables();
    });
  }
  rebuild(last_fingerprint_);
}

bool PackManager::poll() {
  const std::lock_guard lock(rebuild_mutex_);
  auto files = fingerprint();
  if (files == last_fingerprint_ && state_.load() != nullptr) {
    return false;
  }
  last_fingerprint_ = files;
  rebuild(files);
  spdlog::info("packs reloaded: {} in force, {} refused", state_.load()->engine->packs().size(),
               state_.load()->problems.size());
  return true;
}

void PackManager::start_watching() {
  watcher_ = std::thread([this] {
    std::unique_lock lock(watch_mutex_);
    while (!stopping_) {
      watch_wake_.wait_for(lock, std::chrono::duration<double>(config_.pack_poll_seconds));
      if (stopping_) {
        break;
      }
      lock.unlock();
      try {
        (void)poll();
      } catch (const std::exception& error) {
        spdlog::error("pack reload failed: {}", error.what());
      }
      lock.lock();
    }
  });
}

void PackManager::stop() {
  {
    const std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_wake_.notify_all();
  if (watcher_.joinable()) {
    watcher_.join();
  }
}

PackSummary PackManager::install(std::string_view signed_pack_text) {
  const auto pack = verified_pack(signed_pack_text, config_, "install_pack");
  // Compile it with the base pack before anything touches the disk; in the compiler process, when
  // there is one, which also leaves the database in the cache for the reload below.
  const CompileHelper* helper = helper_ ? &*helper_ : nullptr;
  try {
    (void)Engine::build(std::vector<const Pack*>{&builtin_base_pack(), pack.get()},
                        helper != nullptr ? cache() : nullptr, helper);
  } catch (const CompileHelperError& error) {
    throw PackError(fmt::format("the pack could not be compiled: {}", error.what()));
  }
  if (config_.pack_dirs.empty()) {
    throw PackError("no pack directory is configured");
  }
  const auto dir = config_.pack_dirs.back();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  const auto target = dir / fmt::format("{}{}", pack->id, kPackSuffix);
  const auto temporary = dir / fmt::format(".{}{}.tmp", pack->id, kPackSuffix);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(signed_pack_text.data(), static_cast<std::streamsize>(signed_pack_text.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary, error);
      throw PackError(fmt::format("cannot write {} (disk full or no permission)", dir.string()));
    }
  }
  std::filesystem::rename(temporary, target, error);
  if (error) {
    throw PackError(fmt::format("cannot install into {}: {}", dir.string(), error.message()));
  }
  (void)poll();
  return {pack->id, pack->version, pack->rules.size(), target.string()};
}

}  // namespace careguard
