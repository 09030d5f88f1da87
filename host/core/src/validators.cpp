#include "careguard/validators.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace careguard::validators {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_letter(char c) noexcept { return c >= 'a' && c <= 'z'; }

bool all_same(std::string_view digits) {
  return !digits.empty() && std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits.front(); });
}

/// Letters and digits of the span, lower-cased; separators dropped.
std::string compact(std::string_view span) {
  std::string out;
  for (char c : span) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (is_digit(c) || is_letter(c)) {
      out.push_back(c);
    }
  }
  return out;
}

int current_year() {
  const auto now = std::chrono::system_clock::now();
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now)};
  return static_cast<int>(today.year());
}

std::optional<unsigned> month_from_name(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word.size() < 3) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (word.substr(0, 3) == kMonths[i]) {
      return static_cast<unsigned>(i + 1);
    }
  }
  return std::nullopt;
}

struct DateParts {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
};

/// Splits "12/03/1948", "12 march 1948", "march 12th 1948", "12.3.48" into parts.
std::optional<DateParts> parse_date(std::string_view span) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) {
      tokens.push_back(current);
      current.clear();
    }
  };
  for (char c : span) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (is_digit(c) || is_letter(c)) {
      if (!current.empty() && is_digit(current.back()) != is_digit(c)) {
        flush();  // "12th" → "12", "th"
      }
      current.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  // Drop ordinal suffixes and "of".
  std::erase_if(tokens, [](const std::string& t) { return t == "st" || t == "nd" || t == "rd" || t == "th" || t == "of"; });
  if (tokens.size() != 3) {
    return std::nullopt;
  }
  auto number = [](const std::string& t) -> std::optional<int> {
    if (t.empty() || t.size() > 4 || !std::all_of(t.begin(), t.end(), is_digit)) {
      return std::nullopt;
    }
    return std::stoi(t);
  };
  DateParts parts;
  std::optional<int> day;
  std::optional<int> year;
  if (auto month = month_from_name(tokens[1]); month && !number(tokens[1])) {
    day = number(tokens[0]);  // 12 march 1948
    parts.month = *month;
    year = number(tokens[2]);
  } else if (auto first_month = month_from_name(tokens[0]); first_month && !number(tokens[0])) {
    day = number(tokens[1]);  // march 12 1948
    parts.month = *first_month;
    year = number(tokens[2]);
  } else {
    day = number(tokens[0]);  // UK order: day first
    const auto month_number = number(tokens[1]);
    if (!month_number || *month_number < 1 || *month_number > 12) {
      return std::nullopt;
    }
    parts.month = static_cast<unsigned>(*month_number);
    year = number(tokens[2]);
    if (tokens[2].size() != 2 && tokens[2].size() != 4) {
      return std::nullopt;
    }
  }
  if (!day || !year || *day < 1 || *day > 31) {
    return std::nullopt;
  }
  parts.day = static_cast<unsigned>(*day);
  parts.year = *year;
  if (tokens[2].size() == 2) {
    // Two-digit years: a birth year is in the past, so 00..(this year) is 20xx, the rest 19xx.
    const int this_year_two_digits = current_year() % 100;
    parts.year += (parts.year <= this_year_two_digits) ? 2000 : 1900;
  }
  return parts;
}

bool date_exists(const DateParts& parts) {
  const std::chrono::year_month_day ymd{std::chrono::year{parts.year}, std::chrono::month{parts.month},
                                        std::chrono::day{parts.day}};
  return ymd.ok();
}

}  // namespace

std::string digits_of(std::string_view span) {
  std::string out;
  for (const char c : span) {
    if (is_digit(c)) {
      out.push_back(c);
    }
  }
  return out;
}

bool nhs_number(std::string_view span) {
  const std::string digits = digits_of(span);
  if (digits.size() != 10 || all_same(digits)) {
    return false;
  }
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    sum += (digits[static_cast<std::size_t>(i)] - '0') * (10 - i);
  }
  int check = 11 - (sum % 11);
  if (check == 11) {
    check = 0;
  }
  if (check == 10) {
    return false;
  }
  return check == digits[9] - '0';
}

