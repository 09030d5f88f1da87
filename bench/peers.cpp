#include "peers.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <array>
#include <regex>

namespace careguard::bench {
namespace {

// RE2's default memory budget (8 MiB) is too small for the name and term alternations; a
// provider would raise it, so it is raised here rather than counting those rules as unsupported.
constexpr std::int64_t kRe2MaxMemory = std::int64_t{1} << 30;

class Re2SetPeer final : public Peer {
 public:
  Re2SetPeer() : options_(make_options()), set_(options_, RE2::UNANCHORED) {}

  [[nodiscard]] std::string name() const override { return "RE2::Set"; }

  std::vector<PeerFailure> compile(const std::vector<PeerPattern>& patterns) override {
    std::vector<PeerFailure> failures;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      auto single = std::make_unique<RE2>(patterns[i].regex, options_);
      if (!single->ok()) {
        failures.push_back({i, single->error()});
        continue;
      }
      std::string error;
      if (set_.Add(patterns[i].regex, &error) < 0) {
        failures.push_back({i, error});
        continue;
      }
      set_index_.push_back(static_cast<std::uint32_t>(i));
      singles_.push_back(std::move(single));
    }
    if (!set_.Compile()) {
      failures.push_back({patterns.size(), "RE2::Set did not compile (out of memory)"});
    }
    return failures;
  }

  bool scan(std::string_view text, std::vector<PeerMatch>& out) override {
    out.clear();
    hits_.clear();
    RE2::Set::ErrorInfo error{};
    const re2::StringPiece whole(text.data(), text.size());
    if (!set_.Match(whole, &hits_, &error)) {
      return error.kind == RE2::Set::kNoError;
    }
    for (const int hit : hits_) {
      const RE2& single = *singles_[static_cast<std::size_t>(hit)];
      re2::StringPiece found;
      std::size_t position = 0;
      while (position <= whole.size() &&
             single.Match(whole, position, whole.size(), RE2::UNANCHORED, &found, 1)) {
        const auto from = static_cast<std::uint32_t>(found.data() - whole.data());
        const auto to = static_cast<std::uint32_t>(from + found.size());
        out.push_back({set_index_[static_cast<std::size_t>(hit)], from, to});
        position = found.empty() ? to + 1 : to;
      }
    }
    return true;
  }

 private:
  static RE2::Options make_options() {
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    options.set_max_mem(kRe2MaxMemory);
    return options;
  }

  RE2::Options options_;
  RE2::Set set_;
  std::vector<std::unique_ptr<RE2>> singles_;
  std::vector<std::uint32_t> set_index_;  // Set index → pattern index
  std::vector<int> hits_;
};

class Pcre2JitPeer final : public Peer {
 public:
  Pcre2JitPeer() {
    // The default JIT stack (32 KiB) is too small for the long alternations.
    stack_ = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    context_ = pcre2_match_context_create(nullptr);
    pcre2_jit_stack_assign(context_, nullptr, stack_);
  }
  ~Pcre2JitPeer() override {
    for (auto& compiled : compiled_) {
      pcre2_match_data_free(compiled.data);
      pcre2_code_free(compiled.code);
    }
    pcre2_match_context_free(context_);
    pcre2_jit_stack_free(stack_);
  }
  Pcre2JitPeer(const Pcre2JitPeer&) = delete;
  Pcre2JitPeer& operator=(const Pcre2JitPeer&) = delete;
  Pcre2JitPeer(Pcre2JitPeer&&) = delete;
  Pcre2JitPeer& operator=(Pcre2JitPeer&&) = delete;

  [[nodiscard]] std::string name() const override { return "PCRE2-JIT"; }

  std::vector<PeerFailure> compile(const std::vector<PeerPattern>& patterns) override {
    std::vector<PeerFailure> failures;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      int code = 0;
      PCRE2_SIZE offset = 0;
      pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(patterns[i].regex.data()),
                                           patterns[i].regex.size(), PCRE2_UTF | PCRE2_CASELESS, &code, &offset, nullptr);
      if (compiled == nullptr) {
        failures.push_back({i, message(code)});
        continue;
      }
      if (const int jit = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE); jit != 0) {
        failures.push_back({i, "JIT: " + message(jit)});
        pcre2_code_free(compiled);
        continue;
      }
      compiled_.push_back({static_cast<std::uint32_t>(i), compiled, pcre2_match_data_create_from_pattern(compiled, nullptr)});
    }
    return failures;
  }

  bool scan(std::string_view text, std::vector<PeerMatch>& out) override {
    out.clear();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    bool ok = true;
    for (auto& compiled : compiled_) {
      PCRE2_SIZE start = 0;
      while (start <= text.size()) {
        // The text is valid UTF-8 (checked once, as the engine's caller does).
        const int rc = pcre2_jit_match(compiled.code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, compiled.data,
                                       context_);
        if (rc < 0) {
          ok = ok && rc == PCRE2_ERROR_NOMATCH;
          break;
        }
        const PCRE2_SIZE* vector = pcre2_get_ovector_pointer(compiled.data);
        out.push_back({compiled.pattern, static_cast<std::uint32_t>(vector[0]), static_cast<std::uint32_t>(vector[1])});
        start = vector[1] > vector[0] ? vector[1] : vector[1] + 1;
        while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0U) == 0x80U) {
          ++start;
        }
      }
    }
    return ok;
  }

 private:
  struct Compiled {
    std::uint32_t pattern;
    pcre2_code* code;
    pcre2_match_data* data;
  };
  static std::string message(int code) {
    std::array<PCRE2_UCHAR, 256> buffer{};
    pcre2_get_error_message(code, buffer.data(), buffer.size());
    return reinterpret_cast<const char*>(buffer.data());
  }

  pcre2_jit_stack* stack_ = nullptr;
  pcre2_match_context* context_ = nullptr;
  std::vector<Compiled> compiled_;
};

class StdRegexPeer final : public Peer {
 public:
  [[nodiscard]] std::string name() const override { return "std::regex"; }

  std::vector<PeerFailure> compile(const std::vector<PeerPattern>& patterns) override {
    std::vector<PeerFailure> failures;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      try {
        compiled_.push_back({static_cast<std::uint32_t>(i),
                             std::regex(patterns[i].regex, std::regex::ECMAScript | std::regex::icase |
                                                               std::regex::optimize)});
      } catch (const std::regex_error& error) {
        failures.push_back({i, error.what()});
      }
    }
    return failures;
  }

  bool scan(std::string_view text, std::vector<PeerMatch>& out) override {
    out.clear();
    for (const auto& [pattern, regex] : compiled_) {
      for (std::cregex_iterator it(text.data(), text.data() + text.size(), regex), end; it != end; ++it) {
        const auto from = static_cast<std::uint32_t>(it->position(0));
        out.push_back({pattern, from, static_cast<std::uint32_t>(from + it->length(0))});
      }
    }
    return true;
  }

 private:
  struct Compiled {
    std::uint32_t pattern;
    std::regex regex;
  };
  std::vector<Compiled> compiled_;
};

}  // namespace

std::unique_ptr<Peer> make_re2_set_peer() { return std::make_unique<Re2SetPeer>(); }
std::unique_ptr<Peer> make_pcre2_jit_peer() { return std::make_unique<Pcre2JitPeer>(); }
std::unique_ptr<Peer> make_std_regex_peer() { return std::make_unique<StdRegexPeer>(); }

}  // namespace careguard::bench
