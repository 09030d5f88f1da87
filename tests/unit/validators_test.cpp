// careguard::validators: the checks run on matched spans (checksums, allocation rules, calendars).

#include "careguard/pack.hpp"
#include "careguard/validators.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace {

namespace v = careguard::validators;

int this_year() {
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return static_cast<int>(today.year());
}

TEST(NhsNumber, ValidCheckDigit) {
  EXPECT_TRUE(v::nhs_number("943 476 5919"));
  EXPECT_TRUE(v::nhs_number("9434765919"));
  EXPECT_TRUE(v::nhs_number("943-476-5919"));
}

TEST(NhsNumber, WrongCheckDigit) {
  EXPECT_FALSE(v::nhs_number("943 476 5918"));
  EXPECT_FALSE(v::nhs_number("943 476 5910"));
}

TEST(NhsNumber, CheckDigitTenIsNeverValid) {
  // 0,0,0,0,0,0,0,0,6 weighted 10..2 sums to 12; 11 - (12 % 11) = 10, so no last digit works.
  for (char last = '0'; last <= '9'; ++last) {
    EXPECT_FALSE(v::nhs_number(std::string("000000006") + last)) << last;
  }
}

TEST(NhsNumber, AllSameDigitsRejected) {
  // 1111111111 and 0000000000 pass the modulus 11 check but are not real numbers.
  EXPECT_FALSE(v::nhs_number("1111111111"));
  EXPECT_FALSE(v::nhs_number("0000000000"));
}

TEST(NhsNumber, WrongLengthRejected) {
  EXPECT_FALSE(v::nhs_number("943 476 591"));
  EXPECT_FALSE(v::nhs_number("943 476 59190"));
  EXPECT_FALSE(v::nhs_number(""));
}

TEST(NationalInsurance, ValidNumbers) {
  EXPECT_TRUE(v::national_insurance_number("ab123456c"));
  EXPECT_TRUE(v::national_insurance_number("AB 12 34 56 C"));
  EXPECT_TRUE(v::national_insurance_number("jg103759a"));
  EXPECT_TRUE(v::national_insurance_number("oa123456d"));  // O is fine as the first letter
}

TEST(NationalInsurance, LettersNeverUsedInThePrefix) {
  for (const char letter : std::string("dfiquv")) {
    EXPECT_FALSE(v::national_insurance_number(std::string(1, letter) + "a123456a")) << letter << " first";
    EXPECT_FALSE(v::national_insurance_number(std::string("a") + letter + "123456a")) << letter << " second";
  }
  EXPECT_FALSE(v::national_insurance_number("ao123456a"));  // O never second
}

TEST(NationalInsurance, UnallocatedPrefixes) {
  for (const char* prefix : {"bg", "gb", "kn", "nk", "nt", "tn", "zz"}) {
    EXPECT_FALSE(v::national_insurance_number(std::string(prefix) + "123456a")) << prefix;
  }
  EXPECT_TRUE(v::national_insurance_number("ba123456a"));
}

TEST(NationalInsurance, SuffixAToD) {
  for (const char suffix : std::string("abcd")) {
    EXPECT_TRUE(v::national_insurance_number(std::string("ab123456") + suffix)) << suffix;
  }
  for (const char suffix : std::string("efmz")) {
    EXPECT_FALSE(v::national_insurance_number(std::string("ab123456") + suffix)) << suffix;
  }
  EXPECT_FALSE(v::national_insurance_number("ab123456"));
  EXPECT_FALSE(v::national_insurance_number("ab12345ca"));
}

TEST(Postcode, ValidShapes) {
  for (const char* code : {"SW1A 1AA", "M1 1AE", "B33 8TH", "sw1a1aa", "m11ae", "b338th", "CR2 6XH", "DN55 1PT",
                           "W1A 0AX", "EC1A 1BB", "LS6 2QT"}) {
    EXPECT_TRUE(v::uk_postcode(code)) << code;
  }
}

TEST(Postcode, FirstLetterNeverQVX) {
  EXPECT_FALSE(v::uk_postcode("QA1 1AA"));
  EXPECT_FALSE(v::uk_postcode("V1 1AA"));
  EXPECT_FALSE(v::uk_postcode("XA1 1AA"));
}

TEST(Postcode, SecondLetterNeverIJZ) {
  EXPECT_FALSE(v::uk_postcode("AI1 1AA"));
  EXPECT_FALSE(v::uk_postcode("AJ11 1AA"));
  EXPECT_FALSE(v::uk_postcode("AZ1A 1AA"));
  EXPECT_TRUE(v::uk_postcode("AB1 1AA"));
}