bool national_insurance_number(std::string_view span) {
  const std::string s = compact(span);
  if (s.size() != 9 || !is_letter(s[0]) || !is_letter(s[1]) || !is_letter(s[8])) {
    return false;
  }
  if (!std::all_of(s.begin() + 2, s.begin() + 8, is_digit)) {
    return false;
  }
  static constexpr std::string_view kNeverUsed = "dfiquv";
  if (kNeverUsed.find(s[0]) != std::string_view::npos || kNeverUsed.find(s[1]) != std::string_view::npos ||
      s[1] == 'o') {
    return false;
  }
  static constexpr std::array<std::string_view, 7> kUnallocated = {"bg", "gb", "kn", "nk", "nt", "tn", "zz"};
  const std::string_view prefix(s.data(), 2);
  if (std::find(kUnallocated.begin(), kUnallocated.end(), prefix) != kUnallocated.end()) {
    return false;
  }
  return s[8] >= 'a' && s[8] <= 'd';
}

bool uk_postcode(std::string_view span) {
  const std::string s = compact(span);
  if (s.size() < 5 || s.size() > 7) {
    return false;
  }
  const std::string_view inward(s.data() + s.size() - 3, 3);
  const std::string_view outward(s.data(), s.size() - 3);
  static constexpr std::string_view kNeverInward = "cikmov";
  if (!is_digit(inward[0]) || !is_letter(inward[1]) || !is_letter(inward[2]) ||
      kNeverInward.find(inward[1]) != std::string_view::npos ||
      kNeverInward.find(inward[2]) != std::string_view::npos) {
    return false;
  }
  if (!is_letter(outward[0]) || std::string_view("qvx").find(outward[0]) != std::string_view::npos) {
    return false;
  }
  // Shapes: A9, A99, A9A, AA9, AA99, AA9A.
  const auto shape_ok = [&]() {
    const std::size_t n = outward.size();
    if (n == 2) {
      return is_digit(outward[1]);
    }
    if (n == 3) {
      if (is_digit(outward[1])) {
        return is_digit(outward[2]) || is_letter(outward[2]);  // A99, A9A
      }
      return std::string_view("ijz").find(outward[1]) == std::string_view::npos && is_digit(outward[2]);  // AA9
    }
    if (n == 4) {
      return is_letter(outward[1]) && std::string_view("ijz").find(outward[1]) == std::string_view::npos &&
             is_digit(outward[2]) && (is_digit(outward[3]) || is_letter(outward[3]));  // AA99, AA9A
    }
    return false;
  };
  return shape_ok();
}

bool uk_phone(std::string_view span) {
  std::string digits = digits_of(span);
  const bool international = span.find('+') != std::string_view::npos || digits.starts_with("0044") ||
                             (digits.starts_with("44") && digits.size() == 12);
  if (international) {
    if (digits.starts_with("0044")) {
      digits.erase(0, 4);
    } else if (digits.starts_with("44")) {
      digits.erase(0, 2);
    } else {
      return false;
    }
    if (digits.starts_with("0")) {
      digits.erase(0, 1);  // "+44 (0)7700 …"
    }
    digits.insert(digits.begin(), '0');
  }
  if (digits.size() != 11 || digits[0] != '0') {
    return false;
  }
  if (all_same(digits.substr(1))) {
    return false;
  }
  switch (digits[1]) {
    case '7':
      return digits[2] != '6' || digits.starts_with("07624");  // 076 is pagers, bar the Isle of Man mobiles
    case '1':
    case '2':
    case '3':
      return true;
    default:
      return false;
  }
}

bool luhn(std::string_view span) {
  const std::string digits = digits_of(span);
  if (digits.size() < 13 || digits.size() > 19 || all_same(digits)) {
    return false;
  }
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

bool sort_code(std::string_view span) {
  const std::string digits = digits_of(span);
  return digits.size() == 6 && digits != "000000";
}

bool account_number(std::string_view span) {
  const std::string digits = digits_of(span);
  return digits.size() == 8 && !all_same(digits);
}

bool date(std::string_view span) {
  const auto parts = parse_date(span);
  return parts && date_exists(*parts);
}

bool date_of_birth(std::string_view span) {
  const auto parts = parse_date(span);
  return parts && date_exists(*parts) && parts->year >= 1900 && parts->year <= current_year();
}

const Validator* find(std::string_view name) {
  static const std::map<std::string, Validator, std::less<>> kValidators = {
      {"nhs-number", nhs_number},       {"nino", national_insurance_number},
      {"uk-postcode", uk_postcode},     {"uk-phone", uk_phone},
      {"luhn", luhn},                   {"sort-code", sort_code},
      {"account-number", account_number}, {"date", date},
      {"date-of-birth", date_of_birth},
  };
  const auto it = kValidators.find(name);
  return it == kValidators.end() ? nullptr : &it->second;
}

}  // namespace careguard::validators
