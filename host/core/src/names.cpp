#include "careguard/names.hpp"

#include "careguard/normalizer.hpp"

#include <sodium.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace careguard {
namespace {

bool is_word_byte(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

constexpr std::array<std::string_view, 6> kTitles = {"mr", "mrs", "miss", "ms", "mx", "dr"};

std::string strip_accents(std::string_view word) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) {
    return std::string(word);
  }
  const auto source = icu::UnicodeString::fromUTF8(icu::StringPiece(word.data(), static_cast<std::int32_t>(word.size())));
  icu::UnicodeString decomposed = nfd->normalize(source, status);
  if (U_FAILURE(status)) {
    return std::string(word);
  }
  icu::UnicodeString kept;
  for (std::int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) != U_NON_SPACING_MARK) {
      kept.append(c);
    }
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

NameKey parse_key(const nlohmann::json& names) {
  const auto it = names.find("key");
  if (it == names.end() || !it->is_string()) {
    throw std::invalid_argument("names: 'key' (hex) is required");
  }
  const auto& hex = it->get_ref<const std::string&>();
  NameKey key{};
  std::size_t length = 0;
  if (hex.size() != key.size() * 2 ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != key.size()) {
    throw std::invalid_argument("names: 'key' must be 32 hex digits");
  }
  return key;
}

/// Base64 characters decoded per call: a multiple of 4 whose 3,072 bytes are whole digests, so
/// a list of 10,000 people's forms is decoded through a small buffer straight into the table.
constexpr std::size_t kBase64Chunk = 4096;

/// How many digests a list says it holds, before decoding it: the table is sized once.
std::size_t listed_digests(const nlohmann::json& names, const char* field, bool base64) {
  const auto it = names.find(field);
  if (it == names.end()) {
    return 0;
  }
  if (!base64) {
    return it->is_array() ? it->size() : 0;
  }
  if (!it->is_string()) {
    return 0;
  }
  const auto& text = it->get_ref<const std::string&>();
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::size_t bytes = text.size() / 4 * 3;
  return bytes >= padding ? (bytes - padding) / 8 : 0;
}

/// One list of digests: a base64 string of 8-byte big-endian digests ("siphash24-b64", what
/// `careguard org build` writes: one JSON string, so a pack of 10,000 people parses in
/// milliseconds) or an array of 16-hex-digit strings ("siphash24-16hex", the first format).
template <typename Add>
void read_hashes(const nlohmann::json& names, const char* field, bool base64, Add&& add) {
  const auto it = names.find(field);
  if (it == names.end()) {
    return;
  }
  if (base64) {
    if (!it->is_string()) {
      throw std::invalid_argument(fmt::format("names: '{}' must be a base64 string of 8-byte digests", field));
    }
    const std::string_view text = it->get_ref<const std::string&>();
    std::array<unsigned char, kBase64Chunk / 4 * 3> bytes{};
    for (std::size_t at = 0; at < text.size(); at += kBase64Chunk) {
      const std::string_view chunk = text.substr(at, kBase64Chunk);
      const bool last = at + chunk.size() == text.size();
      std::size_t length = 0;
      const char* end = nullptr;
      // Padding may only end the whole text: every chunk before the last decodes in full.
      if (sodium_base642bin(bytes.data(), bytes.size(), chunk.data(), chunk.size(), nullptr, &length, &end,
                            sodium_base64_VARIANT_ORIGINAL) != 0 ||
          end != chunk.data() + chunk.size() || length % 8 != 0 || (!last && length != bytes.size())) {
        throw std::invalid_argument(fmt::format("names: '{}' is not base64 of whole 8-byte digests", field));
      }
      for (std::size_t i = 0; i < length; i += 8) {
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < 8; ++k) {
          value = (value << 8U) | bytes[i + k];
        }
        add(value);
      }
    }
    return;
  }
  if (!it->is_array()) {
    throw std::invalid_argument(fmt::format("names: '{}' must be an array of hex digests", field));
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() != 16) {
      throw std::invalid_argument(fmt::format("names: '{}' must hold 16-hex-digit digests", field));
    }
    std::array<unsigned char, 8> raw{};
    std::size_t length = 0;
    const auto& hex = item.get_ref<const std::string&>();
    if (sodium_hex2bin(raw.data(), raw.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
        length != raw.size()) {
      throw std::invalid_argument(fmt::format("names: '{}' must hold 16-hex-digit digests", field));
    }
    std::uint64_t value = 0;
    for (const unsigned char byte : raw) {
      value = (value << 8U) | byte;
    }
    add(value);
  }
}