TEST(Postcode, InwardLettersNeverCIKMOV) {
  for (const char letter : std::string("cikmov")) {
    EXPECT_FALSE(v::uk_postcode(std::string("M1 1") + letter + "A")) << letter;
    EXPECT_FALSE(v::uk_postcode(std::string("M1 1A") + letter)) << letter;
  }
}

TEST(Postcode, WrongShapes) {
  EXPECT_FALSE(v::uk_postcode("M 1AA"));
  EXPECT_FALSE(v::uk_postcode("11 1AA"));
  EXPECT_FALSE(v::uk_postcode("M1 AAA"));
  EXPECT_FALSE(v::uk_postcode("ABC1 1AA"));
  EXPECT_FALSE(v::uk_postcode("SW1AB 1AA"));
  EXPECT_FALSE(v::uk_postcode(""));
}

TEST(Phone, MobilesInBothForms) {
  EXPECT_TRUE(v::uk_phone("07700 900123"));
  EXPECT_TRUE(v::uk_phone("07700900123"));
  EXPECT_TRUE(v::uk_phone("+44 7700 900123"));
  EXPECT_TRUE(v::uk_phone("+447700900123"));
  EXPECT_TRUE(v::uk_phone("+44 (0)7700 900123"));
  EXPECT_TRUE(v::uk_phone("0044 7700 900123"));
}

TEST(Phone, PagersRejectedButIsleOfManMobilesAccepted) {
  EXPECT_FALSE(v::uk_phone("07600 900123"));
  EXPECT_FALSE(v::uk_phone("07699 900123"));
  EXPECT_FALSE(v::uk_phone("+44 7600 900123"));
  EXPECT_TRUE(v::uk_phone("07624 900123"));
  EXPECT_TRUE(v::uk_phone("+44 7624 900123"));
}

TEST(Phone, GeographicAndNonGeographic) {
  EXPECT_TRUE(v::uk_phone("0161 496 0123"));
  EXPECT_TRUE(v::uk_phone("020 7946 0123"));
  EXPECT_TRUE(v::uk_phone("0300 123 4567"));
  EXPECT_TRUE(v::uk_phone("+44 161 496 0123"));
  EXPECT_FALSE(v::uk_phone("0800 123 4567"));  // freephone is not 01/02/03/07
  EXPECT_FALSE(v::uk_phone("0500 123 4567"));
  EXPECT_FALSE(v::uk_phone("0900 123 4567"));
}

TEST(Phone, WrongLengthAndJunk) {
  EXPECT_FALSE(v::uk_phone("0770090012"));    // 10 digits
  EXPECT_FALSE(v::uk_phone("077009001234"));  // 12 digits
  EXPECT_FALSE(v::uk_phone("17700900123"));   // no leading 0
  EXPECT_FALSE(v::uk_phone("07777777777"));   // all the same after the 0
  EXPECT_FALSE(v::uk_phone("+1 7700 900123"));
  EXPECT_FALSE(v::uk_phone(""));
}

TEST(Luhn, CardNumbers) {
  EXPECT_TRUE(v::luhn("4111 1111 1111 1111"));
  EXPECT_TRUE(v::luhn("4111-1111-1111-1111"));
  EXPECT_TRUE(v::luhn("5555555555554444"));
  EXPECT_FALSE(v::luhn("4111 1111 1111 1112"));
  EXPECT_FALSE(v::luhn("4111 1111 1111"));              // 12 digits: too short
  EXPECT_FALSE(v::luhn("41111111111111111111"));        // 20 digits: too long
  EXPECT_FALSE(v::luhn("0000 0000 0000 0000"));         // passes Luhn, but all the same
}

TEST(SortCode, SixDigits) {
  EXPECT_TRUE(v::sort_code("12-34-56"));
  EXPECT_TRUE(v::sort_code("12 34 56"));
  EXPECT_TRUE(v::sort_code("123456"));
  EXPECT_FALSE(v::sort_code("00-00-00"));
  EXPECT_FALSE(v::sort_code("12-34-5"));
  EXPECT_FALSE(v::sort_code("12-34-567"));
}

TEST(AccountNumber, EightDigitsNotAllSame) {
  EXPECT_TRUE(v::account_number("12345678"));
  EXPECT_TRUE(v::account_number("31926819"));
  EXPECT_FALSE(v::account_number("11111111"));
  EXPECT_FALSE(v::account_number("1234567"));
  EXPECT_FALSE(v::account_number("123456789"));
}

