#pragma once
// Whole-word phrases (rule terms, context words, org term lists) matched as word n-grams against a
// hash dictionary. Thousands of literal phrases cost one lookup per word of text, where compiling
// them into Hyperscan with start-of-match tracking costs seconds of compile and megabytes of
// database. A phrase may end in '*' to match any word starting with its last word ("diagnos*").

#include "careguard/names.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace careguard {

struct PhraseHit {
  std::uint32_t phrase = 0;
  std::uint32_t first_token = 0;
  std::uint32_t last_token = 0;
};

class PhraseMatcher {
 public:
  /// Adds a normalised phrase and returns its id; adding the same phrase again returns the same
  /// id. Throws std::invalid_argument when the phrase has no words.
  std::uint32_t add(std::string_view normalised_phrase);

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }

  /// Every phrase occurrence in the tokens of `text`. `words` is scratch space.
  void match(std::string_view text, const std::vector<Token>& tokens, std::vector<std::string_view>& words,
             std::vector<PhraseHit>& out) const;

  /// The form a word is compared in: possessive "'s" dropped ("client's" reads as "client").
  [[nodiscard]] static std::string_view comparable_word(std::string_view word) noexcept;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  using Table = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;

  Table exact_;
  Table prefix_;  // key: the phrase without its '*'
  std::unordered_set<std::string, Hash, std::equal_to<>> partial_;  // leading words of longer phrases
  std::vector<std::size_t> prefix_lengths_;                         // byte lengths of prefix phrases' last word
  std::size_t max_words_ = 0;
  std::uint32_t count_ = 0;
};

}  // namespace careguard
