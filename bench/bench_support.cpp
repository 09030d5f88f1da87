#include "bench_support.hpp"

#include "careguard/normalizer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace careguard::bench {

const std::vector<std::string>& corpus_posts() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> out;
    const std::string path = std::string(CAREGUARD_SOURCE_DIR) + "/tests/corpus/posts.jsonl";
    std::ifstream in(path);
    if (!in) {
      throw std::runtime_error("cannot read " + path);
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) {
        out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
      }
    }
    return out;
  }();
  return texts;
}

std::string post_of(std::size_t bytes) {
  const auto& corpus = corpus_posts();
  std::string text;
  for (std::size_t i = 0; text.size() < bytes; i += 7) {
    text += corpus[i % corpus.size()];
    text += ' ';
  }
  text.resize(bytes);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0U) == 0x80U) {
    text.pop_back();  // do not cut a UTF-8 sequence in half
  }
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0U) {
    text.pop_back();
  }
  return text;
}

const std::vector<PersonName>& scale_people() {
  static const std::vector<PersonName> people = [] {
    static const std::vector<std::string> firsts = {
        "Avril",  "Bernard", "Cecily", "Desmond",  "Edwina",  "Fergus",   "Gwendolyn", "Horace", "Isolde", "Jasper",
        "Kenneth", "Lavinia", "Mervyn", "Nerys",   "Oswald",  "Philippa", "Quentin",   "Rosalind", "Sidney", "Thomasina"};
    std::vector<PersonName> out;
    for (std::size_t i = 0; out.size() < 10000; ++i) {
      out.push_back({firsts[i % firsts.size()], "Surnamic" + std::to_string(i), ""});
    }
    return out;
  }();
  return people;
}

Pack scale_org_pack() {
  Pack pack;
  pack.id = "scale-org";
  pack.version = "1.0.0";
  pack.source = "bench";
  const Normalizer normalizer;
  pack.names = NameIndex::build_json(scale_people(), {}, normalizer);
  Rule terms;
  terms.id = "org.internal-terms";
  terms.category = Category::Internal;
  terms.severity = Severity::Warn;
  terms.clause = "7.2";
  terms.message = "This names an internal project or system.";
  for (int i = 0; i < 5000; ++i) {
    terms.terms.push_back("orgterm" + std::to_string(i) + (i % 3 == 0 ? " rota" : ""));
  }
  pack.rules.push_back(terms);
  return pack;
}

std::string term_regex(std::string_view term) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  bool in_space = false;
  for (const char c : term) {
    if (c == ' ') {
      if (!in_space) {
        out += "\\s+";
      }
      in_space = true;
      continue;
    }
    in_space = false;
    if (kSpecial.find(c) != std::string::npos) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

namespace {

bool word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || u >= 0x80;
}

/// Terms as word-bounded alternations of at most kAlternationChunk entries, written as a person
/// would: \b(?:a|b|c)\b. \b is only put where the term starts or ends with a word character, as
/// the engine's tokens do, so terms are grouped by which ends take one.
void add_alternations(const std::string& rule, const std::string& kind, const std::set<std::string>& terms,
                      std::vector<PeerPattern>& out) {
  std::map<std::pair<bool, bool>, std::vector<std::string>> groups;
  for (const auto& term : terms) {
    if (!term.empty()) {
      groups[{word_byte(term.front()), word_byte(term.back())}].push_back(term_regex(term));
    }
  }
  for (const auto& [bounds, alternatives] : groups) {
    for (std::size_t first = 0; first < alternatives.size(); first += kAlternationChunk) {
      std::string regex = bounds.first ? "\\b(?:" : "(?:";
      const std::size_t last = std::min(alternatives.size(), first + kAlternationChunk);
      for (std::size_t i = first; i < last; ++i) {
        regex += (i == first ? "" : "|") + alternatives[i];
      }
      regex += bounds.second ? ")\\b" : ")";
      out.push_back({rule, kind, regex});
    }
  }
}

}  // namespace

std::vector<PeerPattern> peer_patterns(const std::vector<Pack>& packs, const std::vector<PersonName>& people) {
  const Normalizer normalizer;
  std::map<std::string, std::vector<std::string>, std::less<>> word_lists;
  for (const auto& pack : packs) {
    for (const auto& [name, list] : pack.word_lists) {
      auto& merged = word_lists[name];
      merged.insert(merged.end(), list.begin(), list.end());
    }
  }
  auto expand = [&](const std::vector<std::string>& entries) {
    std::set<std::string> out;
    for (const auto& entry : entries) {
      if (entry.starts_with('@')) {
        const auto list = word_lists.find(std::string_view(entry).substr(1));
        if (list != word_lists.end()) {
          for (const auto& word : list->second) {
            out.insert(normalizer.normalize(word));
          }
        }
      } else {
        out.insert(normalizer.normalize(entry));
      }
    }
    return out;
  };

  std::vector<PeerPattern> out;
  std::set<std::string> context_words;
  std::vector<const Rule*> name_rules;
  for (const auto& pack : packs) {
    for (const auto& rule : pack.rules) {
      for (const auto& pattern : rule.patterns) {
        out.push_back({rule.id, "pattern", pattern});
      }
      if (!rule.terms.empty()) {
        add_alternations(rule.id, "terms", expand(rule.terms), out);
      }
      if (rule.context) {
        context_words.merge(expand(rule.context->require));
        if (rule.context->raise) {
          context_words.merge(expand(rule.context->raise->terms));
        }
        if (rule.context->lower) {
          context_words.merge(expand(rule.context->lower->terms));
        }
      }
      if (!rule.names.empty()) {
        name_rules.push_back(&rule);
      }
    }
  }
  add_alternations("context", "context", context_words, out);
  // The scale pack lists service users only, so colleague rules get no names, as in the engine.
  for (const Rule* rule : name_rules) {
    std::set<std::string> forms;
    for (const auto& person : people) {
      if (rule->names == "service-user") {
        for (auto& form : NameIndex::full_forms(person, normalizer)) {
          forms.insert(std::move(form));
        }
      } else if (rule->names == "service-user-first-name") {
        for (auto& form : NameIndex::first_name_forms(person, normalizer)) {
          forms.insert(std::move(form));
        }
      }
    }
    add_alternations(rule->id, "names", forms, out);
  }
  return out;
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) {
    return 0.0;
  }
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(samples.size())));
  return samples[std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace careguard::bench
