#pragma once
// Service-user and colleague names, held as keyed hashes (Exact Data Match): the org pack carries
// SipHash-2-4 digests of each normalised name form, never the names, and the engine hashes the
// word n-grams of the text with the same key and looks them up. See docs/NAMES.md for what this
// protects against and what it does not.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace careguard {

class Normalizer;

/// A word of normalised text: bytes [from, to). Apostrophes and hyphens inside a word belong to it.
struct Token {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};

/// Splits normalised text into words: ASCII letters and digits and any non-ASCII character, with
/// ' and - kept when they join two word characters ("o'neill", "smith-jones").
void tokenize(std::string_view normalised, std::vector<Token>& out);

/// The form a name word is compared in: accents removed, possessive "'s" dropped.
[[nodiscard]] std::string canonical_name_word(std::string_view normalised_word);

enum class NameKind : std::uint8_t { ServiceUser, Colleague };

struct PersonName {
  std::string first;
  std::string last;
  std::string preferred;
};

struct NameMatch {
  NameKind kind{};
  bool first_name_only = false;
  std::uint32_t from = 0;  // bytes in the normalised text
  std::uint32_t to = 0;
};

using NameKey = std::array<unsigned char, 16>;

class NameIndex {
 public:
  /// What one match call reuses between calls, so a scan allocates nothing here once warm.
  struct Scratch {
    std::vector<std::string_view> words;   // canonical form of each token: a view of the text,
    std::vector<std::string> accented;     // or of one of these where accents were stripped
    std::vector<std::uint64_t> unigrams;   // each word's digest under each set's key
    std::vector<std::uint64_t> unigram_bits;  // and its table entry's bits
    std::string form;
  };

  /// Reads the `names` object of an org pack (digests as base64 or as hex strings, see
  /// docs/NAMES.md). Throws std::invalid_argument on a malformed one.
  void add_from_json(const nlohmann::json& names);

  [[nodiscard]] bool empty() const noexcept;
  [[nodiscard]] std::size_t size() const noexcept;

  /// Every name n-gram (up to three words) in the tokens, longest first, not overlapping.
  void match(std::string_view normalised, const std::vector<Token>& tokens, Scratch& scratch,
             std::vector<NameMatch>& out) const;
  void match(std::string_view normalised, const std::vector<Token>& tokens, std::vector<NameMatch>& out) const;

  /// Builds the `names` object of an org pack from the name lists, with a fresh random key.
  [[nodiscard]] static nlohmann::json build_json(const std::vector<PersonName>& service_users,
                                                 const std::vector<PersonName>& colleagues,
                                                 const Normalizer& normalizer);

  /// The normalised forms a person may be written as: "doris baker", "mrs baker", "doris b", ...
  [[nodiscard]] static std::vector<std::string> full_forms(const PersonName& person, const Normalizer& normalizer);
  [[nodiscard]] static std::vector<std::string> first_name_forms(const PersonName& person,
                                                                 const Normalizer& normalizer);

 private:
  /// Bits of a digest's entry: a full form of a service user or colleague (<< kind), a first name
  /// of one (<< kind), and "some full form begins with this word".
  static constexpr std::uint64_t kFull = 1U;
  static constexpr std::uint64_t kFirstName = 4U;
  static constexpr std::uint64_t kFormStart = 16U;
  static constexpr std::uint64_t kBitsMask = 31U;

  /// One org pack's names: its key and an open-addressing table of digests. A slot holds the
  /// digest's top 59 bits and its entry bits in the low five; 0 is empty. With thousands of
  /// names every word of a post costs a lookup, so the table is flat (one cache line a probe),
  /// not node-based.
  struct Keyed {
    NameKey key{};
    std::vector<std::uint64_t> slots;
    std::size_t count = 0;
    /// Every full form's first word is a first name or a title, so when the pack lists first
    /// names for each kind that has full forms, a word without kFormStart begins no name and
    /// its bigram and trigram are not hashed. A pack without first-name lists is matched in full.
    bool gated = false;

    void insert(std::uint64_t digest, std::uint64_t bits);
    [[nodiscard]] std::uint64_t bits_of(std::uint64_t digest) const noexcept;
    void prefetch(std::uint64_t digest) const noexcept {
      if (!slots.empty()) {
        __builtin_prefetch(&slots[(digest >> 5U) & (slots.size() - 1)]);
      }
    }
  };

  std::vector<Keyed> sets_;  // one per org pack (each has its own key)
};

[[nodiscard]] std::uint64_t keyed_name_hash(const NameKey& key, std::string_view canonical_form) noexcept;

/// Reads a CSV of names with a header naming first_name, last_name and optionally preferred_name
/// (RFC 4180 quoting). Throws std::invalid_argument with the line number on a malformed file.
[[nodiscard]] std::vector<PersonName> read_names_csv(std::istream& in);

}  // namespace careguard
