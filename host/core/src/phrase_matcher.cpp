#include "careguard/phrase_matcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace careguard {

namespace {
constexpr std::size_t kMaxPhraseWords = 8;
}

std::string_view PhraseMatcher::comparable_word(std::string_view word) noexcept {
  if (word.size() > 2 && word.ends_with("'s")) {
    word.remove_suffix(2);
  }
  return word;
}

std::uint32_t PhraseMatcher::add(std::string_view phrase) {
  bool is_prefix = false;
  if (phrase.ends_with('*')) {
    is_prefix = true;
    phrase.remove_suffix(1);
  }
  std::vector<Token> tokens;
  tokenize(phrase, tokens);
  if (tokens.empty()) {
    throw std::invalid_argument("the phrase has no words");
  }
  if (tokens.size() > kMaxPhraseWords) {
    throw std::invalid_argument("a phrase may have at most 8 words");
  }
  std::string key;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) {
      partial_.insert(key);
      key.push_back(' ');
    }
    key += comparable_word(phrase.substr(tokens[i].from, tokens[i].to - tokens[i].from));
  }
  max_words_ = std::max(max_words_, tokens.size());
  Table& table = is_prefix ? prefix_ : exact_;
  const auto [it, inserted] = table.try_emplace(key, count_);
  if (!inserted) {
    return it->second;
  }
  if (is_prefix) {
    const std::size_t last_length = tokens.back().to - tokens.back().from;
    if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), last_length) == prefix_lengths_.end()) {
      prefix_lengths_.push_back(last_length);
    }
  }
  return count_++;
}

void PhraseMatcher::match(std::string_view text, const std::vector<Token>& tokens,
                          std::vector<std::string_view>& words, std::vector<PhraseHit>& out) const {
  out.clear();
  if (count_ == 0) {
    return;
  }
  words.clear();
  for (const auto& token : tokens) {
    words.push_back(comparable_word(text.substr(token.from, token.to - token.from)));
  }
  std::string key;
  for (std::size_t i = 0; i < words.size(); ++i) {
    key.assign(words[i]);
    for (std::size_t n = 1; n <= max_words_ && i + n <= words.size(); ++n) {
      if (n > 1) {
        key.push_back(' ');
        key.append(words[i + n - 1]);
      }
      const auto hit = [&](std::uint32_t phrase) {
        out.push_back({phrase, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n - 1)});
      };
      if (const auto it = exact_.find(std::string_view(key)); it != exact_.end()) {
        hit(it->second);
      }
      const std::size_t last = words[i + n - 1].size();
      for (const std::size_t length : prefix_lengths_) {
        if (length <= last) {
          const std::string_view candidate(key.data(), key.size() - last + length);
          if (const auto it = prefix_.find(candidate); it != prefix_.end()) {
            hit(it->second);
          }
        }
      }
      if (!partial_.contains(std::string_view(key))) {
        break;  // no longer phrase starts with these words
      }
    }
  }
}

}  // namespace careguard