std::vector<std::string> words_of(const Normalizer& normalizer, std::string_view text) {
  const std::string normalised = normalizer.normalize(text);
  std::vector<Token> tokens;
  tokenize(normalised, tokens);
  std::vector<std::string> out;
  for (const auto& token : tokens) {
    out.push_back(canonical_name_word(std::string_view(normalised).substr(token.from, token.to - token.from)));
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out += word;
  }
  return out;
}

}  // namespace

namespace {

enum class CharKind { Separator, Word, Symbol };

/// Anything beyond ASCII, by ICU: letters, digits and marks are word characters, emoji and other
/// symbols are words of their own ("😂😂" is two), punctuation separates.
CharKind kind_of_non_ascii(std::string_view text, std::size_t at, std::size_t& length) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  auto i = static_cast<std::int32_t>(at);
  UChar32 c = 0;
  U8_NEXT(data, i, static_cast<std::int32_t>(text.size()), c);
  length = static_cast<std::size_t>(i) - at;
  if (c < 0) {
    return CharKind::Separator;
  }
  if (u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0) {
    return CharKind::Word;
  }
  if ((U_GET_GC_MASK(c) & (U_GC_SO_MASK | U_GC_SK_MASK | U_GC_SM_MASK | U_GC_SC_MASK)) != 0) {
    return CharKind::Symbol;
  }
  return CharKind::Separator;
}

/// Posts are mostly ASCII: those bytes are classified inline, the rest by ICU.
inline CharKind kind_at(std::string_view text, std::size_t at, std::size_t& length) {
  const char byte = text[at];
  if (static_cast<unsigned char>(byte) < 0x80) {
    length = 1;
    return is_word_byte(byte) ? CharKind::Word : CharKind::Separator;
  }
  return kind_of_non_ascii(text, at, length);
}

}  // namespace

void tokenize(std::string_view text, std::vector<Token>& out) {
  out.clear();
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::size_t length = 0;
  while (i < n) {
    const CharKind kind = kind_at(text, i, length);
    if (kind == CharKind::Separator) {
      i += length;
      continue;
    }
    const std::size_t start = i;
    i += length;
    if (kind == CharKind::Word) {
      while (i < n) {
        std::size_t next_length = 0;
        const CharKind next = kind_at(text, i, next_length);
        if (next == CharKind::Word) {
          i += next_length;
        } else if ((text[i] == '\'' || text[i] == '-') && i + 1 < n &&
                   kind_at(text, i + 1, next_length) == CharKind::Word) {
          i += 1 + next_length;
        } else {
          break;
        }
      }
    }
    out.push_back({static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i)});
  }
}

namespace {

/// The canonical word as a view: of the text itself when it is ASCII, else of a new string in
/// `accented` (which the caller has reserved, so earlier views stay valid).
std::string_view canonical_name_view(std::string_view word, std::vector<std::string>& accented) {
  if (!std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    accented.push_back(strip_accents(word));
    word = accented.back();
  }
  if (word.size() > 2 && word.ends_with("'s")) {
    word.remove_suffix(2);
  }
  return word;
}

void assign_canonical_name_word(std::string_view word, std::string& out) {
  if (std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    out.assign(word);
  } else {
    out = strip_accents(word);
  }
  if (out.size() > 2 && out.ends_with("'s")) {
    out.resize(out.size() - 2);
  }
}

}  // namespace

