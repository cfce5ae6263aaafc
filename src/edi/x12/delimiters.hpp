// Delimiters: the four separator characters of one X12 interchange.
//
// Guarantees: a Delimiters value that passed CheckDelimiters() has four (three when there is no
// repetition separator) distinct single-byte separators, none of them a letter, a digit or a
// space, so splitting by them is unambiguous. The reader derives them from each ISA; the writer
// takes them from its options. Multi-byte separators found in legacy UTF-8 files are mapped to
// single placeholder bytes by the reader; `*_text` then keeps the original spelling for display.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace crossdock::x12 {

struct Delimiters {
  char element = '*';
  char component = ':';
  char repetition = 0;  // ISA11 from version 00402 on; 0 when the interchange has none
  char segment = '~';
  // Written after every segment terminator by the writer ("\n", "\r\n" or ""); ignored when
  // reading.
  std::string suffix;

  bool operator==(const Delimiters& o) const {
    return element == o.element && component == o.component && repetition == o.repetition &&
           segment == o.segment;
  }
};

// The defaults most partners expect: * : ^ ~ with a newline after each segment.
Delimiters DefaultDelimiters();

// Ok when the separators are distinct and none is alphanumeric or a space.
Status CheckDelimiters(const Delimiters& d);

// "*", "\\n", "\\x1D": a printable spelling of one separator byte for messages and JSON.
std::string DescribeDelimiter(char c);

}  // namespace crossdock::x12
