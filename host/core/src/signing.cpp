#include "careguard/signing.hpp"

#include "careguard/pack.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <array>
#include <optional>

namespace careguard {
namespace {

constexpr std::string_view kFormat = "careguard-signed-pack/1";
// Domain separation: a signature over a pack cannot be replayed as a signature over anything else.
constexpr std::string_view kContext = "careguard-pack-v1\n";

void init_sodium() {
  if (sodium_init() < 0) {
    throw PackError("libsodium could not start");
  }
}

std::string to_base64(const unsigned char* data, std::size_t length) {
  std::string out(sodium_base64_ENCODED_LEN(length, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, length, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

template <std::size_t N>
std::optional<std::array<unsigned char, N>> from_base64(std::string_view text) {
  std::array<unsigned char, N> out{};
  std::size_t length = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), " \n\r\t", &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length != N) {
    return std::nullopt;
  }
  return out;
}

/// True when the document is an object whose "format" is the envelope's (a non-string format is
/// simply not an envelope, never an exception).
bool has_envelope_format(const nlohmann::json& document) {
  if (!document.is_object()) {
    return false;
  }
  const auto it = document.find("format");
  return it != document.end() && it->is_string() && it->get_ref<const std::string&>() == kFormat;
}

std::string signed_message(std::string_view pack_text) {
  std::string message(kContext);
  message += pack_text;
  return message;
}

}  // namespace

SigningKeyPair generate_signing_key() {
  init_sodium();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
  crypto_sign_keypair(public_key.data(), secret_key.data());
  SigningKeyPair pair{to_base64(public_key.data(), public_key.size()), to_base64(secret_key.data(), secret_key.size())};
  sodium_memzero(secret_key.data(), secret_key.size());
  return pair;
}

std::string sign_pack(std::string_view pack_text, std::string_view secret_key_base64) {
  init_sodium();
  auto secret = from_base64<crypto_sign_SECRETKEYBYTES>(secret_key_base64);
  if (!secret) {
    throw PackError("the secret key is not a base64 Ed25519 secret key");
  }
  const std::string message = signed_message(pack_text);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret->data());
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  crypto_sign_ed25519_sk_to_pk(public_key.data(), secret->data());
  sodium_memzero(secret->data(), secret->size());
  const nlohmann::json envelope = {{"format", kFormat},
                                   {"key", to_base64(public_key.data(), public_key.size())},
                                   {"signature", to_base64(signature.data(), signature.size())},
                                   {"pack", std::string(pack_text)}};
  return envelope.dump(2) + "\n";
}

bool looks_signed(std::string_view text) {
  const auto document = nlohmann::json::parse(text, nullptr, false);
  return has_envelope_format(document);
}

VerifiedPack verify_signed_pack(std::string_view envelope_text, const std::vector<std::string>& trusted_keys) {
  init_sodium();
  auto envelope = nlohmann::json::parse(envelope_text, nullptr, false);
  if (!has_envelope_format(envelope)) {
    throw PackError("not signed: a pack must be a signed envelope made by 'careguard pack sign'");
  }
  auto* pack = envelope.contains("pack") ? envelope["pack"].get_ptr<std::string*>() : nullptr;
  const auto* signature_text =
      envelope.contains("signature") ? envelope["signature"].get_ptr<const std::string*>() : nullptr;
  if (pack == nullptr || signature_text == nullptr) {
    throw PackError("the signed envelope has no 'pack' or no 'signature' string");
  }
  const auto signature = from_base64<crypto_sign_BYTES>(*signature_text);
  if (!signature) {
    throw PackError("the signature is not base64 Ed25519");
  }
  if (trusted_keys.empty()) {
    throw PackError("no trusted keys are configured, so no signed pack can be accepted");
  }
  const std::string message = signed_message(*pack);
  for (const auto& key_text : trusted_keys) {
    const auto key = from_base64<crypto_sign_PUBLICKEYBYTES>(key_text);
    if (!key) {
      continue;
    }
    if (crypto_sign_verify_detached(signature->data(), reinterpret_cast<const unsigned char*>(message.data()),
                                    message.size(), key->data()) == 0) {
      // Moved out: an org pack's text is megabytes.
      return {std::move(*pack), key_text};
    }
  }
  throw PackError("the signature does not verify with any trusted key (tampered, or signed by an untrusted key)");
}

}  // namespace careguard