std::string canonical_name_word(std::string_view word) {
  std::string out;
  assign_canonical_name_word(word, out);
  return out;
}

std::uint64_t keyed_name_hash(const NameKey& key, std::string_view form) noexcept {
  std::array<unsigned char, crypto_shorthash_BYTES> digest{};
  crypto_shorthash(digest.data(), reinterpret_cast<const unsigned char*>(form.data()), form.size(), key.data());
  std::uint64_t value = 0;
  for (const unsigned char byte : digest) {
    value = (value << 8U) | byte;
  }
  return value;
}

void NameIndex::Keyed::insert(std::uint64_t digest, std::uint64_t bits) {
  const std::uint64_t mask = slots.size() - 1;
  for (std::uint64_t at = (digest >> 5U) & mask;; at = (at + 1) & mask) {
    std::uint64_t& slot = slots[at];
    if (slot == 0) {
      slot = (digest & ~kBitsMask) | bits;
      return;
    }
    if ((slot & ~kBitsMask) == (digest & ~kBitsMask)) {
      slot |= bits;
      return;
    }
  }
}

std::uint64_t NameIndex::Keyed::bits_of(std::uint64_t digest) const noexcept {
  const std::uint64_t mask = slots.size() - 1;
  for (std::uint64_t at = (digest >> 5U) & mask;; at = (at + 1) & mask) {
    const std::uint64_t slot = slots[at];
    if (slot == 0) {
      return 0;
    }
    if ((slot & ~kBitsMask) == (digest & ~kBitsMask)) {
      return slot & kBitsMask;
    }
  }
}

void NameIndex::add_from_json(const nlohmann::json& names) {
  if (!names.is_object() || names.empty()) {
    return;
  }
  bool base64 = false;
  if (const auto hash = names.find("hash"); hash != names.end()) {
    if (!hash->is_string() || (*hash != "siphash24-b64" && *hash != "siphash24-16hex")) {
      throw std::invalid_argument("names: 'hash' must be \"siphash24-b64\" or \"siphash24-16hex\"");
    }
    base64 = *hash == "siphash24-b64";
  }
  Keyed keyed;
  keyed.key = parse_key(names);
  const std::array<std::pair<const char*, std::uint64_t>, 4> lists = {{
      {"service_users", kFull << 0U},
      {"colleagues", kFull << 1U},
      {"service_user_first_names", kFirstName << 0U},
      {"colleague_first_names", kFirstName << 1U},
  }};
  // The table is sized once from what the lists say they hold, at most half full, and each
  // digest goes into it as it is decoded: no list of tens of thousands of entries in between.
  std::size_t listed = kTitles.size();
  for (const auto& [field, bits] : lists) {
    listed += listed_digests(names, field, base64);
  }
  std::size_t capacity = 64;
  while (capacity < listed * 2) {
    capacity *= 2;
  }
  keyed.slots.assign(capacity, 0);
  std::array<std::size_t, 4> per_list{};
  for (std::size_t l = 0; l < lists.size(); ++l) {
    const auto bits = lists[l].second;
    const auto entry_bits = bits | ((bits & (kFirstName * 3U)) != 0 ? kFormStart : 0U);
    read_hashes(names, lists[l].first, base64, [&](std::uint64_t digest) {
      // Only a list whose length lied could overfill it; a full table would never end a probe.
      if ((keyed.count + kTitles.size() + 1) * 2 > capacity) {
        throw std::invalid_argument(fmt::format("names: '{}' holds more digests than its length says", lists[l].first));
      }
      keyed.insert(digest, entry_bits);
      ++keyed.count;
      ++per_list[l];
    });
  }
  keyed.gated = (per_list[0] == 0 || per_list[2] != 0) && (per_list[1] == 0 || per_list[3] != 0);
  for (const auto title : kTitles) {
    keyed.insert(keyed_name_hash(keyed.key, title), kFormStart);
  }
  sets_.push_back(std::move(keyed));
}

