// Pack text as it arrives from a pack folder or the extension's pack URL (docs/PACKS.md): the
// signed envelope check, then the pack parser. Each throws PackError and nothing else; a pack that
// parses writes out (careguard pack build) to JSON that parses again to the same pack; and any
// UTF-8 text signed with a trusted key verifies back to exactly that text, while the same envelope
// with a changed signature, or checked against another key, is refused.

#include "careguard/pack.hpp"
#include "careguard/signing.hpp"
#include "careguard/utf.hpp"

#include "fuzz_check.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using careguard::PackError;

// Made once: generating keys for every input would spend the run on key generation.
careguard::SigningKeyPair trusted;
careguard::SigningKeyPair untrusted;

template <typename Call>
bool refused(Call&& call) {
  try {
    call();
  } catch (const PackError&) {
    return true;
  }
  return false;
}

void check_parse(std::string_view text) {
  careguard::Pack pack;
  try {
    pack = careguard::parse_pack_text(text, "fuzz");
  } catch (const PackError&) {
    return;
  }
  const nlohmann::json written = careguard::to_json(pack);
  careguard::Pack again;
  CAREGUARD_FUZZ_CHECK(!refused([&] { again = careguard::parse_pack(written, "fuzz"); }),
                       "a pack written by to_json parses again");
  CAREGUARD_FUZZ_CHECK(careguard::to_json(again) == written, "a written pack reads back unchanged");
}

void check_envelope(std::string_view text) {
  (void)careguard::looks_signed(text);
  // Random bytes do not carry a valid Ed25519 signature: anything that looks like an envelope is
  // refused with PackError, and anything else is refused as unsigned.
  CAREGUARD_FUZZ_CHECK(refused([&] { (void)careguard::verify_signed_pack(text, {trusted.public_key}); }),
                       "an envelope the fuzzer made up never verifies");
}

void check_sign_round_trip(std::string_view text) {
  if (!careguard::utf::is_valid_utf8(text)) {
    return;  // the envelope is JSON, so the pack text inside it is UTF-8 by construction
  }
  const std::string envelope = careguard::sign_pack(text, trusted.secret_key);
  const careguard::VerifiedPack verified = careguard::verify_signed_pack(envelope, {untrusted.public_key, trusted.public_key});
  CAREGUARD_FUZZ_CHECK(verified.pack_text == text, "the verified text is exactly the signed text");
  CAREGUARD_FUZZ_CHECK(verified.key == trusted.public_key, "the signing key is the one reported");
  CAREGUARD_FUZZ_CHECK(careguard::looks_signed(envelope), "a signed pack looks signed");
  CAREGUARD_FUZZ_CHECK(refused([&] { (void)careguard::verify_signed_pack(envelope, {untrusted.public_key}); }),
                       "an untrusted key's check refuses the envelope");

  nlohmann::json tampered = nlohmann::json::parse(envelope);
  std::string signature = tampered["signature"].get<std::string>();
  signature[signature.size() / 2] = signature[signature.size() / 2] == 'A' ? 'B' : 'A';
  tampered["signature"] = signature;
  CAREGUARD_FUZZ_CHECK(refused([&] { (void)careguard::verify_signed_pack(tampered.dump(), {trusted.public_key}); }),
                       "a changed signature is refused");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  trusted = careguard::generate_signing_key();
  untrusted = careguard::generate_signing_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse(text);
  check_envelope(text);
  check_sign_round_trip(text);
  return 0;
}
