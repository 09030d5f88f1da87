#pragma once
// What an organisation profile (examples/org/profile.json) adds to its org pack: the profile
// itself, the provider's own public contact details and official accounts as allowlist entries,
// the `org-name` word list, and rules that catch posts naming the employer together with a
// complaint or an internal matter (docs/NAMES.md, "The provider's own name").

#include "careguard/pack.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace careguard {

/// The ways staff write the provider's name, lower case: the registered name without its legal
/// suffix ("brightside home care"), the same run together ("brightsidehomecare"), the distinctive
/// part before generic care words ("brightside"), handles of the official accounts
/// ("brightsidecare") and the profile's `org_name_aliases`. A profile `org_name_variants` array
/// replaces all of that when the admin wants exact control. Empty without a name.
[[nodiscard]] std::vector<std::string> org_name_variants(const nlohmann::json& profile);

/// The provider's own contact details and accounts, never to be flagged: `public_phone`,
/// `public_address`, `public_email`, every phone number and email address inside
/// `safeguarding_contact` and `reporting_channel`, and each official account as written, without
/// its scheme and "www.", and as "@handle".
[[nodiscard]] std::vector<std::string> org_allowlist(const nlohmann::json& profile);

/// Sets pack.org to the profile and adds its allowlist entries, the `org-name` word list and the
/// rules `org.name-reputation` and `org.name-internal` (with examples written from the name, so
/// `careguard pack test` checks them). Throws PackError if the profile is not a JSON object.
void apply_org_profile(Pack& pack, const nlohmann::json& profile);

}  // namespace careguard