TEST(Date, CalendarRules) {
  EXPECT_FALSE(v::date("31/02/2024"));
  EXPECT_TRUE(v::date("29/02/2024"));
  EXPECT_FALSE(v::date("29/02/2023"));
  EXPECT_FALSE(v::date("31/04/2020"));
  EXPECT_TRUE(v::date("30/04/2020"));
  EXPECT_FALSE(v::date("32/01/2020"));
  EXPECT_FALSE(v::date("12/13/2020"));  // UK order: day first, so month 13
  EXPECT_FALSE(v::date("0/1/2020"));
  EXPECT_TRUE(v::date("12-03-1948"));
  EXPECT_TRUE(v::date("12.3.1948"));
}

TEST(Date, WordedDates) {
  EXPECT_TRUE(v::date("3rd march 1931"));
  EXPECT_TRUE(v::date("3rd of March 1931"));
  EXPECT_TRUE(v::date("march 3rd 1931"));
  EXPECT_TRUE(v::date("12 sept 1948"));
  EXPECT_FALSE(v::date("31st feb 1931"));
  EXPECT_FALSE(v::date("3rd march"));
}

TEST(Date, TwoDigitYears) {
  EXPECT_TRUE(v::date("12.3.48"));
  // 00 is 2000 (a leap year); were it read as 1900 (not leap) this would fail.
  EXPECT_TRUE(v::date("29/02/00"));
  EXPECT_FALSE(v::date("29/02/01"));
  EXPECT_FALSE(v::date("1/1/123"));  // three-digit years are not years
}

TEST(DateOfBirth, YearRange) {
  const int year = this_year();
  EXPECT_TRUE(v::date_of_birth("01/01/1900"));
  EXPECT_FALSE(v::date_of_birth("31/12/1899"));
  EXPECT_TRUE(v::date_of_birth("12/03/1948"));
  EXPECT_TRUE(v::date_of_birth("1/1/" + std::to_string(year)));
  EXPECT_FALSE(v::date_of_birth("1/1/" + std::to_string(year + 1)));
  EXPECT_FALSE(v::date_of_birth("29/02/2023"));
  // Two digits up to this year's are this century; the rest last century, both plausible.
  const int next_two = (year + 1) % 100;
  // fmt rather than "0" + to_string: GCC 12 at -O3 warns (-Wrestrict) on the latter, wrongly.
  const std::string next = fmt::format("{:02}", next_two);
  EXPECT_TRUE(v::date_of_birth("1/1/" + next));  // 19xx
  EXPECT_TRUE(v::date_of_birth("3rd march 1931"));
}

TEST(Find, EveryValidatorNameUsedInPacks) {
  std::set<std::string> used = {"nhs-number", "nino", "uk-postcode", "uk-phone", "luhn",
                                "sort-code",  "account-number", "date-of-birth", "date"};
  for (const auto& rule : careguard::builtin_base_pack().rules) {
    if (!rule.validator.empty()) {
      used.insert(rule.validator);
    }
  }
  for (const auto& name : used) {
    const auto* found = v::find(name);
    ASSERT_NE(found, nullptr) << name;
    EXPECT_TRUE(static_cast<bool>(*found)) << name;
  }
  EXPECT_EQ(v::find("no-such-validator"), nullptr);
  EXPECT_EQ(v::find(""), nullptr);
  EXPECT_EQ(v::find("NHS-NUMBER"), nullptr);
}

TEST(Find, RegisteredFunctionsAreTheValidators) {
  EXPECT_TRUE((*v::find("nhs-number"))("943 476 5919"));
  EXPECT_FALSE((*v::find("nhs-number"))("943 476 5918"));
  EXPECT_TRUE((*v::find("nino"))("ab123456c"));
  EXPECT_TRUE((*v::find("uk-postcode"))("sw1a 1aa"));
  EXPECT_TRUE((*v::find("uk-phone"))("07700 900123"));
  EXPECT_TRUE((*v::find("luhn"))("4111111111111111"));
  EXPECT_TRUE((*v::find("sort-code"))("12-34-56"));
  EXPECT_TRUE((*v::find("account-number"))("12345678"));
  EXPECT_TRUE((*v::find("date"))("29/02/2024"));
  EXPECT_FALSE((*v::find("date-of-birth"))("29/02/1899"));
}

TEST(DigitsOf, KeepsDigitsInOrder) {
  EXPECT_EQ(v::digits_of("+44 (0)7700-900 123"), "4407700900123");
  EXPECT_EQ(v::digits_of("no digits"), "");
}

}  // namespace