bool NameIndex::empty() const noexcept { return sets_.empty(); }

std::size_t NameIndex::size() const noexcept {
  std::size_t total = 0;
  for (const auto& keyed : sets_) {
    total += keyed.count;
  }
  return total;
}

void NameIndex::match(std::string_view normalised, const std::vector<Token>& tokens, std::vector<NameMatch>& out) const {
  Scratch scratch;
  match(normalised, tokens, scratch, out);
}

void NameIndex::match(std::string_view normalised, const std::vector<Token>& tokens, Scratch& scratch,
                      std::vector<NameMatch>& out) const {
  out.clear();
  if (sets_.empty() || tokens.empty()) {
    return;
  }
  // Most words are ASCII and need no copy: only a word with accents gets a string of its own.
  // `accented` is reserved up front so its strings (and views of them) never move.
  auto& words = scratch.words;
  words.resize(tokens.size());
  scratch.accented.clear();
  scratch.accented.reserve(tokens.size());
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    words[t] = canonical_name_view(normalised.substr(tokens[t].from, tokens[t].to - tokens[t].from), scratch.accented);
  }
  // Each word's own digest under each set's key: it answers the one-word lookups and whether a
  // longer form can begin there. The table is larger than the caches with thousands of names, so
  // every word's slot is fetched before any is read, and the misses overlap.
  const std::size_t n = tokens.size();
  auto& unigrams = scratch.unigrams;
  auto& unigram_bits = scratch.unigram_bits;
  unigrams.resize(n * sets_.size());
  unigram_bits.resize(n * sets_.size());
  for (std::size_t k = 0; k < sets_.size(); ++k) {
    for (std::size_t t = 0; t < n; ++t) {
      unigrams[k * n + t] = keyed_name_hash(sets_[k].key, words[t]);
      sets_[k].prefetch(unigrams[k * n + t]);
    }
  }
  for (std::size_t k = 0; k < sets_.size(); ++k) {
    for (std::size_t t = 0; t < n; ++t) {
      unigram_bits[k * n + t] = sets_[k].bits_of(unigrams[k * n + t]);
    }
  }
  std::string& form = scratch.form;
  std::size_t i = 0;
  while (i < tokens.size()) {
    bool matched = false;
    for (std::size_t length = std::min<std::size_t>(3, tokens.size() - i); length >= 1 && !matched; --length) {
      for (std::size_t k = 0; k < sets_.size() && !matched; ++k) {
        const Keyed& keyed = sets_[k];
        const std::uint64_t unigram_entry = unigram_bits[k * n + i];
        std::uint64_t bits = 0;
        if (length == 1) {
          bits = unigram_entry;
        } else {
          if (keyed.gated && (unigram_entry & kFormStart) == 0) {
            continue;
          }
          form = words[i];
          for (std::size_t w = 1; w < length; ++w) {
            form.push_back(' ');
            form += words[i + w];
          }
          bits = keyed.bits_of(keyed_name_hash(keyed.key, form));
        }
        for (unsigned kind = 0; kind < 2 && !matched; ++kind) {
          const bool full = (bits & (kFull << kind)) != 0;
          const bool first = length == 1 && (bits & (kFirstName << kind)) != 0;
          if (full || first) {
            out.push_back({static_cast<NameKind>(kind), !full, tokens[i].from, tokens[i + length - 1].to});
            i += length;
            matched = true;
          }
        }
      }
    }
    if (!matched) {
      ++i;
    }
  }
}

