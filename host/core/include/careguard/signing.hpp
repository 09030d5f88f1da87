#pragma once
// Pack signatures: Ed25519 (libsodium), over the exact bytes of the pack document. A signed pack
// is a small JSON envelope, so one file carries both and any web server can publish it:
//   {"format":"careguard-signed-pack/1","key":"<base64 public key>","signature":"<base64>","pack":"<pack JSON text>"}

#include <string>
#include <string_view>
#include <vector>

namespace careguard {

struct SigningKeyPair {
  std::string public_key;  // base64
  std::string secret_key;  // base64
};

[[nodiscard]] SigningKeyPair generate_signing_key();

/// Signs the pack text with the secret key; returns the envelope as JSON text. Throws PackError.
[[nodiscard]] std::string sign_pack(std::string_view pack_text, std::string_view secret_key_base64);

struct VerifiedPack {
  std::string pack_text;
  std::string key;  // the trusted public key that signed it
};

/// Checks the envelope's signature against the trusted keys and returns the pack text.
/// Throws PackError: not an envelope, no trusted key, signature does not verify.
[[nodiscard]] VerifiedPack verify_signed_pack(std::string_view envelope_text,
                                              const std::vector<std::string>& trusted_keys);

/// True when the text is a signed-pack envelope (whether or not the signature holds).
[[nodiscard]] bool looks_signed(std::string_view text);

}  // namespace careguard
