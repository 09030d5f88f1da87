#include "careguard/phrase_matcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace careguard {
namespace {

constexpr std::size_t kMaxPhraseWords = 8;
constexpr std::uint64_t kSeed = 0x243F6A8885A308D3ULL;         // the key of "no words yet"
constexpr std::uint64_t kPrefixSalt = 0x13198A2E03707344ULL;   // keeps prefix keys apart from exact ones

constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  // splitmix64's finaliser: every input bit reaches every output bit.
  x ^= x >> 30U;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27U;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31U;
  return x;
}

std::uint64_t hash_word(std::string_view word) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a: short words, no set-up cost
  for (const char c : word) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return mix(h);
}

/// The key of an n-gram from the key of its first n-1 words and the hash of its last word.
constexpr std::uint64_t extend(std::uint64_t gram, std::uint64_t word) noexcept {
  const std::uint64_t key = mix(gram ^ (word + 0x9E3779B97F4A7C15ULL + (gram << 6U) + (gram >> 2U)));
  return key == 0 ? 1 : key;  // 0 marks an empty slot
}

}  // namespace

std::string_view PhraseMatcher::comparable_word(std::string_view word) noexcept {
  if (word.size() > 2 && word.ends_with("'s")) {
    word.remove_suffix(2);
  }
  return word;
}

const PhraseMatcher::Slot* PhraseMatcher::find(std::uint64_t key) const noexcept {
  if (slots_.empty()) {
    return nullptr;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = key & mask;; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (slot.key == key) {
      return &slot;
    }
    if (slot.key == 0) {
      return nullptr;
    }
  }
}

void PhraseMatcher::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  used_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != 0) {
      insert(slot.key) = slot;
    }
  }
}

PhraseMatcher::Slot& PhraseMatcher::insert(std::uint64_t key) {
  if ((used_ + 1) * 2 > slots_.size()) {
    grow();  // at most half full, so a miss ends within a probe or two
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = key & mask;; at = (at + 1) & mask) {
    Slot& slot = slots_[at];
    if (slot.key == key) {
      return slot;
    }
    if (slot.key == 0) {
      slot.key = key;
      ++used_;
      return slot;
    }
  }
}

bool PhraseMatcher::confirm(const Phrase& phrase, const std::vector<std::string_view>& words,
                            std::size_t first) const noexcept {
  const std::size_t n = phrase.words.size();
  if (first + n > words.size()) {
    return false;
  }
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (words[first + k] != phrase.words[k]) {
      return false;
    }
  }
  const std::string_view last = words[first + n - 1];
  return phrase.is_prefix ? last.starts_with(phrase.words.back()) : last == phrase.words.back();
}

std::uint32_t PhraseMatcher::add(std::string_view phrase) {
  Phrase entry;
  if (phrase.ends_with('*')) {
    entry.is_prefix = true;
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
  for (const auto& token : tokens) {
    entry.words.emplace_back(comparable_word(phrase.substr(token.from, token.to - token.from)));
  }

  std::uint64_t gram = kSeed;
  for (std::size_t k = 0; k + 1 < entry.words.size(); ++k) {
    gram = extend(gram, hash_word(entry.words[k]));
    insert(gram).prefix |= kContinues;
  }
  const std::uint64_t last = hash_word(entry.words.back());
  const std::uint64_t key = entry.is_prefix ? extend(gram, last ^ kPrefixSalt) : extend(gram, last);
  Slot& slot = insert(key);
  const std::uint32_t existing_id = entry.is_prefix ? slot.prefix_id() : slot.exact;
  if (existing_id != (entry.is_prefix ? kNoPrefix : kNone)) {
    const Phrase& existing = phrases_[existing_id];
    if (existing.words == entry.words && existing.is_prefix == entry.is_prefix) {
      return existing_id;
    }
    // Two different phrases with one 64-bit key: refuse rather than lose one of them.
    throw std::invalid_argument("the phrase collides with another phrase's key; reword it");
  }
  if (phrases_.size() >= kNoPrefix) {
    throw std::invalid_argument("too many phrases");
  }
  const auto id = static_cast<std::uint32_t>(phrases_.size());
  if (entry.is_prefix) {
    slot.prefix = (slot.prefix & kContinues) | id;
  } else {
    slot.exact = id;
  }
  if (entry.is_prefix) {
    prefix_first_byte_[static_cast<unsigned char>(entry.words.back().front())] = true;
    const std::size_t length = entry.words.back().size();
    if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), length) == prefix_lengths_.end()) {
      prefix_lengths_.push_back(length);
    }
  }
  max_words_ = std::max(max_words_, entry.words.size());
  phrases_.push_back(std::move(entry));
  return id;
}

void PhraseMatcher::match(std::string_view text, const std::vector<Token>& tokens, Scratch& scratch,
                          std::vector<PhraseHit>& out) const {
  out.clear();
  if (phrases_.empty()) {
    return;
  }
  auto& words = scratch.words;
  auto& hashes = scratch.hashes;
  words.clear();
  hashes.clear();
  for (const auto& token : tokens) {
    const std::string_view word = comparable_word(text.substr(token.from, token.to - token.from));
    words.push_back(word);
    hashes.push_back(hash_word(word));
  }
  // A one-word key's slot is fetched a few words ahead: with large lists the table is bigger
  // than the caches, and a lookup otherwise waits for memory.
  constexpr std::size_t kAhead = 8;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i + kAhead < words.size()) {
      __builtin_prefetch(&slots_[extend(kSeed, hashes[i + kAhead]) & mask]);
    }
    std::uint64_t gram = kSeed;
    for (std::size_t n = 1; n <= max_words_ && i + n <= words.size(); ++n) {
      const std::size_t at = i + n - 1;
      if (prefix_first_byte_[static_cast<unsigned char>(words[at].front())]) {
        for (const std::size_t length : prefix_lengths_) {
          if (length > words[at].size()) {
            continue;
          }
          const std::uint64_t key = extend(gram, hash_word(words[at].substr(0, length)) ^ kPrefixSalt);
          if (const Slot* slot = find(key);
              slot != nullptr && slot->prefix_id() != kNoPrefix && confirm(phrases_[slot->prefix_id()], words, i)) {
            out.push_back({slot->prefix_id(), static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(at)});
          }
        }
      }
      gram = extend(gram, hashes[at]);
      const Slot* slot = find(gram);
      if (slot == nullptr) {
        break;
      }
      if (slot->exact != kNone && confirm(phrases_[slot->exact], words, i)) {
        out.push_back({slot->exact, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(at)});
      }
      if (!slot->continues()) {
        break;  // no longer phrase starts with these words
      }
    }
  }
}

}  // namespace careguard
