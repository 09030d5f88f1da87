// The service-user and colleague CSV as `careguard org build` reads it (docs/NAMES.md), then the
// hashed name lists built from it and loaded the way the engine loads an org pack. A malformed file
// is refused with std::invalid_argument and nothing else; a file that reads gives people with a
// name; the lists built from them load, with one digest per distinct form; and a person whose
// names are plain ASCII words is found again in "<first> <last>" text.

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"

#include "fuzz_check.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

const careguard::Normalizer* normalizer = nullptr;

bool is_plain_word(const std::string& word) {
  return !word.empty() && word.size() <= 64 &&
         std::all_of(word.begin(), word.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

std::size_t distinct_digests(const nlohmann::json& names) {
  std::size_t total = 0;
  for (const char* field : {"service_users", "colleagues", "service_user_first_names", "colleague_first_names"}) {
    // Each list is base64 of sorted, distinct 8-byte digests.
    const auto& text = names.at(field).get_ref<const std::string&>();
    std::vector<unsigned char> bytes(text.size() + 1);  // never empty: an empty list is "", and data() must not be null
    std::size_t length = 0;
    CAREGUARD_FUZZ_CHECK(sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                                           nullptr, sodium_base64_VARIANT_ORIGINAL) == 0 &&
                             length % 8 == 0,
                         "each digest list is base64 of whole 8-byte digests");
    std::set<std::string> distinct;
    for (std::size_t i = 0; i < length; i += 8) {
      distinct.emplace(reinterpret_cast<const char*>(bytes.data() + i), 8);
    }
    CAREGUARD_FUZZ_CHECK(distinct.size() * 8 == length, "no digest is listed twice");
    total += distinct.size();
  }
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  normalizer = new careguard::Normalizer();  // NOLINT(cppcoreguidelines-owning-memory): lives for the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<careguard::PersonName> people;
  try {
    people = careguard::read_names_csv(in);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  for (const auto& person : people) {
    CAREGUARD_FUZZ_CHECK(!person.first.empty() || !person.last.empty(), "rows without a name are skipped");
  }

  // Alternate rows between the two lists so both kinds are built and matched.
  std::vector<careguard::PersonName> service_users;
  std::vector<careguard::PersonName> colleagues;
  for (std::size_t i = 0; i < people.size(); ++i) {
    (i % 2 == 0 ? service_users : colleagues).push_back(people[i]);
  }
  const nlohmann::json names = careguard::NameIndex::build_json(service_users, colleagues, *normalizer);
  careguard::NameIndex index;
  index.add_from_json(names);
  CAREGUARD_FUZZ_CHECK(index.size() == distinct_digests(names), "every digest built is loaded");
  if (people.empty()) {
    return 0;
  }
  CAREGUARD_FUZZ_CHECK(!index.empty(), "lists built from people load as a name set");

  careguard::NormalizedText normalised;
  std::vector<careguard::Token> tokens;
  std::vector<careguard::NameMatch> matches;
  for (const auto& person : people) {
    if (!is_plain_word(person.first) || !is_plain_word(person.last)) {
      continue;
    }
    normalizer->normalize(person.first + " " + person.last, normalised);
    careguard::tokenize(normalised.text, tokens);
    index.match(normalised.text, tokens, matches);
    CAREGUARD_FUZZ_CHECK(matches.size() == 1 && matches[0].from == 0 && matches[0].to == normalised.text.size() &&
                             !matches[0].first_name_only,
                         "a listed person's full name is found as one full-name match");
  }
  return 0;
}
