#include "careguard/names.hpp"

#include "careguard/normalizer.hpp"

#include <sodium.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <fmt/format.h>

#include <algorithm>
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

void read_hashes(const nlohmann::json& names, const char* field, std::unordered_map<std::uint64_t, std::uint8_t>& into,
                 std::uint8_t bit, std::size_t& count) {
  const auto it = names.find(field);
  if (it == names.end()) {
    return;
  }
  if (!it->is_array()) {
    throw std::invalid_argument(fmt::format("names: '{}' must be an array of hex digests", field));
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() != 16) {
      throw std::invalid_argument(fmt::format("names: '{}' must hold 16-hex-digit digests", field));
    }
    into[std::stoull(item.get<std::string>(), nullptr, 16)] |= bit;
    ++count;
  }
}

std::string to_hex(std::uint64_t value) { return fmt::format("{:016x}", value); }

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

/// ASCII by table; anything else by ICU: letters, digits and marks are word characters, emoji
/// and other symbols are words of their own ("😂😂" is two), punctuation separates.
CharKind kind_at(std::string_view text, std::size_t at, std::size_t& length) {
  const auto byte = static_cast<unsigned char>(text[at]);
  if (byte < 0x80) {
    length = 1;
    return is_word_byte(text[at]) ? CharKind::Word : CharKind::Separator;
  }
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

std::string canonical_name_word(std::string_view word) {
  std::string out = std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })
                        ? std::string(word)
                        : strip_accents(word);
  if (out.size() > 2 && out.ends_with("'s")) {
    out.resize(out.size() - 2);
  }
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

void NameIndex::add_from_json(const nlohmann::json& names) {
  if (!names.is_object() || names.empty()) {
    return;
  }
  Keyed keyed;
  keyed.key = parse_key(names);
  read_hashes(names, "service_users", keyed.digests, kFull << 0U, keyed.count);
  read_hashes(names, "colleagues", keyed.digests, kFull << 1U, keyed.count);
  read_hashes(names, "service_user_first_names", keyed.digests, kFirstName << 0U, keyed.count);
  read_hashes(names, "colleague_first_names", keyed.digests, kFirstName << 1U, keyed.count);
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
  out.clear();
  if (sets_.empty() || tokens.empty()) {
    return;
  }
  std::vector<std::string> words;
  words.reserve(tokens.size());
  for (const auto& token : tokens) {
    words.push_back(canonical_name_word(normalised.substr(token.from, token.to - token.from)));
  }
  std::string form;
  std::size_t i = 0;
  while (i < tokens.size()) {
    bool matched = false;
    for (std::size_t length = std::min<std::size_t>(3, tokens.size() - i); length >= 1 && !matched; --length) {
      form = words[i];
      for (std::size_t k = 1; k < length; ++k) {
        form.push_back(' ');
        form += words[i + k];
      }
      for (const auto& keyed : sets_) {
        const auto entry = keyed.digests.find(keyed_name_hash(keyed.key, form));
        if (entry == keyed.digests.end()) {
          continue;
        }
        for (unsigned kind = 0; kind < 2 && !matched; ++kind) {
          const bool full = (entry->second & (kFull << kind)) != 0;
          const bool first = length == 1 && (entry->second & (kFirstName << kind)) != 0;
          if (full || first) {
            out.push_back({static_cast<NameKind>(kind), !full, tokens[i].from, tokens[i + length - 1].to});
            i += length;
            matched = true;
          }
        }
        if (matched) {
          break;
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
    std::vector<std::string> out;
    for (const auto& person : people) {
      for (const auto& form : first_names ? first_name_forms(person, normalizer) : full_forms(person, normalizer)) {
        out.push_back(to_hex(keyed_name_hash(key, form)));
      }
    }
    // Sorted, so the list's order says nothing about the order of the CSV.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  return {
      {"hash", "siphash24-16hex"},
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
