// Helpers for the X12 tests: small interchanges built from segment lists, with envelope counts
// computed here (independently of the writer under test).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "edi/x12/diagnostic.hpp"
#include "edi/x12/document.hpp"

namespace crossdock::x12::testing {

// An ISA with fixed-width fields; `e` element separator, `r` ISA11, `c` ISA16.
inline std::string Isa(std::string_view version = "00401", std::string_view control = "000000001",
                       char e = '*', char r = 'U', char c = ':', char ack = '0',
                       std::string_view sender = "SENDER         ",
                       std::string_view receiver = "RECEIVER       ") {
  std::string s = "ISA";
  auto f = [&](std::string_view v) {
    s.push_back(e);
    s += v;
  };
  f("00");
  f("          ");
  f("00");
  f("          ");
  f("ZZ");
  f(sender);
  f("ZZ");
  f(receiver);
  f("240102");
  f("1230");
  f(std::string(1, r));
  f(version);
  f(control);
  f(std::string(1, ack));
  f("T");
  f(std::string(1, c));
  return s;
}

// ST..SE around `body` (segments without terminators), SE01 counted.
inline std::vector<std::string> Set(std::string_view id, std::string_view control,
                                    const std::vector<std::string>& body) {
  std::vector<std::string> out;
  out.push_back("ST*" + std::string(id) + "*" + std::string(control));
  for (const auto& b : body) out.push_back(b);
  out.push_back("SE*" + std::to_string(body.size() + 2) + "*" + std::string(control));
  return out;
}

// One interchange with one group holding `sets`; '*' elements, '~' + "\n" terminators.
inline std::string MakeInterchange(const std::vector<std::vector<std::string>>& sets,
                                   std::string_view functional_id = "PO",
                                   std::string_view gs_version = "004010",
                                   std::string_view isa_version = "00401", char isa11 = 'U') {
  std::string s = Isa(isa_version, "000000001", '*', isa11, ':') + "~\n";
  s += "GS*" + std::string(functional_id) + "*SENDER*RECEIVER*20240102*1230*1*X*" +
       std::string(gs_version) + "~\n";
  for (const auto& set : sets) {
    for (const auto& seg : set) s += seg + "~\n";
  }
  s += "GE*" + std::to_string(sets.size()) + "*1~\n";
  s += "IEA*1*000000001~\n";
  return s;
}

// A valid 004010 850 body (between ST and SE).
inline std::vector<std::string> Po850Body() {
  return {"BEG*00*SA*PO-1001**20240102",
          "CUR*BY*USD",
          "REF*DP*042",
          "PER*BD*JANE BUYER*TE*5551234567",
          "DTM*002*20240115",
          "N1*ST*ACME WAREHOUSE*92*0042",
          "N3*1 DOCK ROAD",
          "N4*SPRINGFIELD*IL*62701*US",
          "N1*BT*ACME CORP*92*0001",
          "PO1*1*10*EA*12.50**UP*012345678905*VN*WID-1",
          "PID*F****WIDGET, BLUE",
          "PO1*2*3*CA*100**UP*012345678912",
          "CTT*2*13"};
}

inline size_t Count(const std::vector<Diagnostic>& ds, std::string_view rule) {
  size_t n = 0;
  for (const auto& d : ds) n += d.rule == rule ? 1 : 0;
  return n;
}

inline const Diagnostic* Find(const std::vector<Diagnostic>& ds, std::string_view rule) {
  for (const auto& d : ds) {
    if (d.rule == rule) return &d;
  }
  return nullptr;
}

inline std::string Dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += FormatDiagnostic(d) + "\n";
  return s;
}

inline size_t Errors(const Document& doc) {
  return CountAtLeast(doc.diagnostics, Severity::kError);
}

}  // namespace crossdock::x12::testing
