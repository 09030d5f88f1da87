// careguard signing: Ed25519 envelopes over the exact pack text.

#include "careguard/pack.hpp"
#include "careguard/signing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace {

using careguard::PackError;

const std::string kPackText = R"({"id": "fictional-org", "version": "1.0.0", "kind": "org", "rules": []})";

std::string error_of(const std::string& envelope, const std::vector<std::string>& keys) {
  try {
    (void)careguard::verify_signed_pack(envelope, keys);
  } catch (const PackError& error) {
    return error.what();
  }
  ADD_FAILURE() << "verified: " << envelope;
  return {};
}

TEST(Signing, KeygenGivesBase64Keys) {
  const auto pair = careguard::generate_signing_key();
  EXPECT_EQ(pair.public_key.size(), 44U);   // 32 bytes
  EXPECT_EQ(pair.secret_key.size(), 88U);   // 64 bytes
  const auto other = careguard::generate_signing_key();
  EXPECT_NE(pair.public_key, other.public_key);
  EXPECT_NE(pair.secret_key, other.secret_key);
}

TEST(Signing, SignThenVerify) {
  const auto pair = careguard::generate_signing_key();
  const std::string envelope = careguard::sign_pack(kPackText, pair.secret_key);
  const auto document = nlohmann::json::parse(envelope);
  EXPECT_EQ(document.at("format"), "careguard-signed-pack/1");
  EXPECT_EQ(document.at("key"), pair.public_key);
  EXPECT_EQ(document.at("pack"), kPackText);
  EXPECT_TRUE(careguard::looks_signed(envelope));

  const auto verified = careguard::verify_signed_pack(envelope, {pair.public_key});
  EXPECT_EQ(verified.pack_text, kPackText);
  EXPECT_EQ(verified.key, pair.public_key);
  // Any one trusted key that matches is enough, wherever it is in the list.
  const auto other = careguard::generate_signing_key();
  EXPECT_EQ(careguard::verify_signed_pack(envelope, {"not base64!", other.public_key, pair.public_key}).key,
            pair.public_key);
}

TEST(Signing, TamperedPackTextRefused) {
  const auto pair = careguard::generate_signing_key();
  auto document = nlohmann::json::parse(careguard::sign_pack(kPackText, pair.secret_key));
  document["pack"] = R"({"id": "fictional-org", "version": "1.0.1", "kind": "org", "rules": []})";
  EXPECT_FALSE(error_of(document.dump(), {pair.public_key}).empty());
  // Even whitespace counts: the signature is over the exact bytes.
  document["pack"] = kPackText + " ";
  EXPECT_FALSE(error_of(document.dump(), {pair.public_key}).empty());
  // A changed signature fails too.
  document = nlohmann::json::parse(careguard::sign_pack(kPackText, pair.secret_key));
  auto signature = document.at("signature").get<std::string>();
  signature[0] = signature[0] == 'A' ? 'B' : 'A';
  document["signature"] = signature;
  EXPECT_FALSE(error_of(document.dump(), {pair.public_key}).empty());
}

TEST(Signing, WrongKeyRefused) {
  const auto signer = careguard::generate_signing_key();
  const auto trusted = careguard::generate_signing_key();
  const auto envelope = careguard::sign_pack(kPackText, signer.secret_key);
  EXPECT_NE(error_of(envelope, {trusted.public_key}).find("trusted"), std::string::npos);
  // The key named inside the envelope is not trusted just because it is there.
  auto document = nlohmann::json::parse(envelope);
  document["key"] = trusted.public_key;
  EXPECT_FALSE(error_of(document.dump(), {trusted.public_key}).empty());
}

TEST(Signing, NoTrustedKeysRefused) {
  const auto pair = careguard::generate_signing_key();
  const auto envelope = careguard::sign_pack(kPackText, pair.secret_key);
  EXPECT_NE(error_of(envelope, {}).find("no trusted keys"), std::string::npos);
}

TEST(Signing, GarbageEnvelopesRefused) {
  const auto pair = careguard::generate_signing_key();
  const std::vector<std::string> keys{pair.public_key};
  for (const std::string& garbage : std::vector<std::string>{"", "not json", "[]", "{}", kPackText, R"({"format": "careguard-signed-pack/2", "pack": "{}", "signature": "AA=="})",
        R"({"format": "careguard-signed-pack/1"})", R"({"format": "careguard-signed-pack/1", "pack": 7, "signature": "AA=="})",
        R"({"format": "careguard-signed-pack/1", "pack": "{}", "signature": "@@not base64@@"})",
        R"({"format": "careguard-signed-pack/1", "pack": "{}", "signature": "AAAA"})",
        R"({"format": 1, "pack": "{}", "signature": "AA=="})"}) {
    EXPECT_THROW((void)careguard::verify_signed_pack(garbage, keys), PackError) << garbage;
  }
}

TEST(Signing, BadSecretKeyRefused) {
  EXPECT_THROW((void)careguard::sign_pack(kPackText, "short"), PackError);
  const auto pair = careguard::generate_signing_key();
  EXPECT_THROW((void)careguard::sign_pack(kPackText, pair.public_key), PackError);  // a public key is not a secret key
}

TEST(Signing, LooksSigned) {
  const auto pair = careguard::generate_signing_key();
  EXPECT_TRUE(careguard::looks_signed(careguard::sign_pack(kPackText, pair.secret_key)));
  EXPECT_TRUE(careguard::looks_signed(R"({"format": "careguard-signed-pack/1"})"));  // whether or not it verifies
  EXPECT_FALSE(careguard::looks_signed(kPackText));
  EXPECT_FALSE(careguard::looks_signed("not json"));
  EXPECT_FALSE(careguard::looks_signed(""));
  EXPECT_FALSE(careguard::looks_signed("[1, 2]"));
  EXPECT_FALSE(careguard::looks_signed(R"({"format": 1})"));
  EXPECT_FALSE(careguard::looks_signed(R"({"format": null})"));
}

}  // namespace
