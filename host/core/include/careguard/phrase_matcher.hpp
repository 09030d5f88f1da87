#pragma once
// Whole-word phrases (rule terms, context words, org term lists) matched as word n-grams against a
// hash dictionary. Thousands of literal phrases cost one lookup per word of text, where compiling
// them into Hyperscan with start-of-match tracking costs seconds of compile and megabytes of
// database. A phrase may end in '*' to match any word starting with its last word ("diagnos*").
//
// Each word of the text is hashed once; an n-gram's key is built from its words' hashes, so a
// longer n-gram costs one mix and one probe, never a string. Keys live in one flat open-addressing
// table (a probe touches one cache line, where node-based maps chase pointers). A key that says
// "a phrase ends here" is confirmed against the phrase's words before it counts, so a 64-bit
// collision can never produce a finding.

#include "careguard/names.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

struct PhraseHit {
  std::uint32_t phrase = 0;
  std::uint32_t first_token = 0;
  std::uint32_t last_token = 0;
};

class PhraseMatcher {
 public:
  /// Per-scan working space, reused between scans so matching allocates nothing once warm.
  struct Scratch {
    std::vector<std::string_view> words;
    std::vector<std::uint64_t> hashes;
  };

  /// Adds a normalised phrase and returns its id; adding the same phrase again returns the same
  /// id. Throws std::invalid_argument when the phrase has no words or more than eight.
  std::uint32_t add(std::string_view normalised_phrase);

  [[nodiscard]] std::size_t size() const noexcept { return phrases_.size(); }
  [[nodiscard]] bool empty() const noexcept { return phrases_.empty(); }

  /// Every phrase occurrence in the tokens of `text`.
  void match(std::string_view text, const std::vector<Token>& tokens, Scratch& scratch,
             std::vector<PhraseHit>& out) const;

  /// The form a word is compared in: possessive "'s" dropped ("client's" reads as "client").
  [[nodiscard]] static std::string_view comparable_word(std::string_view word) noexcept;

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFU;

  static constexpr std::uint32_t kContinues = 0x80000000U;  // in `prefix`: a longer phrase begins here
  static constexpr std::uint32_t kNoPrefix = 0x7FFFFFFFU;

  /// 16 bytes, four to a cache line: with large word lists the table outgrows the caches, and
  /// a lookup's cost is the line it touches.
  struct Slot {
    std::uint64_t key = 0;  // 0: empty
    std::uint32_t exact = kNone;
    std::uint32_t prefix = kNoPrefix;  // low 31 bits: prefix phrase id; top bit: kContinues

    [[nodiscard]] std::uint32_t prefix_id() const noexcept { return prefix & kNoPrefix; }
    [[nodiscard]] bool continues() const noexcept { return (prefix & kContinues) != 0; }
  };

  struct Phrase {
    std::vector<std::string> words;  // comparable forms; for a prefix phrase the last is the prefix
    bool is_prefix = false;
  };

  [[nodiscard]] const Slot* find(std::uint64_t key) const noexcept;
  Slot& insert(std::uint64_t key);
  void grow();
  [[nodiscard]] bool confirm(const Phrase& phrase, const std::vector<std::string_view>& words,
                             std::size_t first) const noexcept;

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::vector<Phrase> phrases_;
  /// First bytes of prefix phrases' last words: a word starting with any other byte cannot end
  /// one, so its prefixes are not hashed and probed (the prefix phrases are few, mostly emoji).
  std::array<bool, 256> prefix_first_byte_{};
  std::vector<std::size_t> prefix_lengths_;  // byte lengths of prefix phrases' last word
  std::size_t max_words_ = 0;
};

}  // namespace careguard
