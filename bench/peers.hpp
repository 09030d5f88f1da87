#pragma once
// The peers CareGuard is measured against, given the same rules (bench_support.hpp): what a
// checker without CareGuard would run. Each compiles what it can and says why it could not
// compile the rest; a scan returns every match as (pattern index, byte span).

#include "bench_support.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace careguard::bench {

struct PeerMatch {
  std::uint32_t pattern = 0;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};

struct PeerFailure {
  std::size_t pattern = 0;
  std::string reason;
};

class Peer {
 public:
  virtual ~Peer() = default;
  Peer() = default;
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  Peer(Peer&&) = delete;
  Peer& operator=(Peer&&) = delete;

  [[nodiscard]] virtual std::string name() const = 0;
  /// Compiles every pattern it can (caseless, UTF-8, as the engine compiles them); returns the rest.
  virtual std::vector<PeerFailure> compile(const std::vector<PeerPattern>& patterns) = 0;
  /// Every match in the text, appended to `out` (cleared first). False if the scan itself failed
  /// (RE2's DFA out of memory); `out` is then what could be found.
  virtual bool scan(std::string_view text, std::vector<PeerMatch>& out) = 0;
};

/// RE2::Set over all patterns to learn which match, then each matching pattern's RE2 for spans.
[[nodiscard]] std::unique_ptr<Peer> make_re2_set_peer();
/// A loop over the patterns, each compiled by PCRE2 with its JIT.
[[nodiscard]] std::unique_ptr<Peer> make_pcre2_jit_peer();
/// A loop over the patterns with std::regex (ECMAScript grammar, icase).
[[nodiscard]] std::unique_ptr<Peer> make_std_regex_peer();

}  // namespace careguard::bench
