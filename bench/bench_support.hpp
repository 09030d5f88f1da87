#pragma once
// What every benchmark shares: the posts (about 100 B, 1 KB and 20 KB, cut from the corpus), the
// org pack at the scale issue #7 asks for (10,000 service users, 5,000 org terms), and the same
// rules written as plain regexes for the peers (RE2, PCRE2, std::regex, JavaScript).

#include "careguard/names.hpp"
#include "careguard/pack.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace careguard::bench {

/// The post sizes every figure is given for.
inline constexpr std::size_t kPostSizes[] = {100, 1024, 20480};

/// The corpus's own fictional posts (tests/corpus/posts.jsonl), in file order.
[[nodiscard]] const std::vector<std::string>& corpus_posts();

/// A post of about `bytes` bytes of UTF-8 made by joining corpus posts, so the text has the words,
/// numbers and emoji real posts have; never cuts a UTF-8 sequence.
[[nodiscard]] std::string post_of(std::size_t bytes);

/// The 10,000 fictional service users of the scale org pack (names in the clear, for the peers).
[[nodiscard]] const std::vector<PersonName>& scale_people();

/// The scale org pack: the people as keyed hashes (as `careguard org build` makes them) and one
/// rule of 5,000 org terms. Each call hashes with a fresh key, as a real org build would.
[[nodiscard]] Pack scale_org_pack();

/// One regex a peer runs, and the engine rule it stands for.
struct PeerPattern {
  std::string rule;
  /// "pattern" (the rule's own regex), "terms" (its terms), "context" (context words of every
  /// rule), "names" (the name lists in the clear).
  std::string kind;
  std::string regex;
};

/// Alternations are cut into regexes of at most this many entries: libstdc++'s std::regex
/// recurses once per alternative and overflows the stack on tens of thousands, and PCRE2's
/// compiled pattern size is limited; every peer gets the same cut so they all run the same rules.
inline constexpr std::size_t kAlternationChunk = 1000;

/// The rules of these packs as regexes, for the peers: every rule pattern the engine compiles
/// (with its flags: caseless, UTF-8), every term list and the context words as word-bounded
/// alternations, and with `people`, their name forms in the clear as alternations.
[[nodiscard]] std::vector<PeerPattern> peer_patterns(const std::vector<Pack>& packs,
                                                     const std::vector<PersonName>& people);

/// Escapes a normalised term for a regex, words separated by any run of white space.
[[nodiscard]] std::string term_regex(std::string_view normalised_term);

/// p-th percentile (0..1) of the samples, nearest rank. Sorts them.
[[nodiscard]] double percentile(std::vector<double>& samples, double p);

}  // namespace careguard::bench
