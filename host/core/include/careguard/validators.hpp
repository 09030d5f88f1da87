#pragma once
// Checks that run on a matched span after Hyperscan has found it, where a regular expression cannot
// decide (checksums, allocation rules, calendars). Each takes the span of normalised text (lower
// case, ASCII digits) and says whether it is a real identifier.

#include <functional>
#include <string>
#include <string_view>

namespace careguard::validators {

/// NHS number: ten digits, modulus 11 check digit (NHS Data Dictionary). Rejects all-same digits.
[[nodiscard]] bool nhs_number(std::string_view span);
/// National Insurance number: HMRC prefix and suffix rules (NIM39110); no check digit exists.
[[nodiscard]] bool national_insurance_number(std::string_view span);
/// UK postcode: outward and inward code shapes, with the letters each position may hold.
[[nodiscard]] bool uk_postcode(std::string_view span);
/// UK phone number in +44 or 0 form: mobiles (07, not 076 pagers) and geographic (01, 02), and 03.
[[nodiscard]] bool uk_phone(std::string_view span);
/// Payment card number: 13 to 19 digits passing the Luhn check.
[[nodiscard]] bool luhn(std::string_view span);
/// Sort code: three pairs of digits, written with hyphens or spaces (00-00-00 rejected).
[[nodiscard]] bool sort_code(std::string_view span);
/// Account number: eight digits, not all the same.
[[nodiscard]] bool account_number(std::string_view span);
/// A calendar date that exists (d/m/y, d-m-y, d.m.y, "12 march 1948", "march 12 1948").
[[nodiscard]] bool date(std::string_view span);
/// A date that exists with a plausible birth year: 1900 up to this year.
[[nodiscard]] bool date_of_birth(std::string_view span);

using Validator = std::function<bool(std::string_view)>;

/// The validator registered under `name` (the names used in packs), or nullptr.
[[nodiscard]] const Validator* find(std::string_view name);

/// The digits of `span`, in order.
[[nodiscard]] std::string digits_of(std::string_view span);

}  // namespace careguard::validators