std::vector<std::string> NameIndex::full_forms(const PersonName& person, const Normalizer& normalizer) {
  std::vector<std::string> forms;
  const auto last = words_of(normalizer, person.last);
  if (last.empty()) {
    return forms;
  }
  const std::string last_joined = join(last);
  for (const auto* given : {&person.first, &person.preferred}) {
    const auto first = words_of(normalizer, *given);
    if (first.empty()) {
      continue;
    }
    forms.push_back(join(first) + " " + last_joined);  // doris baker
    forms.push_back(first.front() + " " + last_joined);  // first given name only
    forms.push_back(first.front() + " " + last.front().substr(0, 1));  // doris b
  }
  for (const auto title : kTitles) {
    forms.push_back(std::string(title) + " " + last_joined);  // mrs baker
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

std::vector<std::string> NameIndex::first_name_forms(const PersonName& person, const Normalizer& normalizer) {
  std::vector<std::string> forms;
  for (const auto* given : {&person.first, &person.preferred}) {
    const auto words = words_of(normalizer, *given);
    if (!words.empty()) {
      forms.push_back(words.front());
    }
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

nlohmann::json NameIndex::build_json(const std::vector<PersonName>& service_users,
                                     const std::vector<PersonName>& colleagues, const Normalizer& normalizer) {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium could not start");
  }
  NameKey key{};
  randombytes_buf(key.data(), key.size());
  std::array<char, 33> hex{};
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());

  auto digests = [&](const std::vector<PersonName>& people, bool first_names) {
    std::vector<std::uint64_t> values;
    for (const auto& person : people) {
      for (const auto& form : first_names ? first_name_forms(person, normalizer) : full_forms(person, normalizer)) {
        values.push_back(keyed_name_hash(key, form));
      }
    }
    // Sorted, so the list's order says nothing about the order of the CSV.
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::vector<unsigned char> bytes;
    bytes.reserve(values.size() * 8);
    for (const auto value : values) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes.push_back(static_cast<unsigned char>(value >> static_cast<unsigned>(shift)));
      }
    }
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    text.resize(std::strlen(text.c_str()));
    return text;
  };
  return {
      {"hash", "siphash24-b64"},
      {"key", std::string(hex.data())},
      {"service_users", digests(service_users, false)},
      {"colleagues", digests(colleagues, false)},
      {"service_user_first_names", digests(service_users, true)},
      {"colleague_first_names", digests(colleagues, true)},
  };
}

std::vector<PersonName> read_names_csv(std::istream& in) {
  // RFC 4180: fields separated by commas, optionally quoted with "", "" inside quotes is a quote.
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  std::size_t line = 1;
  char c = 0;
  auto end_field = [&] {
    record.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(record.size() == 1 && record[0].empty())) {
      records.push_back(record);
    }
    record.clear();
  };
  while (in.get(c)) {
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get(c);
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started && field.empty()) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_record();
      ++line;
    } else if (c != '\r') {
      field.push_back(c);
      field_started = true;
    }
    if (field.size() > 256) {
      throw std::invalid_argument(fmt::format("line {}: a field is longer than 256 bytes", line));
    }
  }
  if (quoted) {
    throw std::invalid_argument(fmt::format("line {}: a quoted field is not closed", line));
  }
  if (!record.empty() || !field.empty()) {
    end_record();
  }
  if (records.empty()) {
    throw std::invalid_argument("the file is empty: it needs a header line");
  }
  auto& header = records.front();
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) {
    header[0].erase(0, 3);  // Excel's byte-order mark
  }
  auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) {
        return i;
      }
    }
    return std::nullopt;
  };
  const auto first = column("first_name");
  const auto last = column("last_name");
  const auto preferred = column("preferred_name");
  if (!first || !last) {
    throw std::invalid_argument("line 1: the header must name first_name and last_name");
  }
  std::vector<PersonName> people;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& row = records[r];
    if (row.size() != header.size()) {
      throw std::invalid_argument(
          fmt::format("record {}: {} fields where the header has {}", r + 1, row.size(), header.size()));
    }
    PersonName person{row[*first], row[*last], preferred ? row[*preferred] : std::string()};
    if (person.first.empty() && person.last.empty()) {
      continue;
    }
    people.push_back(std::move(person));
  }
  return people;
}

}  // namespace careguard
