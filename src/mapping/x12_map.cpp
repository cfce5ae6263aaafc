#include "mapping/x12_map.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include "core/strings.hpp"

namespace crossdock::mapping {
namespace {

using model::DocumentType;
using x12::SegmentView;
using x12::SetView;

enum class Kind { kSupplier, kCustomer };

// ------------------------------------------------------------------------------------------
// Code tables. Inbound reads every code in a table; outbound writes the first code listed for a
// name. A code outside its table is a warning and the documented default is used.

struct CodeName {
  std::string_view code;
  std::string_view name;
};

template <size_t N>
std::string_view NameOf(const CodeName (&table)[N], std::string_view code) {
  for (const auto& e : table) {
    if (e.code == code) return e.name;
  }
  return {};
}

template <size_t N>
std::string_view CodeOf(const CodeName (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) return e.code;
  }
  return {};
}

// N101 entity identifier code (98) <-> PartyRef.role. A code outside the table is kept as role
// "x12_<code>" (info), and written back as <code>. "customer" is written as BY (one way).
constexpr CodeName kRoles[] = {
    {"ST", "ship_to"},
    {"BT", "bill_to"},
    {"BY", "buyer"},
    {"SE", "seller"},
    {"VN", "supplier"},
    {"SU", "supplier"},
    {"SF", "ship_from"},
    {"RI", "remit_to"},
    {"WH", "warehouse"},
    {"CA", "carrier"},
    {"BS", "bill_and_ship_to"},
    {"SO", "sold_to"},
    {"OB", "ordered_by"},
    {"MF", "manufacturer"},
    {"Z7", "mark_for"},
    {"PR", "payer"},
    {"PE", "payee"},
    {"II", "invoice_issuer"},
    {"SH", "shipper"},
    {"CN", "consignee"},
    {"SN", "store"},
    {"BY", "customer"},
};
constexpr std::string_view kUnknownRolePrefix = "x12_";

// Transaction set purpose (353): BEG01 -> Order.purpose.
constexpr CodeName kOrderPurposes[] = {
    {"00", "original"}, {"01", "cancel"},       {"04", "change"},
    {"05", "replace"},  {"06", "confirmation"}, {"07", "original"},  // 07 duplicate
};

// Purchase order type (92): BEG02 -> Order.order_type.
constexpr CodeName kOrderTypes[] = {
    {"SA", "standalone"}, {"NE", "standalone"}, {"KN", "standalone"}, {"OS", "standalone"},
    {"RE", "standalone"}, {"CF", "standalone"}, {"BK", "blanket"},    {"BE", "blanket"},
    {"RL", "release"},    {"DS", "dropship"},   {"RO", "rush"},       {"EO", "rush"},
};

// Acknowledgment type (587): BAK02 -> PurchaseOrderAck.ack_type.
constexpr CodeName kAckTypes[] = {
    {"AD", "accepted"},
    {"AC", "accepted_with_changes"},
    {"AK", "accepted_no_detail"},
    {"RJ", "rejected"},
    {"RD", "rejected_with_detail"},
    {"AH", "pending"},
    {"AE", "accepted_with_changes"},  // with exception detail only
    {"AT", "accepted"},
    {"AP", "accepted"},              // product replenishment
    {"RF", "rejected_with_detail"},  // with exception detail only
    {"RO", "rejected_with_detail"},  // with counter offer
};

// Line item status (668): ACK01 -> AckDetail.status. The code is always kept in `code`.
constexpr CodeName kLineStatuses[] = {
    {"IA", "accepted"},
    {"IQ", "accepted_quantity_change"},
    {"DR", "date_rescheduled"},
    {"IP", "accepted_price_change"},
    {"IC", "accepted_with_changes"},
    {"IB", "backordered"},
    {"IR", "rejected"},
    {"IS", "substituted"},
    {"AR", "accepted"},     // accepted and released for shipment
    {"AC", "accepted"},     // accepted and shipped
    {"SP", "accepted"},     // accepted, schedule date pending
    {"IE", "accepted"},     // accepted, price pending
    {"BP", "backordered"},  // partial shipment, balance backordered
    {"IT", "backordered"},  // partial shipment, balance backordered
    {"IF", "backordered"},  // on hold, incomplete description
    {"IH", "backordered"},  // on hold
    {"IW", "backordered"},  // on hold, waiver required
    {"ID", "rejected"},     // deleted
    {"R1", "rejected"},
    {"R2", "rejected"},
    {"R3", "rejected"},
    {"R4", "rejected"},
    {"R5", "rejected"},
    {"R6", "rejected"},
    {"R7", "rejected"},
    {"R8", "rejected"},
    {"DR", "accepted_date_change"},  // written as DR; read as date_rescheduled (first match)
};

// BSN01 -> Shipment.purpose (00/06/07/14 original; 01 cancel; 05 replace).
constexpr CodeName kShipmentPurposes[] = {
    {"00", "original"}, {"01", "cancel"},   {"05", "replace"},
    {"06", "original"}, {"07", "original"}, {"14", "original"},
};

// BIG07 transaction type (640) -> Invoice.invoice_type. Absent: invoice.
constexpr CodeName kInvoiceTypes[] = {
    {"CR", "credit_memo"},
    {"DR", "debit_memo"},
    {"DI", "invoice"},
    {"PR", "invoice"},
};

// 846 QTY01 (673) -> InventoryLine field; more through X12MapOptions::inventory_quantities.
constexpr CodeName kInventoryQuantities[] = {
    {"17", "on_hand"},
    {"33", "available"},
    {"63", "on_order"},
    {"27", "committed"},
};

// SAC02 codes written for charge names that are not already codes.
constexpr CodeName kChargeNames[] = {
    {"D240", "freight"},
    {"C310", "discount"},
};

// Header dates of an order (DTM01 / 374) -> Order fields. Others are kept as references
// "DTM<qualifier>" (ISO date as value) and written back as DTM segments.
constexpr CodeName kOrderDates[] = {
    {"002", "requested_delivery_date"},
    {"106", "requested_delivery_date"},  // required by
    {"037", "ship_not_before"},
    {"064", "ship_not_before"},
    {"001", "cancel_after"},
    {"038", "cancel_after"},
    {"063", "cancel_after"},
};

// ------------------------------------------------------------------------------------------
// Small helpers.

std::string Trimmed(std::string_view v) {
  size_t b = 0, e = v.size();
  while (b < e && (v[b] == ' ' || v[b] == '\t' || v[b] == '\r' || v[b] == '\n')) ++b;
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\r' || v[e - 1] == '\n')) {
    --e;
  }
  return std::string(v.substr(b, e - b));
}

bool AllDigits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int Num(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::string Pad(int v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

// CCYYMMDD, or YYMMDD (00-49 -> 20xx, 50-99 -> 19xx) -> YYYY-MM-DD.
std::optional<std::string> IsoDate(std::string_view v) {
  if (!AllDigits(v)) return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (v.size() == 8) {
    y = Num(v.substr(0, 4));
    m = Num(v.substr(4, 2));
    d = Num(v.substr(6, 2));
  } else if (v.size() == 6) {
    const int yy = Num(v.substr(0, 2));
    y = yy < 50 ? 2000 + yy : 1900 + yy;
    m = Num(v.substr(2, 2));
    d = Num(v.substr(4, 2));
  } else {
    return std::nullopt;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return Pad(y, 4) + "-" + Pad(m, 2) + "-" + Pad(d, 2);
}

// HHMM, HHMMSS, HHMMSSD, HHMMSSDD -> HH:MM, HH:MM:SS, HH:MM:SS.D, HH:MM:SS.DD.
std::optional<std::string> IsoTime(std::string_view v) {
  if (!AllDigits(v) || v.size() < 4 || v.size() > 8 || v.size() == 5) return std::nullopt;
  const int h = Num(v.substr(0, 2)), m = Num(v.substr(2, 2));
  if (h > 23 || m > 59) return std::nullopt;
  std::string out = std::string(v.substr(0, 2)) + ":" + std::string(v.substr(2, 2));
  if (v.size() >= 6) {
    if (Num(v.substr(4, 2)) > 59) return std::nullopt;
    out += ":" + std::string(v.substr(4, 2));
  }
  if (v.size() > 6) out += "." + std::string(v.substr(6));
  return out;
}

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

// ISO date + optional HH:MM[:SS[.f]] time + X12 time code (element 623) -> a UTC instant
// ("2026-11-23T08:30:00Z"), or the date alone without a time. False for an unknown time code.
// Times without a code (and LT, local time) are taken as UTC: X12 carries no zone otherwise.
bool InstantUtc(const std::string& date, const std::string& time, const std::string& code,
                std::string* out) {
  if (time.empty()) {
    *out = date;
    return true;
  }
  static const struct {
    const char* code;
    int offset_minutes;
  } kCodes[] = {{"UT", 0},    {"GM", 0},    {"LT", 0},    {"ET", -300}, {"ED", -240}, {"ES", -300},
                {"CT", -360}, {"CD", -300}, {"CS", -360}, {"MT", -420}, {"MD", -360}, {"MS", -420},
                {"PT", -480}, {"PD", -420}, {"PS", -480}, {"AT", -240}, {"AD", -180}, {"AS", -240},
                {"HT", -600}, {"HS", -600}, {"NT", -210}, {"ND", -150}, {"NS", -210}};
  int offset = 0;
  if (!code.empty()) {
    bool found = false;
    for (const auto& c : kCodes) {
      if (code == c.code) {
        offset = c.offset_minutes;
        found = true;
      }
    }
    if (!found) return false;
  }
  int minutes = Num(time.substr(0, 2)) * 60 + Num(time.substr(3, 2)) - offset;
  int64_t days =
      DaysFromCivil(Num(date.substr(0, 4)), Num(date.substr(5, 2)), Num(date.substr(8, 2)));
  while (minutes < 0) {
    minutes += 1440;
    --days;
  }
  while (minutes >= 1440) {
    minutes -= 1440;
    ++days;
  }
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  std::string rest = time.size() > 5 ? time.substr(5) : ":00";
  *out = Pad(y, 4) + "-" + Pad(m, 2) + "-" + Pad(d, 2) + "T" + Pad(minutes / 60, 2) + ":" +
         Pad(minutes % 60, 2) + rest + "Z";
  return true;
}

bool IsSscc(std::string_view v) { return v.size() == 18 && AllDigits(v); }

// GS1 mod-10 check digit over all digits but the last.
bool GoodCheckDigit(std::string_view digits) {
  int sum = 0;
  const size_t n = digits.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    const int w = ((n - 1 - i) % 2 == 1) ? 3 : 1;
    sum += (digits[i] - '0') * w;
  }
  return (10 - sum % 10) % 10 == digits[n - 1] - '0';
}

std::string_view SetNoun(DocumentType t) { return model::DocumentTypeName(t); }

// Segment tags are 2 or 3 upper-case letters or digits, starting with a letter.
bool LooksLikeTag(std::string_view t) {
  if (t.size() < 2 || t.size() > 3 || t[0] < 'A' || t[0] > 'Z') return false;
  for (char c : t) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// Segments of a line-level N1 loop (850/855/810 detail): the loop's party is not kept, nor
// anything inside it.
bool InLineN1Loop(std::string_view tag) {
  static constexpr std::string_view kTags[] = {"N2",  "N3",  "N4",  "NX2", "REF", "PER", "SI",
                                               "DTM", "FOB", "SCH", "TD1", "TD5", "TD3", "TD4",
                                               "PKG", "QTY", "LDT", "MAN", "DMG"};
  for (auto t : kTags) {
    if (t == tag) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------
// Inbound context: issues, typed element readers.

class In {
 public:
  In(const SetView& set, const X12SetContext& ctx, const X12MapOptions& opts, Kind kind,
     DocumentType type)
      : set_(set), ctx_(ctx), opts_(opts), kind_(kind), type_(type) {
    currency_ = opts.currency;
    size_t end = set.size();
    if (end > 0 && set.segment(end - 1).tag() == "SE") --end;
    begin_ = set.size() > 0 && set.segment(0).tag() == "ST" ? 1 : 0;
    end_ = std::max(begin_, end);
    CheckEncoding();
  }

  size_t begin() const { return begin_; }
  size_t end() const { return end_; }
  SegmentView seg(size_t i) const { return set_.segment(i); }
  SegmentView st() const { return set_.segment(0); }
  Kind kind() const { return kind_; }
  const X12MapOptions& opts() const { return opts_; }
  const X12SetContext& ctx() const { return ctx_; }
  DocumentType type() const { return type_; }
  std::vector<MapIssue>& issues() { return issues_; }

  void Issue(IssueSeverity sev, const SegmentView& s, int el, std::string field,
             std::string message) {
    MapIssue i;
    i.severity = sev;
    i.field = std::move(field);
    i.segment_ordinal = s.ordinal();
    i.segment = std::string(s.tag());
    i.element = el;
    if (el > 0) i.value = Printable(s.element(static_cast<size_t>(el)));
    i.message = std::move(message);
    issues_.push_back(std::move(i));
  }
  void Err(const SegmentView& s, int el, std::string field, std::string m) {
    Issue(IssueSeverity::kError, s, el, std::move(field), std::move(m));
  }
  void Warn(const SegmentView& s, int el, std::string field, std::string m) {
    Issue(IssueSeverity::kWarning, s, el, std::move(field), std::move(m));
  }
  void Info(const SegmentView& s, int el, std::string field, std::string m) {
    Issue(IssueSeverity::kInfo, s, el, std::move(field), std::move(m));
  }
  // A whole segment the canonical document has no place for.
  void NotKept(const SegmentView& s, std::string_view why = {}) {
    if (!LooksLikeTag(s.tag())) {
      Warn(s, 0, "",
           "'" + std::string(s.tag()) +
               "' is not an X12 segment tag (a damaged or misread "
               "segment); not kept");
      return;
    }
    std::string m = "segment " + std::string(s.tag()) + " has no place in the canonical " +
                    std::string(SetNoun(type_));
    if (!why.empty()) m += " (" + std::string(why) + ")";
    Info(s, 0, "", m + "; not kept");
  }
  // An element with data the canonical document has no place for.
  void ElementNotKept(const SegmentView& s, int el, std::string_view what) {
    if (El(s, el).empty()) return;
    Info(s, el, "",
         std::string(s.tag()) + Pad(el, 2) + " (" + std::string(what) + ") has no place in the " +
             "canonical " + std::string(SetNoun(type_)) + "; not kept");
  }

  // Elements from position `from` on carry data this mapping does not read.
  void ExtraNotKept(const SegmentView& s, int from) {
    for (int p = from; p <= static_cast<int>(s.size()); ++p) {
      if (El(s, p).empty()) continue;
      Info(s, p, "",
           std::string(s.tag()) + Pad(p, 2) + " has no place in the canonical " +
               std::string(SetNoun(type_)) + "; not kept");
    }
  }

  std::string El(const SegmentView& s, int pos) const {
    if (!not_utf8_.empty() && not_utf8_.count({s.ordinal(), pos})) return "";
    return Trimmed(s.element(static_cast<size_t>(pos)));
  }
  std::string Comp(const SegmentView& s, int pos, int comp) const {
    if (!not_utf8_.empty() && not_utf8_.count({s.ordinal(), pos})) return "";
    return Trimmed(x12::Part(s.element(static_cast<size_t>(pos)), ctx_.delimiters.component,
                             static_cast<size_t>(comp)));
  }
  std::string Required(const SegmentView& s, int pos, const std::string& field,
                       std::string_view what) {
    std::string v = El(s, pos);
    if (v.empty()) {
      Err(s, pos, field,
          std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) + ") is missing");
    }
    return v;
  }

  std::string Date(const SegmentView& s, int pos, const std::string& field, bool required,
                   std::string_view what) {
    const std::string v = El(s, pos);
    if (v.empty()) {
      if (required) {
        Err(s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) + ") is missing");
      }
      return "";
    }
    auto iso = IsoDate(v);
    if (!iso) {
      Issue(required ? IssueSeverity::kError : IssueSeverity::kWarning, s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) +
                ") is not a date (CCYYMMDD or YYMMDD)" + (required ? "" : "; not kept"));
      return "";
    }
    return *iso;
  }

  std::string Time(const SegmentView& s, int pos, const std::string& field) {
    const std::string v = El(s, pos);
    if (v.empty()) return "";
    auto t = IsoTime(v);
    if (!t) {
      Warn(s, pos, field,
           std::string(s.tag()) + Pad(pos, 2) + " is not a time (HHMM[SS[D[D]]]); not kept");
      return "";
    }
    return *t;
  }

  // X12 type R: a decimal as written.
  std::optional<Decimal> R(const SegmentView& s, int pos, const std::string& field, bool required,
                           std::string_view what) {
    const std::string v = El(s, pos);
    if (v.empty()) {
      if (required) {
        Err(s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) + ") is missing");
      }
      return std::nullopt;
    }
    auto d = Decimal::Parse(v);
    if (!d.ok()) {
      Issue(required ? IssueSeverity::kError : IssueSeverity::kWarning, s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) +
                ") is not a number: " + d.error().message() + (required ? "" : "; not kept"));
      return std::nullopt;
    }
    return *d;
  }

  // X12 type N2: implied two decimals. A value written with a point is taken as written.
  std::optional<Decimal> N2(const SegmentView& s, int pos, const std::string& field, bool required,
                            std::string_view what) {
    const std::string v = El(s, pos);
    if (v.empty()) {
      if (required) {
        Err(s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) + ") is missing");
      }
      return std::nullopt;
    }
    if (v.find('.') != std::string::npos) {
      auto d = Decimal::Parse(v);
      if (d.ok()) {
        Warn(s, pos, field,
             std::string(s.tag()) + Pad(pos, 2) +
                 " is an implied-decimal (N2) number but was written with a point; taken as "
                 "written");
        return *d;
      }
    }
    auto d = Decimal::ParseImplied(v, 2);
    if (!d.ok()) {
      Issue(required ? IssueSeverity::kError : IssueSeverity::kWarning, s, pos, field,
            std::string(s.tag()) + Pad(pos, 2) + " (" + std::string(what) +
                ") is not an implied-decimal number: " + d.error().message() +
                (required ? "" : "; not kept"));
      return std::nullopt;
    }
    return *d;
  }

  // X12 units of measure (element 355) are two characters.
  std::string Unit(const SegmentView& s, int pos, int comp, const std::string& field,
                   bool required) {
    const std::string u = comp > 0 ? Comp(s, pos, comp) : El(s, pos);
    if (u.empty()) {
      if (required) {
        Err(s, pos, field, std::string(s.tag()) + Pad(pos, 2) + " (unit of measure) is missing");
      }
      return u;
    }
    if (u.size() != 2) {
      Warn(s, pos, field,
           "'" + u +
               "' is not a two-character X12 unit of measure (a damaged segment?); kept as "
               "sent");
    }
    return u;
  }

  void SetCurrency(const SegmentView& s) {
    const std::string c = El(s, 2);
    if (c.size() != 3 ||
        !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      Warn(s, 2, "currency", "CUR02 is not an ISO 4217 currency code; not kept");
      return;
    }
    currency_ = c;
  }
  const std::string& currency() const { return currency_; }

  model::Money MakeMoney(const Decimal& amount, const SegmentView& s, int pos,
                         const std::string& field) {
    if (currency_.empty() && !warned_currency_) {
      warned_currency_ = true;
      Err(s, pos, field + ".currency",
          "no currency: the set has no CUR segment and no default currency is configured");
    }
    return model::Money{amount, currency_};
  }

  // Checks CTT01 against the number of items counted by the mapper.
  void CheckCount(const SegmentView& s, size_t counted, const std::string& what) {
    const std::string v = El(s, 1);
    if (v.empty()) return;
    if (!AllDigits(v)) {
      Warn(s, 1, "", "CTT01 is not a number");
      return;
    }
    size_t z = 0;
    while (z + 1 < v.size() && v[z] == '0') ++z;  // compare as text: no overflow on any input
    if (v.substr(z) != std::to_string(counted)) {
      Warn(s, 1, "",
           "CTT01 says " + v + " but the set has " + std::to_string(counted) + " " +
               std::string(what));
    }
  }

 private:
  // Canonical documents are UTF-8 JSON. An element that is not valid UTF-8 (Latin-1 and
  // Windows-1252 bytes look alike, so no encoding is guessed) is an error and reads as empty:
  // the document is held with the gap; the raw file stays in the inbox.
  void CheckEncoding() {
    for (size_t i = begin_; i < end_; ++i) {
      const SegmentView s = set_.segment(i);
      for (size_t pos = 1; pos <= s.size(); ++pos) {
        if (IsValidUtf8(s.element(pos))) continue;
        not_utf8_.insert({s.ordinal(), static_cast<int>(pos)});
        Err(s, static_cast<int>(pos), "",
            std::string(s.tag()) + Pad(static_cast<int>(pos), 2) +
                " is not valid UTF-8 (the partner must send ASCII or UTF-8); not kept");
      }
    }
  }
  // A value quoted in an issue: bytes that are not UTF-8 written as \xNN.
  static std::string Printable(std::string_view v) {
    if (IsValidUtf8(v)) return std::string(v);
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }

  std::set<std::pair<uint64_t, int>> not_utf8_;  // (segment ordinal, element) not UTF-8
  const SetView& set_;
  const X12SetContext& ctx_;
  const X12MapOptions& opts_;
  Kind kind_;
  DocumentType type_;
  size_t begin_ = 0, end_ = 0;
  std::string currency_;
  bool warned_currency_ = false;
  std::vector<MapIssue> issues_;
};

// ------------------------------------------------------------------------------------------
// Parties: the N1 loop (N1, N2, N3, N4; REF and PER inside it are reported, not kept).

class Parties {
 public:
  Parties(std::vector<model::PartyRef>* out, std::string field)
      : out_(out), field_(std::move(field)) {}

  // True when `s` was handled as part of an N1 loop.
  bool Take(In& in, const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (tag == "N1") {
      Start(in, s);
      return true;
    }
    if (cur_ < 0) return false;
    model::PartyRef& p = (*out_)[static_cast<size_t>(cur_)];
    const std::string f = field_ + "[" + std::to_string(cur_) + "]";
    if (tag == "N2") {
      for (int pos = 1; pos <= 2; ++pos) {
        const std::string v = in.El(s, pos);
        if (v.empty()) continue;
        p.name += p.name.empty() ? v : "\n" + v;
      }
      in.ExtraNotKept(s, 3);
      return true;
    }
    if (tag == "N3") {
      if (!p.address) p.address.emplace();
      for (int pos = 1; pos <= 2; ++pos) {
        const std::string v = in.El(s, pos);
        if (!v.empty()) p.address->lines.push_back(v);
      }
      in.ExtraNotKept(s, 3);
      return true;
    }
    if (tag == "N4") {
      if (!p.address) p.address.emplace();
      auto set = [&](int pos, std::string* dst, const char* name) {
        const std::string v = in.El(s, pos);
        if (v.empty()) return;
        if (!dst->empty()) {
          in.Warn(s, pos, f + ".address." + name, "a second N4 in the loop; not kept");
          return;
        }
        *dst = v;
      };
      set(1, &p.address->city, "city");
      set(2, &p.address->region, "region");
      set(3, &p.address->postal_code, "postal_code");
      set(4, &p.address->country, "country");
      in.ElementNotKept(s, 5, "location qualifier");
      in.ElementNotKept(s, 6, "location identifier");
      in.ExtraNotKept(s, 7);
      return true;
    }
    if (tag == "REF" || tag == "PER" || tag == "NX2" || tag == "DMG" ||
        (in.type() != DocumentType::kShipment &&
         (tag == "SI" || tag == "FOB" || tag == "TD1" || tag == "TD5" || tag == "TD3" ||
          tag == "TD4" || tag == "PKG"))) {
      in.NotKept(s, "inside the N1 loop of " + f);
      return true;
    }
    cur_ = -1;
    return false;
  }
  void End() { cur_ = -1; }

 private:
  void Start(In& in, const SegmentView& s) {
    model::PartyRef p;
    const std::string f = field_ + "[" + std::to_string(out_->size()) + "]";
    const std::string code = in.El(s, 1);
    if (code.empty()) {
      in.Err(s, 1, f + ".role", "N101 (entity identifier code) is missing");
    } else {
      const std::string_view role = NameOf(kRoles, code);
      if (!role.empty()) {
        p.role = std::string(role);
      } else {
        p.role = std::string(kUnknownRolePrefix) + code;
        in.Info(s, 1, f + ".role",
                "N101 '" + code + "' has no canonical role; kept as role '" + p.role + "'");
      }
    }
    p.name = in.El(s, 2);
    p.qualifier = in.El(s, 3);
    p.code = in.El(s, 4);
    in.ElementNotKept(s, 5, "entity relationship code");
    in.ElementNotKept(s, 6, "entity identifier code");
    out_->push_back(std::move(p));
    cur_ = static_cast<int>(out_->size()) - 1;
  }

  std::vector<model::PartyRef>* out_;
  std::string field_;
  int cur_ = -1;
};

bool SameParty(const model::PartyRef& a, const model::PartyRef& b) {
  if (a.role != b.role || a.id != b.id || a.qualifier != b.qualifier || a.code != b.code ||
      a.name != b.name || a.address.has_value() != b.address.has_value()) {
    return false;
  }
  if (!a.address) return true;
  const auto &x = *a.address, &y = *b.address;
  return x.lines == y.lines && x.city == y.city && x.region == y.region &&
         x.postal_code == y.postal_code && x.country == y.country;
}

// ------------------------------------------------------------------------------------------
// Item identifiers (qualifier/value pairs of PO1, ACK, IT1, LIN).

enum class IdKind { kBuyer, kVendor, kGtin, kLot, kSerial, kPoLine, kDescription, kOther };

struct IdClass {
  IdKind kind = IdKind::kOther;
  int rank = 0;
};

// Ranked within each side: the best-ranked number of a side is its primary one.
IdClass ClassifyId(std::string_view q) {
  struct Row {
    std::string_view q;
    IdKind kind;
    int rank;
  };
  static constexpr Row kTable[] = {
      {"BP", IdKind::kBuyer, 0},  {"IN", IdKind::kBuyer, 1},  {"PI", IdKind::kBuyer, 2},
      {"SK", IdKind::kBuyer, 3},  {"CB", IdKind::kBuyer, 4},  {"VP", IdKind::kVendor, 0},
      {"VN", IdKind::kVendor, 1}, {"VA", IdKind::kVendor, 2}, {"VC", IdKind::kVendor, 3},
      {"MG", IdKind::kVendor, 4}, {"UP", IdKind::kGtin, 0},   {"UK", IdKind::kGtin, 1},
      {"EN", IdKind::kGtin, 2},   {"UA", IdKind::kGtin, 3},   {"UI", IdKind::kGtin, 4},
      {"UN", IdKind::kGtin, 5},   {"IB", IdKind::kGtin, 6},   {"LT", IdKind::kLot, 0},
      {"SN", IdKind::kSerial, 0}, {"PL", IdKind::kPoLine, 0}, {"PD", IdKind::kDescription, 0},
  };
  for (const auto& r : kTable) {
    if (r.q == q) return IdClass{r.kind, r.rank};
  }
  return IdClass{};
}

struct IdPair {
  std::string qualifier;
  std::string value;
  int pos = 0;  // element position of the qualifier
};

std::vector<IdPair> ReadIdPairs(In& in, const SegmentView& s, int first, int last,
                                const std::string& field) {
  std::vector<IdPair> out;
  const int size = static_cast<int>(s.size());
  for (int p = first; p <= last && p <= size; p += 2) {
    IdPair id{in.El(s, p), in.El(s, p + 1), p};
    if (id.qualifier.empty() && id.value.empty()) continue;
    if (id.qualifier.empty()) {
      in.Warn(s, p + 1, field, "item id without a qualifier; not kept");
      continue;
    }
    if (id.value.empty()) {
      in.Warn(s, p, field, "item id qualifier '" + id.qualifier + "' without a value");
      continue;
    }
    out.push_back(std::move(id));
  }
  return out;
}

struct IdExtras {
  std::string lot, serial, po_line;
  bool want_lot = false, want_po_line = false;
};

void AssignIds(In& in, const SegmentView& s, const std::vector<IdPair>& ids, model::ItemRef* item,
               const std::string& field, IdExtras* extras) {
  const IdKind own = in.kind() == Kind::kSupplier ? IdKind::kVendor : IdKind::kBuyer;
  const IdKind hub = own == IdKind::kVendor ? IdKind::kBuyer : IdKind::kVendor;
  std::string* own_side = own == IdKind::kVendor ? &item->vendor_item_id : &item->buyer_item_id;
  std::string* hub_side = hub == IdKind::kVendor ? &item->vendor_item_id : &item->buyer_item_id;

  auto ranked = [&](IdKind k) {
    std::vector<const IdPair*> v;
    for (const auto& id : ids) {
      if (ClassifyId(id.qualifier).kind == k) v.push_back(&id);
    }
    std::stable_sort(v.begin(), v.end(), [](const IdPair* a, const IdPair* b) {
      return ClassifyId(a->qualifier).rank < ClassifyId(b->qualifier).rank;
    });
    return v;
  };
  std::set<const IdPair*> used;
  auto fill = [&](std::vector<const IdPair*>& v, std::vector<std::string*> slots) {
    size_t i = 0;
    for (std::string* slot : slots) {
      if (i >= v.size()) break;
      *slot = v[i]->value;
      used.insert(v[i]);
      ++i;
    }
  };
  auto own_ids = ranked(own);
  fill(own_ids, {&item->partner_item_id, own_side});
  auto hub_ids = ranked(hub);
  if (in.opts().hub_item_ids_are_skus) {
    fill(hub_ids, {&item->sku, hub_side});
  } else {
    fill(hub_ids, {hub_side});
  }
  auto gtins = ranked(IdKind::kGtin);
  fill(gtins, {&item->gtin});
  if (!gtins.empty()) {
    // UP (U.P.C., 1-5-5-1), UK (GTIN-14) and EN (EAN/UCC-13) end in a GS1 check digit (and are
    // often sent as any GTIN length: 8, 12, 13, 14); the U.P.C. case codes UA (2-5-5), UI
    // (1-5-5) and UN (1-1-5-5) carry none; ISBNs (IB) are 10 or 13 characters.
    const IdPair& g = *gtins[0];
    const std::string& q = g.qualifier;
    const size_t n = g.value.size();
    const bool checked = q == "UP" || q == "UK" || q == "EN";
    const bool shape = q == "IB" ? (n == 10 || n == 13)
                       : checked ? (AllDigits(g.value) && (n == 8 || n == 12 || n == 13 || n == 14))
                                 : (AllDigits(g.value) && n >= 11 && n <= 14);
    if (!shape) {
      in.Warn(s, g.pos + 1, field + ".gtin",
              q + " '" + g.value + "' is not a well-formed " +
                  (q == "IB" ? "ISBN" : "U.P.C./GTIN") + "; kept as sent");
    } else if (checked && !GoodCheckDigit(g.value)) {
      in.Warn(s, g.pos + 1, field + ".gtin",
              q + " '" + g.value + "': the GTIN check digit is wrong; kept as sent");
    }
  }

  std::set<std::string> kept = {item->partner_item_id, item->sku, item->gtin, item->vendor_item_id,
                                item->buyer_item_id};
  if (item->partner_item_id.empty() && item->sku.empty() && item->gtin.empty() &&
      item->vendor_item_id.empty() && item->buyer_item_id.empty()) {
    std::string seen;
    for (const auto& id : ids) seen += (seen.empty() ? "" : ", ") + id.qualifier;
    in.Warn(s, 0, field,
            "the item has no identifier the canonical item keeps" +
                (seen.empty() ? std::string() : " (qualifiers sent: " + seen + ")"));
  }
  for (const auto& id : ids) {
    if (used.count(&id)) continue;
    const IdKind k = ClassifyId(id.qualifier).kind;
    if (extras && k == IdKind::kLot && extras->want_lot && extras->lot.empty()) {
      extras->lot = id.value;
      continue;
    }
    if (extras && k == IdKind::kSerial && extras->want_lot && extras->serial.empty()) {
      extras->serial = id.value;
      continue;
    }
    if (extras && k == IdKind::kPoLine && extras->want_po_line && extras->po_line.empty()) {
      extras->po_line = id.value;
      continue;
    }
    if (k == IdKind::kDescription && item->description.empty()) {
      item->description = id.value;  // PD: part number description
      continue;
    }
    if (kept.count(id.value)) continue;  // the same number under a second qualifier
    in.Info(s, id.pos, field,
            "item id " + id.qualifier + " '" + id.value +
                "' has no place in the canonical item (its slot is taken or the qualifier is "
                "not mapped); not kept");
  }
}

// Descriptions: PID05 texts, joined by one space.
void AddDescription(In& in, const SegmentView& s, model::ItemRef* item, const std::string& field) {
  const std::string text = in.El(s, 5);
  if (text.empty()) {
    const std::string code = in.El(s, 4);
    if (!code.empty()) {
      in.Info(s, 4, field + ".description",
              "PID04 (structured description code) has no place in the canonical item; not kept");
    } else {
      in.NotKept(s, "a description without text");
    }
    return;
  }
  item->description += item->description.empty() ? text : " " + text;
}

// Free-form terms: ITD12, or words built from the discount and net terms.
std::string TermsText(In& in, const SegmentView& s) {
  std::string text = in.El(s, 12);
  if (!text.empty()) return text;
  const std::string pct = in.El(s, 3), disc_days = in.El(s, 5), net_days = in.El(s, 7);
  const std::string disc_date = in.El(s, 4), net_date = in.El(s, 6);
  std::vector<std::string> parts;
  if (!pct.empty()) {
    std::string p = pct + "%";
    if (!disc_days.empty()) p += " " + disc_days + " days";
    if (!disc_days.empty() || disc_date.empty()) {
      parts.push_back(p);
    } else {
      auto d = IsoDate(disc_date);
      parts.push_back(p + " until " + (d ? *d : disc_date));
    }
  }
  if (!net_days.empty()) {
    parts.push_back("net " + net_days + " days");
  } else if (!net_date.empty()) {
    auto d = IsoDate(net_date);
    parts.push_back("net due " + (d ? *d : net_date));
  }
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
  if (text.empty()) {
    in.Info(s, 1, "payment_terms",
            "ITD gives no discount, net days or description (only codes); no terms text is kept");
  }
  return text;
}

void AppendTerms(std::string* terms, const std::string& text) {
  if (text.empty()) return;
  *terms += terms->empty() ? text : "; " + text;
}

void AppendNote(std::string* note, const std::string& text) {
  if (text.empty()) return;
  *note += note->empty() ? text : "\n" + text;
}

// REF or N9 -> Reference (the same layout: 01 qualifier, 02 value, 03 description); the
// description is used when the value is empty.
std::optional<model::Reference> ReadRef(In& in, const SegmentView& s, const std::string& field) {
  const std::string tag(s.tag());
  model::Reference r{in.El(s, 1), in.El(s, 2)};
  const std::string desc = in.El(s, 3);
  if (r.value.empty()) {
    r.value = desc;
  } else if (!desc.empty()) {
    in.Info(s, 3, field,
            tag + "03 (description) beside " + tag + "02 has no place in a reference; not kept");
  }
  if (r.qualifier.empty() || r.value.empty()) {
    in.Warn(s, r.qualifier.empty() ? 1 : 2, field,
            tag + " without a qualifier or a value; not kept");
    return std::nullopt;
  }
  in.ExtraNotKept(s, 4);
  return r;
}

std::optional<model::Charge> ReadSac(In& in, const SegmentView& s, const std::string& field) {
  model::Charge c;
  const std::string ind = in.El(s, 1);
  if (ind == "A") {
    c.type = "allowance";
  } else if (ind == "C") {
    c.type = "charge";
  } else {
    in.NotKept(s, ind == "N" ? "SAC01 N: no allowance or charge" : "SAC01 is not A or C");
    return std::nullopt;
  }
  c.code = in.El(s, 2);
  if (c.code.empty()) c.code = in.El(s, 4);
  auto amount = in.N2(s, 5, field + ".amount", false, "amount");
  if (!amount) {
    if (in.El(s, 5).empty()) {
      in.Warn(s, 5, field,
              "SAC without an amount (a percentage or rate only) has no place in a canonical "
              "charge; not kept");
    }
    return std::nullopt;
  }
  if (c.code.empty()) {
    in.Err(s, 2, field + ".code", "SAC02 (allowance or charge code) is missing");
  }
  c.amount = in.MakeMoney(*amount, s, 5, field + ".amount");
  c.description = in.El(s, 15);
  return c;
}

// Body segments of a set, with the tag. A helper to iterate.
template <typename F>
void ForEach(In& in, F&& f) {
  for (size_t i = in.begin(); i < in.end(); ++i) f(in.seg(i));
}

std::string Idx(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

// ------------------------------------------------------------------------------------------
// 850 purchase order

model::Order Map850(In& in) {
  model::Order o;
  o.purpose = "original";
  o.order_type = "standalone";
  Parties parties(&o.parties, "parties");
  bool seen_beg = false, line_n1 = false;
  int line = -1;
  size_t po1_count = 0;
  auto cur_line = [&]() -> model::OrderLine& { return o.lines[static_cast<size_t>(line)]; };
  auto lf = [&]() { return Idx("lines", static_cast<size_t>(line)); };

  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (line < 0 && parties.Take(in, s)) return;
    if (line >= 0) {
      if (tag == "N1") {
        line_n1 = true;
        return in.NotKept(s, "line-level party of " + lf());
      }
      if (line_n1 && InLineN1Loop(tag)) return in.NotKept(s, "inside a line-level N1 loop");
      line_n1 = false;
    }
    if (tag == "BEG") {
      if (seen_beg) return in.Warn(s, 0, "", "a second BEG; not kept");
      seen_beg = true;
      const std::string purpose = in.El(s, 1);
      const std::string_view p = NameOf(kOrderPurposes, purpose);
      if (!p.empty()) {
        o.purpose = std::string(p);
        if (purpose == "07") in.Info(s, 1, "purpose", "BEG01 07 (duplicate) is taken as original");
      } else {
        in.Warn(s, 1, "purpose",
                purpose.empty()
                    ? "BEG01 (purpose) is missing; original assumed"
                    : "BEG01 '" + purpose + "' is not a known purpose; original assumed");
      }
      const std::string type = in.El(s, 2);
      const std::string_view t = NameOf(kOrderTypes, type);
      if (!t.empty()) {
        o.order_type = std::string(t);
      } else {
        in.Warn(s, 2, "order_type",
                type.empty()
                    ? "BEG02 (order type) is missing; standalone assumed"
                    : "BEG02 '" + type + "' is not a known order type; standalone assumed");
      }
      o.po_number = in.Required(s, 3, "po_number", "purchase order number");
      const std::string release = in.El(s, 4);
      if (!release.empty()) o.references.push_back({"RE", release});
      o.order_date = in.Date(s, 5, "order_date", true, "order date");
      const std::string contract = in.El(s, 6);
      if (!contract.empty()) o.references.push_back({"CT", contract});
      in.ElementNotKept(s, 7, "acknowledgment type");
      in.ElementNotKept(s, 8, "invoice type");
      in.ExtraNotKept(s, 9);
      return;
    }
    if (tag == "CUR" && line >= 0) {
      // A line's own currency: it applies to the line's price.
      const std::string c = in.El(s, 2);
      auto& price = cur_line().unit_price;
      if (c == in.currency()) return;
      if (price && c.size() == 3) {
        price->currency = c;
        return in.Info(s, 2, lf() + ".unit_price.currency",
                       "the line's currency differs from the order's; it is the line price's");
      }
      return in.NotKept(s, "line currency without a line price");
    }
    if (tag == "CUR") return in.SetCurrency(s);
    if (tag == "REF") {
      if (line >= 0) {
        auto r = ReadRef(in, s, lf() + ".references");
        if (r) cur_line().references.push_back(*r);
      } else {
        auto r = ReadRef(in, s, "references");
        if (r) o.references.push_back(*r);
      }
      return;
    }
    if (tag == "ITD") {
      if (line >= 0) return in.NotKept(s, "line-level terms");
      return AppendTerms(&o.payment_terms, TermsText(in, s));
    }
    if (tag == "DTM") {
      const std::string q = in.El(s, 1);
      if (line >= 0) {
        if (q == "002" && cur_line().requested_date.empty()) {
          cur_line().requested_date = in.Date(s, 2, lf() + ".requested_date", false, "date");
        } else {
          in.NotKept(s, "line date " + q);
        }
        return;
      }
      const std::string_view name = NameOf(kOrderDates, q);
      std::string* dst = name == "requested_delivery_date" ? &o.requested_delivery_date
                         : name == "ship_not_before"       ? &o.ship_not_before
                         : name == "cancel_after"          ? &o.cancel_after
                                                           : nullptr;
      if (dst && dst->empty()) {
        *dst = in.Date(s, 2, std::string(name), false, "date");
        return;
      }
      if (q.empty()) return in.Warn(s, 1, "", "DTM01 (date qualifier) is missing; not kept");
      const std::string d = in.Date(s, 2, "references", false, "date");
      if (!d.empty()) o.references.push_back({"DTM" + q, d});
      return;
    }
    if (tag == "TD5") {
      if (line >= 0) return in.NotKept(s, "line-level routing");
      std::string via = in.El(s, 3);
      const bool from_routing = via.empty();
      if (via.empty()) via = in.El(s, 5);
      if (via.empty()) return in.NotKept(s, "no carrier code or routing");
      if (!o.ship_via.empty()) return in.NotKept(s, "a second routing; ship_via is taken");
      o.ship_via = via;
      in.ElementNotKept(s, 4, "transportation method");
      if (!from_routing) in.ElementNotKept(s, 5, "routing");
      return;
    }
    if (tag == "N9") {
      if (in.El(s, 1) == "L1") return;  // a notes header: its MSG segments are the note
      auto r = ReadRef(in, s, line >= 0 ? lf() + ".references" : "references");
      if (r) (line >= 0 ? cur_line().references : o.references).push_back(*r);
      return;
    }
    if (tag == "MSG" || tag == "NTE") {
      const std::string text = in.El(s, tag == "MSG" ? 1 : 2);
      if (text.empty()) return in.NotKept(s, "no text");
      AppendNote(line >= 0 ? &cur_line().note : &o.note, text);
      return;
    }
    if (tag == "PO1") {
      ++po1_count;
      model::OrderLine l;
      line = static_cast<int>(o.lines.size());
      const std::string f = lf();
      l.line_number = in.El(s, 1);
      if (l.line_number.empty()) {
        l.line_number = std::to_string(line + 1);
        in.Warn(s, 1, f + ".line_number",
                "PO101 (line number) is missing; numbered " + l.line_number + " by position");
      }
      auto qty = in.R(s, 2, f + ".quantity.value", true, "quantity ordered");
      if (qty) l.quantity.value = *qty;
      l.quantity.uom = in.Unit(s, 3, 0, f + ".quantity.uom", true);
      auto price = in.R(s, 4, f + ".unit_price.amount", false, "unit price");
      if (price) l.unit_price = in.MakeMoney(*price, s, 4, f + ".unit_price");
      const std::string basis = in.El(s, 5);
      if (basis == "HP" || basis == "TP") {
        in.Warn(s, 5, f + ".unit_price",
                "PO105 '" + basis + "': the price is per hundred/thousand units; kept as written");
      }
      AssignIds(in, s, ReadIdPairs(in, s, 6, 25, f + ".item"), &l.item, f + ".item", nullptr);
      o.lines.push_back(std::move(l));
      return;
    }
    if (tag == "PID") {
      if (line < 0) return in.NotKept(s, "header description");
      return AddDescription(in, s, &cur_line().item, lf() + ".item");
    }
    if (tag == "SCH" && line >= 0) {
      const std::string q = in.El(s, 5);
      if ((q == "002" || q == "106") && cur_line().requested_date.empty() && in.El(s, 8).empty()) {
        cur_line().requested_date = in.Date(s, 6, lf() + ".requested_date", false, "date");
        return;
      }
      return in.NotKept(s, "line schedule");
    }
    if (tag == "SAC") {
      const std::string f = Idx("charges", o.charges.size());
      auto c = ReadSac(in, s, f);
      if (!c) return;
      if (line >= 0) {
        in.Info(s, 0, f,
                "line-level SAC of " + lf() + " is kept as an order charge (lines carry none)");
      }
      o.charges.push_back(std::move(*c));
      return;
    }
    if (tag == "CTT") return in.CheckCount(s, po1_count, "PO1 segments");
    if (tag == "N1" || tag == "N2" || tag == "N3" || tag == "N4") {
      return in.NotKept(s, line >= 0 ? "line-level party" : "outside an N1 loop");
    }
    in.NotKept(s);
  });
  if (!seen_beg) {
    in.Err(in.st(), 0, "po_number", "the set has no BEG segment");
  }
  o.currency = in.currency();
  return o;
}

// ------------------------------------------------------------------------------------------
// 855 purchase order acknowledgment

model::PurchaseOrderAck Map855(In& in) {
  model::PurchaseOrderAck a;
  Parties parties(&a.parties, "parties");
  bool seen_bak = false, line_n1 = false;
  int line = -1;
  size_t po1_count = 0;
  auto cur_line = [&]() -> model::AckLine& { return a.lines[static_cast<size_t>(line)]; };
  auto lf = [&]() { return Idx("lines", static_cast<size_t>(line)); };

  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (line < 0 && parties.Take(in, s)) return;
    if (line >= 0) {
      if (tag == "N1") {
        line_n1 = true;
        return in.NotKept(s, "line-level party of " + lf());
      }
      if (line_n1 && InLineN1Loop(tag)) return in.NotKept(s, "inside a line-level N1 loop");
      line_n1 = false;
    }
    if (tag == "BAK") {
      if (seen_bak) return in.Warn(s, 0, "", "a second BAK; not kept");
      seen_bak = true;
      const std::string purpose = in.El(s, 1);
      if (purpose != "00" && purpose != "06") {
        in.Warn(s, 1, "",
                "BAK01 '" + purpose +
                    "': the canonical acknowledgment has no purpose; read as an original");
      }
      a.ack_code = in.El(s, 2);
      const std::string_view t = NameOf(kAckTypes, a.ack_code);
      if (!t.empty()) {
        a.ack_type = std::string(t);
      } else {
        in.Warn(s, 2, "ack_type",
                a.ack_code.empty()
                    ? "BAK02 (acknowledgment type) is missing"
                    : "BAK02 '" + a.ack_code + "' is not a known acknowledgment type");
      }
      a.po_number = in.Required(s, 3, "po_number", "purchase order number");
      a.po_date = in.Date(s, 4, "po_date", false, "purchase order date");
      const std::string release = in.El(s, 5);
      if (!release.empty()) a.references.push_back({"RE", release});
      const std::string request = in.El(s, 6);
      if (!request.empty()) a.references.push_back({"BAK06", request});
      const std::string contract = in.El(s, 7);
      if (!contract.empty()) a.references.push_back({"CT", contract});
      a.ack_number = in.El(s, 8);
      a.ack_date = in.Date(s, 9, "ack_date", false, "acknowledgment date");
      if (a.ack_date.empty() && in.El(s, 9).empty()) {
        auto gd = IsoDate(in.ctx().group_date);
        if (gd) {
          a.ack_date = *gd;
          in.Info(s, 9, "ack_date",
                  "BAK09 (acknowledgment date) is absent; the functional group date (GS04) is "
                  "taken");
        } else {
          in.Err(s, 9, "ack_date", "BAK09 (acknowledgment date) is missing");
        }
      }
      in.ExtraNotKept(s, 10);
      return;
    }
    if (tag == "CUR") return in.SetCurrency(s);
    if (tag == "REF") {
      if (line >= 0) return in.NotKept(s, "line reference");
      auto r = ReadRef(in, s, "references");
      if (r) a.references.push_back(*r);
      return;
    }
    if (tag == "PO1") {
      ++po1_count;
      model::AckLine l;
      line = static_cast<int>(a.lines.size());
      const std::string f = lf();
      l.line_number = in.El(s, 1);
      if (l.line_number.empty()) {
        l.line_number = std::to_string(line + 1);
        in.Warn(s, 1, f + ".line_number",
                "PO101 (line number) is missing; numbered " + l.line_number + " by position");
      }
      auto qty = in.R(s, 2, f + ".ordered.value", true, "quantity ordered");
      if (qty) l.ordered.value = *qty;
      l.ordered.uom = in.Unit(s, 3, 0, f + ".ordered.uom", true);
      auto price = in.R(s, 4, f + ".unit_price.amount", false, "unit price");
      if (price) l.unit_price = in.MakeMoney(*price, s, 4, f + ".unit_price");
      AssignIds(in, s, ReadIdPairs(in, s, 6, 25, f + ".item"), &l.item, f + ".item", nullptr);
      a.lines.push_back(std::move(l));
      return;
    }
    if (tag == "PID") {
      if (line < 0) return in.NotKept(s, "header description");
      return AddDescription(in, s, &cur_line().item, lf() + ".item");
    }
    if (tag == "ACK") {
      if (line < 0) return in.NotKept(s, "ACK before any PO1");
      model::AckLine& l = cur_line();
      const std::string f = Idx(lf() + ".details", l.details.size());
      model::AckDetail d;
      d.code = in.Required(s, 1, f + ".code", "line item status code");
      if (!d.code.empty()) {
        const std::string_view st = NameOf(kLineStatuses, d.code);
        if (!st.empty()) {
          d.status = std::string(st);
        } else {
          in.Warn(s, 1, f + ".status", "ACK01 '" + d.code + "' is not a known line item status");
        }
      }
      auto qty = in.R(s, 2, f + ".quantity.value", false, "quantity");
      if (qty) {
        d.quantity.value = *qty;
        d.quantity.uom = in.Unit(s, 3, 0, f + ".quantity.uom", false);
        if (d.quantity.uom.empty()) d.quantity.uom = l.ordered.uom;
      } else if (in.El(s, 2).empty()) {
        d.quantity = l.ordered;  // no quantity: the status applies to the whole line
      }
      if (!in.El(s, 5).empty()) d.date = in.Date(s, 5, f + ".date", false, "date");
      const auto ids = ReadIdPairs(in, s, 7, 28, f);
      for (const auto& id : ids) {
        in.Info(s, id.pos, f,
                "ACK item id " + id.qualifier + " '" + id.value +
                    "' (a substitute or confirmed item) has no place in an ack detail; not kept");
      }
      l.details.push_back(std::move(d));
      return;
    }
    if (tag == "SCH" && line >= 0) {
      model::AckLine& l = cur_line();
      if (l.details.size() == 1 && l.details[0].date.empty() && !in.El(s, 6).empty() &&
          l.details[0].status != "rejected") {
        // The line's schedule dates its one status.
        l.details[0].date = in.Date(s, 6, Idx(lf() + ".details", 0) + ".date", false, "date");
        return;
      }
      return in.NotKept(s, "line schedule");
    }
    if (tag == "DTM" && line >= 0) {
      model::AckLine& l = cur_line();
      if (!l.details.empty() && l.details.back().date.empty()) {
        l.details.back().date =
            in.Date(s, 2, Idx(lf() + ".details", l.details.size() - 1) + ".date", false, "date");
        return;
      }
      return in.NotKept(s, "line date outside an ACK");
    }
    if (tag == "CTT") return in.CheckCount(s, po1_count, "PO1 segments");
    if (tag == "N1" || tag == "N2" || tag == "N3" || tag == "N4") {
      return in.NotKept(s, line >= 0 ? "line-level party" : "outside an N1 loop");
    }
    in.NotKept(s);
  });
  if (!seen_bak) {
    in.Err(in.st(), 0, "po_number", "the set has no BAK segment");
  }
  return a;
}

// ------------------------------------------------------------------------------------------
// 856 ship notice: the HL tree is read first, then assembled.

struct HlNode {
  std::string id, parent_id, level;
  int parent = -1;  // index into nodes
  SegmentView hl;
  std::vector<SegmentView> segs;
  // parsed content
  model::ShipmentItem item;
  bool has_item = false, has_qty = false;
  std::string po_number, order_date;
  std::string sscc;
  std::optional<model::Quantity> weight;
  std::optional<model::Quantity> pack_qty;  // SN1 on a pack (SOIP structures)
};

int LevelRank(std::string_view level, std::string_view structure) {
  // Order of levels under the shipment for the BSN05 structure code; 0001 by default.
  std::string_view order = "SOTPI";
  if (structure == "0002") order = "SOIPT";
  if (structure == "0003") order = "STPOI";
  if (structure == "0004") order = "SOITP";
  if (level.size() != 1) return -1;
  const size_t i = order.find(level[0]);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

model::Shipment Map856(In& in) {
  model::Shipment sh;
  Parties parties(&sh.parties, "parties");
  bool seen_bsn = false;
  std::string structure, bsn_date, dtm_ship_date;
  SegmentView bsn;
  std::string shipment_po, shipment_po_date;  // PRF at shipment level
  std::vector<HlNode> nodes;
  std::map<std::string, int> by_id;
  std::vector<SegmentView> header_tail;  // segments after the last HL (CTT)

  // Pass 1: split into header, HL nodes and the summary.
  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (tag == "HL") {
      HlNode n;
      n.hl = s;
      n.id = in.El(s, 1);
      n.parent_id = in.El(s, 2);
      n.level = in.El(s, 3);
      nodes.push_back(std::move(n));
      return;
    }
    if (tag == "CTT" || tag == "SE") {
      header_tail.push_back(s);
      return;
    }
    if (!nodes.empty()) {
      nodes.back().segs.push_back(s);
      return;
    }
    // Header: BSN, DTM before the first HL.
    if (tag == "BSN") {
      if (seen_bsn) return in.Warn(s, 0, "", "a second BSN; not kept");
      seen_bsn = true;
      bsn = s;
      const std::string purpose = in.El(s, 1);
      const std::string_view p = NameOf(kShipmentPurposes, purpose);
      if (!p.empty()) {
        sh.purpose = std::string(p);
        if (purpose != "00" && p == "original") {
          in.Info(s, 1, "purpose", "BSN01 '" + purpose + "' is taken as original");
        }
      } else {
        in.Warn(s, 1, "purpose",
                purpose.empty()
                    ? "BSN01 (purpose) is missing; original assumed"
                    : "BSN01 '" + purpose + "' is not a known purpose; original assumed");
      }
      sh.shipment_id = in.Required(s, 2, "shipment_id", "shipment identification");
      bsn_date = in.Date(s, 3, "ship_date", false, "date");
      in.Time(s, 4, "");
      structure = in.El(s, 5);
      in.ExtraNotKept(s, 6);
      return;
    }
    if (tag == "DTM") {
      const std::string q = in.El(s, 1);
      if (q == "011" && sh.ship_date.empty()) {
        dtm_ship_date = in.Date(s, 2, "ship_date", false, "date shipped");
        sh.ship_date = dtm_ship_date;
        sh.ship_time = in.Time(s, 3, "ship_time");
        return;
      }
      if ((q == "017" || q == "067") && sh.expected_delivery_date.empty()) {
        sh.expected_delivery_date =
            in.Date(s, 2, "expected_delivery_date", false, "estimated delivery date");
        return;
      }
      return in.NotKept(s, "date " + q);
    }
    in.NotKept(s, "before the first HL");
  });

  // Parent links: HL02, or inferred from the levels when absent or unknown.
  for (size_t i = 0; i < nodes.size(); ++i) {
    HlNode& n = nodes[i];
    if (!n.id.empty()) {
      if (by_id.count(n.id)) {
        in.Warn(n.hl, 1, "", "HL01 '" + n.id + "' is used twice; the later one is linked by order");
      }
      by_id[n.id] = static_cast<int>(i);
    }
    if (LevelRank(n.level, structure) < 0) {
      in.Warn(n.hl, 3, "",
              "HL03 '" + n.level + "' is not a shipment, order, tare, pack or item level; the " +
                  std::to_string(n.segs.size()) + " segments of this level are not kept");
      continue;
    }
    if (!n.parent_id.empty()) {
      auto it = by_id.find(n.parent_id);
      if (it != by_id.end() && it->second != static_cast<int>(i)) {
        n.parent = it->second;
        continue;
      }
      in.Warn(n.hl, 2, "", "HL02 '" + n.parent_id + "' names no earlier HL; parent inferred");
    }
    if (n.level == "S") continue;
    // Real files often leave HL02 empty: the parent is the nearest earlier node of a higher level.
    const int rank = LevelRank(n.level, structure);
    for (int j = static_cast<int>(i) - 1; j >= 0; --j) {
      const int r = LevelRank(nodes[static_cast<size_t>(j)].level, structure);
      if (r >= 0 && r < rank) {
        n.parent = j;
        break;
      }
    }
  }

  // Pass 2: the content of each node.
  bool seen_s = false;
  for (size_t i = 0; i < nodes.size(); ++i) {
    HlNode& n = nodes[i];
    if (LevelRank(n.level, structure) < 0) continue;
    if (n.level == "S") {
      if (seen_s) in.Warn(n.hl, 3, "", "a second shipment level; its data joins the first");
      seen_s = true;
      parties.End();
      for (const SegmentView& s : n.segs) {
        const std::string_view tag = s.tag();
        if (parties.Take(in, s)) continue;
        if (tag == "TD1") {
          const std::string count = in.El(s, 2);
          if (!count.empty()) {
            if (AllDigits(count) && sh.package_count.empty()) {
              sh.package_count = count;
            } else {
              in.Warn(s, 2, "package_count", "TD102 (lading quantity) not kept");
            }
          }
          const std::string wq = in.El(s, 6);
          if (wq == "N" || wq == "FE") {
            in.ElementNotKept(s, 7, "net weight");
            continue;
          }
          auto w = in.R(s, 7, "gross_weight.value", false, "weight");
          if (w && !wq.empty() && wq != "G") {
            in.Info(s, 6, "gross_weight", "TD106 '" + wq + "' weight is taken as the gross weight");
          }
          if (w && !sh.gross_weight) {
            sh.gross_weight = model::Quantity{*w, in.El(s, 8)};
            if (sh.gross_weight->uom.empty()) {
              in.Err(s, 8, "gross_weight.uom", "TD108 (weight unit) is missing");
            }
          } else if (w) {
            in.Warn(s, 7, "gross_weight", "a second TD1 weight; not kept");
          }
          continue;
        }
        if (tag == "TD5") {
          const std::string scac = in.El(s, 3), mode = in.El(s, 4);
          if (!scac.empty() && sh.carrier_scac.empty()) {
            sh.carrier_scac = scac;
            if (in.El(s, 2) != "2") {
              in.Info(s, 2, "carrier_scac",
                      "TD502 '" + in.El(s, 2) + "' is not 2 (SCAC); TD503 is kept as the carrier");
            }
          }
          if (!mode.empty() && sh.transport_mode.empty()) sh.transport_mode = mode;
          in.ElementNotKept(s, 5, "routing");
          if (scac.empty() && mode.empty()) in.NotKept(s, "no carrier or mode");
          continue;
        }
        if (tag == "REF") {
          const std::string q = in.El(s, 1);
          if (q == "BM" && sh.bill_of_lading.empty()) {
            sh.bill_of_lading = in.El(s, 2);
            continue;
          }
          if ((q == "CN" || q == "2I") && sh.tracking_number.empty()) {
            sh.tracking_number = in.El(s, 2);
            continue;
          }
          auto r = ReadRef(in, s, "references");
          if (r) sh.references.push_back(*r);
          continue;
        }
        if (tag == "DTM") {
          const std::string q = in.El(s, 1);
          if (q == "011" && dtm_ship_date.empty()) {
            dtm_ship_date = in.Date(s, 2, "ship_date", false, "date shipped");
            sh.ship_date = dtm_ship_date;
            sh.ship_time = in.Time(s, 3, "ship_time");
            continue;
          }
          if ((q == "017" || q == "067") && sh.expected_delivery_date.empty()) {
            sh.expected_delivery_date =
                in.Date(s, 2, "expected_delivery_date", false, "estimated delivery date");
            continue;
          }
          in.NotKept(s, "date " + q);
          continue;
        }
        if (tag == "PRF") {
          shipment_po = in.El(s, 1);
          shipment_po_date = in.Date(s, 4, "", false, "purchase order date");
          continue;
        }
        if (tag == "MEA" && in.El(s, 1) == "PD" && (in.El(s, 2) == "G" || in.El(s, 2) == "WT") &&
            !sh.gross_weight) {
          auto w = in.R(s, 3, "gross_weight.value", false, "weight");
          if (w) {
            sh.gross_weight = model::Quantity{*w, in.Comp(s, 4, 1)};
            if (sh.gross_weight->uom.empty()) {
              in.Err(s, 4, "gross_weight.uom", "MEA04 (weight unit) is missing");
            }
            continue;
          }
        }
        in.NotKept(s, "shipment level");
      }
      parties.End();
      continue;
    }
    if (n.level == "O") {
      Parties order_parties(&sh.parties, "parties");
      const size_t parties_before = sh.parties.size();
      for (const SegmentView& s : n.segs) {
        const std::string_view tag = s.tag();
        if (tag == "N1") {
          in.Info(s, 0, "parties",
                  "order-level N1 is kept among the shipment's parties (orders carry none; a "
                  "party named again is kept once)");
        }
        if (order_parties.Take(in, s)) continue;
        if (tag == "PRF") {
          if (!n.po_number.empty()) {
            in.Warn(s, 0, "", "a second PRF for this order; not kept");
            continue;
          }
          n.po_number = in.El(s, 1);
          n.order_date = in.Date(s, 4, "", false, "purchase order date");
          in.ElementNotKept(s, 2, "release number");
          in.ElementNotKept(s, 3, "change order sequence number");
          continue;
        }
        if (tag == "REF") {
          auto r = ReadRef(in, s, "references");
          if (!r) continue;
          bool dup = false;
          for (const auto& x : sh.references)
            dup |= x.qualifier == r->qualifier && x.value == r->value;
          if (dup) {
            in.Info(s, 0, "references",
                    "order-level REF repeats one already kept among the shipment's references");
          } else {
            in.Info(s, 0, "references",
                    "order-level REF is kept among the shipment's references (orders carry none)");
            sh.references.push_back(*r);
          }
          continue;
        }
        in.NotKept(s, "order level");
      }
      // The same party named by several orders is kept once.
      for (size_t k = sh.parties.size(); k-- > parties_before;) {
        for (size_t j = 0; j < k; ++j) {
          if (SameParty(sh.parties[j], sh.parties[k])) {
            sh.parties.erase(sh.parties.begin() + static_cast<std::ptrdiff_t>(k));
            break;
          }
        }
      }
      continue;
    }
    if (n.level == "T" || n.level == "P") {
      for (const SegmentView& s : n.segs) {
        const std::string_view tag = s.tag();
        if (tag == "MAN") {
          const std::string q = in.El(s, 1), v = in.El(s, 2);
          if ((q == "GM" || q == "AA") && n.sscc.empty()) {
            std::string code = v;
            if (code.size() == 20 && code.rfind("00", 0) == 0 && AllDigits(code))
              code = code.substr(2);
            if (!IsSscc(code)) {
              in.Warn(s, 2, "sscc", "MAN02 is not an 18-digit SSCC; kept as sent");
            } else if (!GoodCheckDigit(code)) {
              in.Warn(s, 2, "sscc", "MAN02: the SSCC check digit is wrong; kept as sent");
            }
            n.sscc = code;
            continue;
          }
          in.NotKept(s, "marks " + q);
          continue;
        }
        if (tag == "TD1" || tag == "MEA") {
          std::optional<Decimal> w;
          std::string uom;
          if (tag == "TD1") {
            w = in.R(s, 7, "weight.value", false, "weight");
            uom = in.El(s, 8);
          } else if (in.El(s, 2) == "G" || in.El(s, 2) == "WT") {
            w = in.R(s, 3, "weight.value", false, "weight");
            uom = in.Comp(s, 4, 1);
          }
          if (w && !n.weight) {
            n.weight = model::Quantity{*w, uom};
            if (uom.empty())
              in.Err(s, tag == "TD1" ? 8 : 4, "weight.uom", "weight unit is missing");
            continue;
          }
          in.NotKept(s, "pack level");
          continue;
        }
        if (tag == "SN1" && !n.pack_qty) {
          auto q = in.R(s, 2, "", false, "quantity");
          if (q) {
            n.pack_qty = model::Quantity{*q, in.El(s, 3)};
            continue;
          }
        }
        in.NotKept(s, "pack level");
      }
      continue;
    }
    // Item level.
    n.has_item = true;
    for (const SegmentView& s : n.segs) {
      const std::string_view tag = s.tag();
      if (tag == "LIN") {
        n.item.line_number = in.El(s, 1);
        IdExtras ex;
        ex.want_lot = true;
        AssignIds(in, s, ReadIdPairs(in, s, 2, 31, "item"), &n.item.item, "item", &ex);
        n.item.lot = ex.lot;
        n.item.serial = ex.serial;
        continue;
      }
      if (tag == "SN1") {
        if (n.has_qty) {
          in.Warn(s, 0, "", "a second SN1 for this item; not kept");
          continue;
        }
        n.has_qty = true;
        if (n.item.line_number.empty()) n.item.line_number = in.El(s, 1);
        auto q = in.R(s, 2, "quantity.value", true, "number of units shipped");
        if (q) n.item.quantity.value = *q;
        n.item.quantity.uom = in.Unit(s, 3, 0, "quantity.uom", true);
        in.ExtraNotKept(s, 4);
        continue;
      }
      if (tag == "PID") {
        AddDescription(in, s, &n.item.item, "item");
        continue;
      }
      if (tag == "PRF" && n.po_number.empty()) {
        // Automotive-style notices (S-I) name each item's order on the item.
        n.po_number = in.El(s, 1);
        n.order_date = in.Date(s, 4, "", false, "purchase order date");
        in.ElementNotKept(s, 2, "release number");
        in.ElementNotKept(s, 3, "change order sequence number");
        if (!n.po_number.empty()) continue;
      }
      if (tag == "REF" && (in.El(s, 1) == "LT" || in.El(s, 1) == "SE")) {
        std::string* dst = in.El(s, 1) == "LT" ? &n.item.lot : &n.item.serial;
        if (dst->empty()) {
          *dst = in.El(s, 2);
          continue;
        }
      }
      in.NotKept(s, "item level");
    }
  }
  for (const SegmentView& s : header_tail) {
    if (s.tag() != "CTT") continue;
    // Guides differ: CTT01 counts the HL segments, or the item (LIN) levels.
    size_t items = 0;
    for (const auto& n : nodes) items += n.level == "I" ? 1 : 0;
    if (in.El(s, 1) == std::to_string(items) && items != nodes.size()) continue;
    in.CheckCount(s, nodes.size(), "HL segments (and " + std::to_string(items) + " items)");
  }

  // Ship date: DTM*011, else BSN03.
  if (sh.ship_date.empty()) {
    sh.ship_date = bsn_date;
    if (!bsn_date.empty()) {
      in.Info(bsn, 3, "ship_date",
              "no usable DTM*011 (date shipped): BSN03 (the notice's date) is taken");
    } else {
      in.Err(seen_bsn ? bsn : in.st(), 0, "ship_date",
             "the ship date (DTM*011 or BSN03) is missing");
    }
  }
  if (!seen_bsn) {
    in.Err(in.st(), 0, "shipment_id", "the set has no BSN segment");
  }

  // Pass 3: assemble. Orders in HL order; packs under their order (or, for packs above the
  // order level, one entry per order they contain); items in their nearest pack, else order.
  auto ancestor = [&](int i, auto pred) {
    int p = nodes[static_cast<size_t>(i)].parent;
    while (p >= 0) {
      if (pred(nodes[static_cast<size_t>(p)])) return p;
      p = nodes[static_cast<size_t>(p)].parent;
    }
    return -1;
  };
  auto is_pack = [](const HlNode& x) { return x.level == "T" || x.level == "P"; };
  auto is_order = [](const HlNode& x) { return x.level == "O"; };
  std::map<int, size_t> order_index;                    // node -> orders[]
  std::map<std::pair<size_t, int>, size_t> pack_index;  // (order, node) -> packs[]
  int implicit_order = -1;
  std::map<std::string, size_t> item_orders;  // PO number -> orders[] (item-level PRF)

  auto order_for = [&](int node_or_minus, const SegmentView& at) -> size_t {
    if (node_or_minus >= 0) {
      auto it = order_index.find(node_or_minus);
      if (it != order_index.end()) return it->second;
    }
    if (implicit_order < 0) {
      model::ShipmentOrder o;
      o.po_number = shipment_po;
      o.order_date = shipment_po_date;
      implicit_order = static_cast<int>(sh.orders.size());
      sh.orders.push_back(std::move(o));
      const std::string f = Idx("orders", static_cast<size_t>(implicit_order));
      if (shipment_po.empty()) {
        in.Err(at, 3, f + ".po_number",
               "items or packs without an order level (HL O) and no shipment-level PRF: the "
               "order's PO number is missing");
      } else {
        in.Info(at, 3, f, "no order level (HL O): the shipment-level PRF makes the order");
      }
    }
    return static_cast<size_t>(implicit_order);
  };
  std::function<size_t(size_t, int)> ensure_pack = [&](size_t oi, int node) -> size_t {
    auto key = std::make_pair(oi, node);
    auto it = pack_index.find(key);
    if (it != pack_index.end()) return it->second;
    const int parent_pack = ancestor(node, is_pack);
    std::string parent_sscc;
    if (parent_pack >= 0) {
      ensure_pack(oi, parent_pack);
      parent_sscc = nodes[static_cast<size_t>(parent_pack)].sscc;
    }
    const HlNode& n = nodes[static_cast<size_t>(node)];
    model::Pack p;
    p.sscc = n.sscc;
    p.level = n.level == "T" ? "tare" : "pack";
    p.parent_sscc = parent_sscc;
    p.weight = n.weight;
    auto& packs = sh.orders[oi].packs;
    packs.push_back(std::move(p));
    pack_index[key] = packs.size() - 1;
    return packs.size() - 1;
  };

  for (size_t i = 0; i < nodes.size(); ++i) {
    const HlNode& n = nodes[i];
    const int ni = static_cast<int>(i);
    if (n.level == "O") {
      model::ShipmentOrder o;
      o.po_number = n.po_number;
      o.order_date = n.order_date;
      order_index[ni] = sh.orders.size();
      const std::string f = Idx("orders", sh.orders.size());
      if (o.po_number.empty()) {
        in.Err(n.hl, 0, f + ".po_number", "order level without a PRF01 (purchase order number)");
      }
      sh.orders.push_back(std::move(o));
      continue;
    }
    if (is_pack(n)) {
      const int o = ancestor(ni, is_order);
      if (o >= 0) ensure_pack(order_for(o, n.hl), ni);
      continue;
    }
    if (n.level != "I") continue;
    model::ShipmentItem item = n.item;
    if (!n.has_qty) {
      in.Err(n.hl, 0, "", "item level (HL " + n.id + ") without SN1: the quantity is missing");
    }
    const int o = ancestor(ni, is_order);
    size_t oi = 0;
    if (o < 0 && !n.po_number.empty()) {
      // The item names its order (PRF at item level): one order per PO number.
      auto it = item_orders.find(n.po_number);
      if (it == item_orders.end()) {
        model::ShipmentOrder so;
        so.po_number = n.po_number;
        so.order_date = n.order_date;
        it = item_orders.emplace(n.po_number, sh.orders.size()).first;
        sh.orders.push_back(std::move(so));
      }
      oi = it->second;
    } else {
      oi = order_for(o, n.hl);
    }
    const int pk = ancestor(ni, is_pack);
    if (pk >= 0) {
      sh.orders[oi].packs[ensure_pack(oi, pk)].items.push_back(std::move(item));
    } else {
      sh.orders[oi].items.push_back(std::move(item));
    }
  }
  // Packs below an item (structure 0002): each holds that item, with the pack's own quantity.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const HlNode& n = nodes[i];
    if (!is_pack(n)) continue;
    const int it = ancestor(static_cast<int>(i), [](const HlNode& x) { return x.level == "I"; });
    if (it < 0) continue;
    const size_t oi = order_for(ancestor(static_cast<int>(i), is_order), n.hl);
    const size_t pi = ensure_pack(oi, static_cast<int>(i));
    model::ShipmentItem item = nodes[static_cast<size_t>(it)].item;
    if (n.pack_qty) {
      item.quantity = *n.pack_qty;
      sh.orders[oi].packs[pi].items.push_back(std::move(item));
    } else {
      in.Warn(n.hl, 0, "",
              "pack below an item (HL " + n.id +
                  ") has no SN1: its share of the item is unknown; "
                  "the item is counted at order level only");
    }
  }
  // Packs above the order level that no order reached.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const HlNode& n = nodes[i];
    if (!is_pack(n)) continue;
    bool used = false;
    for (const auto& kv : pack_index) used |= kv.first.second == static_cast<int>(i);
    if (!used) {
      in.Warn(n.hl, 0, "",
              "pack HL " + n.id + " (SSCC '" + n.sscc + "') contains no order or item; not kept");
    }
  }
  return sh;
}

// ------------------------------------------------------------------------------------------
// 810 invoice

model::Invoice Map810(In& in) {
  model::Invoice v;
  Parties parties(&v.parties, "parties");
  bool seen_big = false, seen_tds = false, line_n1 = false;
  int line = -1;
  size_t it1_count = 0;
  std::optional<Decimal> header_tax, line_tax;
  std::optional<SegmentView> first_header_tax, first_line_tax;
  auto cur_line = [&]() -> model::InvoiceLine& { return v.lines[static_cast<size_t>(line)]; };
  auto lf = [&]() { return Idx("lines", static_cast<size_t>(line)); };
  auto add_tax = [&](std::optional<Decimal>* acc, std::optional<SegmentView>* first,
                     const Decimal& amt, const SegmentView& s) {
    if (!*acc) {
      *acc = amt;
      *first = s;
      return;
    }
    auto sum = (*acc)->Add(amt);
    if (!sum.ok()) return in.Warn(s, 2, "tax", "tax total overflows; not kept");
    *acc = *sum;
  };

  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (line < 0 && parties.Take(in, s)) return;
    if (line >= 0 && !seen_tds) {
      if (tag == "N1") {
        line_n1 = true;
        return in.NotKept(s, "line-level party of " + lf());
      }
      if (line_n1 && InLineN1Loop(tag)) return in.NotKept(s, "inside a line-level N1 loop");
      line_n1 = false;
    }
    if (tag == "BIG") {
      if (seen_big) return in.Warn(s, 0, "", "a second BIG; not kept");
      seen_big = true;
      v.invoice_date = in.Date(s, 1, "invoice_date", true, "invoice date");
      v.invoice_number = in.Required(s, 2, "invoice_number", "invoice number");
      v.po_date = in.Date(s, 3, "po_date", false, "purchase order date");
      v.po_number = in.El(s, 4);
      const std::string release = in.El(s, 5);
      if (!release.empty()) v.references.push_back({"RE", release});
      in.ElementNotKept(s, 6, "change order sequence number");
      const std::string type = in.El(s, 7);
      if (!type.empty()) {
        const std::string_view t = NameOf(kInvoiceTypes, type);
        if (!t.empty()) {
          v.invoice_type = std::string(t);
        } else {
          in.Warn(s, 7, "invoice_type",
                  "BIG07 '" + type + "' is not a known transaction type; invoice assumed");
        }
      }
      const std::string purpose = in.El(s, 8);
      if (!purpose.empty() && purpose != "00") {
        in.Warn(s, 8, "",
                "BIG08 '" + purpose + "': the canonical invoice has no purpose; read as original");
      }
      in.ExtraNotKept(s, 9);
      return;
    }
    if (tag == "CUR") return in.SetCurrency(s);
    if (tag == "REF") {
      if (line >= 0) return in.NotKept(s, "line reference");
      if (in.El(s, 1) == "SI" && v.shipment_id.empty()) {
        v.shipment_id = in.El(s, 2);
        return;
      }
      auto r = ReadRef(in, s, "references");
      if (r) v.references.push_back(*r);
      return;
    }
    if (tag == "ITD") {
      AppendTerms(&v.payment_terms, TermsText(in, s));
      const std::string due = in.Date(s, 6, "due_date", false, "net due date");
      if (!due.empty() && v.due_date.empty()) v.due_date = due;
      return;
    }
    if (tag == "IT1") {
      ++it1_count;
      model::InvoiceLine l;
      line = static_cast<int>(v.lines.size());
      const std::string f = lf();
      l.line_number = in.El(s, 1);
      if (l.line_number.empty()) {
        l.line_number = std::to_string(line + 1);
        in.Warn(s, 1, f + ".line_number",
                "IT101 (line number) is missing; numbered " + l.line_number + " by position");
      }
      auto qty = in.R(s, 2, f + ".quantity.value", true, "quantity invoiced");
      if (qty) l.quantity.value = *qty;
      l.quantity.uom = in.Unit(s, 3, 0, f + ".quantity.uom", true);
      auto price = in.R(s, 4, f + ".unit_price.amount", true, "unit price");
      l.unit_price = in.MakeMoney(price.value_or(Decimal()), s, 4, f + ".unit_price");
      IdExtras ex;
      ex.want_po_line = true;
      AssignIds(in, s, ReadIdPairs(in, s, 6, 25, f + ".item"), &l.item, f + ".item", &ex);
      l.po_line_number = ex.po_line;
      v.lines.push_back(std::move(l));
      return;
    }
    if (tag == "PID") {
      if (line < 0) return in.NotKept(s, "header description");
      return AddDescription(in, s, &cur_line().item, lf() + ".item");
    }
    if (tag == "TDS") {
      seen_tds = true;
      auto total = in.N2(s, 1, "total.amount", true, "total invoice amount");
      if (total) v.total = in.MakeMoney(*total, s, 1, "total");
      in.ElementNotKept(s, 2, "amount subject to terms discount");
      in.ElementNotKept(s, 3, "discounted amount due");
      in.ElementNotKept(s, 4, "terms discount amount");
      return;
    }
    if (tag == "TXI") {
      auto amt = in.R(s, 2, "tax.amount", false, "tax amount");
      if (!amt) {
        if (in.El(s, 2).empty()) in.NotKept(s, "a tax rate without an amount");
        return;
      }
      if (line >= 0 && !seen_tds) {
        add_tax(&line_tax, &first_line_tax, *amt, s);
      } else {
        add_tax(&header_tax, &first_header_tax, *amt, s);
      }
      return;
    }
    if (tag == "SAC") {
      const std::string f = Idx("charges", v.charges.size());
      auto c = ReadSac(in, s, f);
      if (!c) return;
      if (line >= 0 && !seen_tds) {
        in.Info(s, 0, f,
                "line-level SAC of " + lf() + " is kept as an invoice charge (lines carry none)");
      }
      v.charges.push_back(std::move(*c));
      return;
    }
    if (tag == "CTT") return in.CheckCount(s, it1_count, "IT1 segments");
    if (tag == "N1" || tag == "N2" || tag == "N3" || tag == "N4") {
      return in.NotKept(s, line >= 0 ? "line-level party" : "outside an N1 loop");
    }
    in.NotKept(s);
  });
  if (header_tax) {
    v.tax = in.MakeMoney(*header_tax, *first_header_tax, 2, "tax");
    if (line_tax) {
      in.Info(*first_line_tax, 2, "tax",
              "line-level TXI amounts (" + line_tax->ToString() +
                  " in all) are not added: the summary TXI gives the invoice's tax");
    }
  } else if (line_tax) {
    v.tax = in.MakeMoney(*line_tax, *first_line_tax, 2, "tax");
    in.Info(*first_line_tax, 2, "tax",
            "no summary TXI: the tax is the sum of the line-level TXI amounts (" +
                line_tax->ToString() + ")");
  }
  if (!seen_big) {
    in.Err(in.st(), 0, "invoice_number", "the set has no BIG segment");
  }
  if (!in.currency().empty()) v.currency = in.currency();
  return v;
}

// ------------------------------------------------------------------------------------------
// 846 inventory inquiry/advice

model::InventoryAdvice Map846(In& in) {
  model::InventoryAdvice ia;
  Parties parties(&ia.parties, "parties");
  bool seen_bia = false;
  int line = -1;        // current InventoryLine
  int first_line = -1;  // first InventoryLine of the current LIN
  size_t lin_count = 0;
  std::string last_qty;  // QTY01 of the last QTY in this LIN (for SCH and UIT)
  std::optional<model::Quantity>* last_qty_field = nullptr;
  bool effective_seen = false;
  struct NoUnit {
    size_t line;
    std::string name;
    SegmentView qty;
  };
  std::vector<NoUnit> no_unit;
  bool line_n1 = false;  // this LIN's location came from its N1
  bool in_n1 = false;
  auto cur_line = [&]() -> model::InventoryLine& { return ia.lines[static_cast<size_t>(line)]; };
  auto lf = [&]() { return Idx("lines", static_cast<size_t>(line)); };
  // A second block (location or dated availability) of the same LIN gets its own line.
  auto split_line = [&]() {
    model::InventoryLine l;
    l.item = cur_line().item;
    l.location = cur_line().location;
    ia.lines.push_back(std::move(l));
    line = static_cast<int>(ia.lines.size()) - 1;
    last_qty_field = nullptr;
  };
  auto qty_field_for = [&](const std::string& q) -> std::string {
    for (const auto& kv : in.opts().inventory_quantities) {
      if (kv.first == q) return kv.second;
    }
    return std::string(NameOf(kInventoryQuantities, q));
  };

  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (line < 0 && parties.Take(in, s)) return;
    if (tag == "BIA") {
      if (seen_bia) return in.Warn(s, 0, "", "a second BIA; not kept");
      seen_bia = true;
      const std::string purpose = in.El(s, 1);
      if (purpose != "00" && purpose != "06") {
        in.Warn(
            s, 1, "",
            "BIA01 '" + purpose + "': the canonical advice has no purpose; read as an original");
      }
      in.ElementNotKept(s, 2, "report type code");
      ia.advice_id = in.Required(s, 3, "advice_id", "reference identification");
      const std::string date = in.Date(s, 4, "as_of", true, "date");
      const std::string time = in.Time(s, 5, "as_of");
      if (!date.empty()) InstantUtc(date, time, "", &ia.as_of);
      const std::string action = in.El(s, 6);
      if (action == "2") {
        ia.kind = "delta";
      } else if (!action.empty() && action != "5") {
        in.Warn(s, 6, "kind",
                "BIA06 '" + action + "' is not 2 (change) or 5 (replace); a snapshot assumed");
      }
      in.ExtraNotKept(s, 7);
      return;
    }
    if (tag == "LIN") {
      ++lin_count;
      model::InventoryLine l;
      line = static_cast<int>(ia.lines.size());
      first_line = line;
      last_qty.clear();
      last_qty_field = nullptr;
      line_n1 = false;
      in_n1 = false;
      const std::string f = lf();
      in.ElementNotKept(s, 1, "assigned identification");
      AssignIds(in, s, ReadIdPairs(in, s, 2, 31, f + ".item"), &l.item, f + ".item", nullptr);
      ia.lines.push_back(std::move(l));
      return;
    }
    if (line < 0) {
      if (tag == "CTT") return in.CheckCount(s, lin_count, "LIN segments");
      if (tag == "DTM" && in.El(s, 1) == "007" && !effective_seen) {
        // Effective date/time: the moment the figures are valid for, more precise than BIA04.
        effective_seen = true;
        const std::string date = in.Date(s, 2, "as_of", false, "effective date");
        if (date.empty()) return;
        const std::string time = in.Time(s, 3, "as_of");
        std::string instant;
        if (!InstantUtc(date, time, in.El(s, 4), &instant)) {
          return in.Warn(s, 4, "as_of",
                         "DTM04 '" + in.El(s, 4) + "' is not a known time code; not kept");
        }
        ia.as_of = instant;
        return;
      }
      return in.NotKept(s, "header");
    }
    if (tag == "PID") {
      AddDescription(in, s, &cur_line().item, lf() + ".item");
      for (int i = first_line; i < static_cast<int>(ia.lines.size()); ++i) {
        ia.lines[static_cast<size_t>(i)].item.description = cur_line().item.description;
      }
      return;
    }
    if (tag == "N1") {
      // The LIN loop's N1 loop (after its QTY loops): where the quantities of this LIN are.
      std::string loc = in.El(s, 4);
      if (loc.empty()) loc = in.El(s, 2);
      if (loc.empty()) return in.NotKept(s, "no location code or name");
      if (line_n1) return in.NotKept(s, "a second location for the same LIN");
      for (int i = first_line; i < static_cast<int>(ia.lines.size()); ++i) {
        ia.lines[static_cast<size_t>(i)].location = loc;
      }
      line_n1 = true;
      in_n1 = true;
      return;
    }
    if (in_n1 && (tag == "N2" || tag == "N3" || tag == "N4" || tag == "REF" || tag == "PER")) {
      return in.NotKept(s, "inside the line's location N1 loop");
    }
    in_n1 = false;
    if (tag == "QTY") {
      const std::string q = in.El(s, 1);
      last_qty = q;
      last_qty_field = nullptr;
      const std::string name = qty_field_for(q);
      if (name.empty()) {
        return in.Info(s, 1, lf(),
                       "QTY01 '" + q + "' has no canonical inventory quantity; not kept");
      }
      auto field_of = [&](model::InventoryLine& l) -> std::optional<model::Quantity>* {
        return name == "on_hand"     ? &l.on_hand
               : name == "available" ? &l.available
               : name == "on_order"  ? &l.on_order
               : name == "committed" ? &l.committed
                                     : nullptr;
      };
      if (!field_of(cur_line())) {
        return in.Warn(s, 1, lf(),
                       "QTY01 '" + q + "' is configured as '" + name +
                           "', which is not an inventory quantity; not kept");
      }
      auto v = in.R(s, 2, lf() + "." + name + ".value", false, "quantity");
      if (!v) {
        if (in.El(s, 2).empty()) in.Warn(s, 2, lf() + "." + name, "QTY02 is empty; not kept");
        return;
      }
      // The LIN's first line where this quantity is still free; else a line of its own.
      int target = -1;
      for (int i = first_line; i < static_cast<int>(ia.lines.size()); ++i) {
        auto& l = ia.lines[static_cast<size_t>(i)];
        if (!*field_of(l) && (name != "available" || l.available_date.empty())) {
          target = i;
          break;
        }
      }
      if (target < 0) {
        split_line();
      } else {
        line = target;
      }
      std::optional<model::Quantity>* dst = field_of(cur_line());
      *dst = model::Quantity{*v, in.Unit(s, 3, 1, lf() + "." + name + ".uom", false)};
      in.ExtraNotKept(s, 4);
      last_qty_field = dst;
      if ((*dst)->uom.empty()) {
        no_unit.push_back({static_cast<size_t>(line), name, s});  // a UIT may still follow
      }
      return;
    }
    if (tag == "UIT") {
      if (last_qty_field && *last_qty_field && (*last_qty_field)->uom.empty()) {
        (*last_qty_field)->uom = in.Unit(s, 1, 1, lf() + ".uom", false);
        return;
      }
      return in.NotKept(s, last_qty.empty() ? "a unit without a quantity"
                                            : "the unit of QTY " + last_qty + ", not kept");
    }
    if (tag == "SCH") {
      // Future availability: a dated quantity under QTY 33 (or directly under the LIN).
      if (!last_qty.empty() && qty_field_for(last_qty) != "available") {
        return in.NotKept(s, "schedule of QTY " + last_qty);
      }
      auto v = in.R(s, 1, lf() + ".available.value", false, "quantity");
      const std::string date = in.Date(s, 6, lf() + ".available_date", false, "date");
      if (!v || date.empty()) return in.NotKept(s, "a schedule without a quantity and a date");
      std::string uom = in.Unit(s, 2, 0, lf() + ".available.uom", false);
      if (uom.empty() && cur_line().available) uom = cur_line().available->uom;
      // An SCH that restates its QTY's quantity dates it; any other is a further dated
      // availability of the same item, so a line of its own.
      model::InventoryLine& l = cur_line();
      if (!last_qty.empty() && l.available && l.available_date.empty() &&
          l.available->value == *v && (l.available->uom == uom || in.El(s, 2).empty())) {
        l.available_date = date;
        return;
      }
      if (l.available || !l.available_date.empty()) split_line();
      cur_line().available = model::Quantity{*v, uom};
      cur_line().available_date = date;
      if (uom.empty()) in.Err(s, 2, lf() + ".available.uom", "SCH02 (unit) is missing");
      return;
    }
    if (tag == "CTT") return in.CheckCount(s, lin_count, "LIN segments");
    in.NotKept(s, "line level");
  });
  for (const auto& [li, name, s] : no_unit) {
    const auto& l = ia.lines[li];
    const std::optional<model::Quantity>& q = name == "on_hand"     ? l.on_hand
                                              : name == "available" ? l.available
                                              : name == "on_order"  ? l.on_order
                                                                    : l.committed;
    if (q && q->uom.empty()) {
      in.Err(s, 3, Idx("lines", li) + "." + name + ".uom",
             "the quantity has no unit of measure (QTY03 or a following UIT01)");
    }
  }
  if (!seen_bia) {
    in.Err(in.st(), 0, "as_of", "the set has no BIA segment");
  }
  return ia;
}

// ------------------------------------------------------------------------------------------
// 940 warehouse shipping order and 945 warehouse shipping advice: the release of a sales order
// to the warehouse (or 3PL) that holds the stock, and its confirmation of what shipped. The
// W-segments are open in the spec dictionary, so their elements are checked here.

// W05-01 order status code (473) <-> Order.purpose.
constexpr CodeName kWarehouseOrderStatus[] = {
    {"N", "original"}, {"F", "cancel"}, {"R", "change"}, {"R", "replace"}};
// G62-01 date qualifier (432) <-> Order dates, 940 header.
constexpr CodeName kWarehouseOrderDates[] = {{"04", "order_date"},
                                             {"02", "requested_delivery_date"},
                                             {"37", "ship_not_before"},
                                             {"01", "cancel_after"}};
// W03-03 weight unit (188) <-> the X12 unit of a weight (355).
constexpr CodeName kWeightUnits[] = {{"L", "LB"}, {"K", "KG"}};

// Item identifiers of a warehouse line (W01, W12): the U.P.C. case code element and the
// qualifier/value pairs whose qualifiers are at `pairs`.
void WarehouseIds(In& in, const SegmentView& s, int upc_pos, std::initializer_list<int> pairs,
                  const std::string& field, model::ItemRef* item) {
  std::vector<IdPair> ids;
  for (int p : pairs) {
    for (auto& id : ReadIdPairs(in, s, p, p + 1, field)) ids.push_back(std::move(id));
  }
  const std::string upc = in.El(s, upc_pos);
  if (!upc.empty()) ids.push_back({"UP", upc, upc_pos - 1});
  AssignIds(in, s, ids, item, field, nullptr);
}

// A control total (W76, W03) against the sum of the lines: a difference is a warning.
void CheckTotal(In& in, const std::optional<Decimal>& total, const Decimal& sum,
                const std::string& field, const std::string& what) {
  if (!total || *total == sum) return;
  in.Warn(in.st(), 0, field,
          what + " " + total->ToString() + " differs from the lines, which add up to " +
              sum.ToString());
}

void AppendWords(std::string* to, const std::string& text) {
  if (text.empty()) return;
  *to += to->empty() ? text : " " + text;
}

model::Order Map940(In& in) {
  model::Order o;
  Parties parties(&o.parties, "parties");
  bool seen_w05 = false, in_lines = false;
  int line = -1;
  std::optional<Decimal> total;
  auto lf = [&]() { return Idx("lines", static_cast<size_t>(line)); };
  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (!in_lines && parties.Take(in, s)) return;
    if (tag == "W05") {
      if (seen_w05) return in.Warn(s, 0, "", "a second W05; not kept");
      seen_w05 = true;
      const std::string status = in.El(s, 1);
      const std::string_view purpose = NameOf(kWarehouseOrderStatus, status);
      if (!purpose.empty()) {
        o.purpose = std::string(purpose);
      } else {
        in.Warn(s, 1, "purpose",
                status.empty() ? "W0501 (order status code) is missing; read as an original"
                               : "W0501 '" + status + "' is not N, F or R; read as an original");
      }
      o.po_number = in.Required(s, 2, "po_number", "depositor order number");
      const std::string customer_po = in.El(s, 3);
      if (!customer_po.empty()) o.references.push_back({"PO", customer_po});
      in.ExtraNotKept(s, 4);
      return;
    }
    if (tag == "N9") {
      const std::string f = line < 0 ? Idx("references", o.references.size())
                                     : Idx(lf() + ".references", o.lines.back().references.size());
      auto r = ReadRef(in, s, f);
      if (!r) return;
      if (line >= 0 && r->qualifier == "LI") {
        o.lines.back().line_number = r->value;
      } else if (line >= 0) {
        o.lines.back().references.push_back(*r);
      } else {
        o.references.push_back(*r);
      }
      return;
    }
    if (tag == "G62") {
      const std::string q = in.El(s, 1);
      if (line >= 0) {
        if (q != "02") return in.NotKept(s, "line date other than 02 (delivery requested)");
        o.lines.back().requested_date =
            in.Date(s, 2, lf() + ".requested_date", false, "requested date");
        return in.ExtraNotKept(s, 3);
      }
      const std::string_view name = NameOf(kWarehouseOrderDates, q);
      std::string* dst = name == "order_date"                ? &o.order_date
                         : name == "requested_delivery_date" ? &o.requested_delivery_date
                         : name == "ship_not_before"         ? &o.ship_not_before
                         : name == "cancel_after"            ? &o.cancel_after
                                                             : nullptr;
      if (!dst) return in.NotKept(s, "G6201 '" + q + "' is not 04, 02, 37 or 01");
      *dst = in.Date(s, 2, std::string(name), false, "date");
      return in.ExtraNotKept(s, 3);
    }
    if (tag == "NTE") {
      const std::string text = in.El(s, 2);
      if (line >= 0) {
        AppendNote(&o.lines.back().note, text);
      } else {
        AppendNote(&o.note, text);
      }
      return;
    }
    if (tag == "W66") {
      // Carrier: the SCAC (W6610), else the routing (W6605).
      o.ship_via = in.El(s, 10);
      if (o.ship_via.empty()) o.ship_via = in.El(s, 5);
      return;
    }
    if (tag == "LX") {
      in_lines = true;  // from here on N1 loops belong to lines
      return;
    }
    if (tag == "W01") {
      in_lines = true;
      model::OrderLine l;
      line = static_cast<int>(o.lines.size());
      const std::string f = lf();
      l.line_number = std::to_string(line + 1);  // N9*LI in the loop replaces it
      auto qty = in.R(s, 1, f + ".quantity.value", true, "quantity ordered");
      if (qty) l.quantity.value = *qty;
      l.quantity.uom = in.Unit(s, 2, 0, f + ".quantity.uom", true);
      WarehouseIds(in, s, 3, {4, 6, 15}, f + ".item", &l.item);
      o.lines.push_back(std::move(l));
      return;
    }
    if (tag == "G69") {
      if (line < 0) return in.NotKept(s, "description outside a W01 loop");
      AppendWords(&o.lines.back().item.description, in.El(s, 1));
      return;
    }
    if (tag == "W76") {
      total = in.R(s, 1, "", false, "total quantity ordered");
      return;
    }
    in.NotKept(s);
  });
  if (!seen_w05) in.Err(in.st(), 0, "po_number", "the set has no W05 segment");
  Decimal sum;
  for (const auto& l : o.lines) sum = sum.Add(l.quantity.value).value_or(sum);
  CheckTotal(in, total, sum, "lines", "W7601 (total quantity ordered)");
  return o;
}

model::Shipment Map945(In& in) {
  model::Shipment sh;
  Parties parties(&sh.parties, "parties");
  bool seen_w06 = false, in_items = false;
  model::ShipmentOrder order;
  std::string sscc;  // of the LX loop being read: its W12s are packed in it
  std::optional<Decimal> total;
  model::ShipmentItem* item = nullptr;
  auto item_field = [&]() {
    const bool packed = !order.packs.empty() && !sscc.empty();
    return packed ? Idx(Idx("orders[0].packs", order.packs.size() - 1) + ".items",
                        order.packs.back().items.size() - 1)
                  : Idx("orders[0].items", order.items.size() - 1);
  };
  ForEach(in, [&](const SegmentView& s) {
    const std::string_view tag = s.tag();
    if (!in_items && parties.Take(in, s)) return;
    if (tag == "W06") {
      if (seen_w06) return in.Warn(s, 0, "", "a second W06; not kept");
      seen_w06 = true;
      in.ElementNotKept(s, 1, "reporting code");
      order.po_number = in.Required(s, 2, "orders[0].po_number", "depositor order number");
      sh.ship_date = in.Date(s, 3, "ship_date", true, "shipment date");
      sh.shipment_id = in.Required(s, 4, "shipment_id", "shipment identification number");
      in.ElementNotKept(s, 5, "agent shipment id");
      const std::string customer_po = in.El(s, 6);
      if (!customer_po.empty()) sh.references.push_back({"PO", customer_po});
      in.ExtraNotKept(s, 7);
      return;
    }
    if (tag == "N9") {
      if (item) {
        auto r = ReadRef(in, s, item_field());
        if (!r) return;
        if (r->qualifier == "LI") {
          item->line_number = r->value;
        } else if (r->qualifier == "SE" && item->serial.empty()) {
          item->serial = r->value;
        } else {
          in.NotKept(s, "item reference other than LI (line) or SE (serial)");
        }
        return;
      }
      auto r = ReadRef(in, s, Idx("references", sh.references.size()));
      if (!r) return;
      if (r->qualifier == "BM" && sh.bill_of_lading.empty()) {
        sh.bill_of_lading = r->value;
      } else if (r->qualifier == "CN" && sh.tracking_number.empty()) {
        sh.tracking_number = r->value;
      } else {
        sh.references.push_back(*r);
      }
      return;
    }
    if (tag == "G62" && !item) {
      const std::string q = in.El(s, 1);
      if (q == "11") {
        const std::string d = in.Date(s, 2, "ship_date", false, "shipped date");
        if (!d.empty() && !sh.ship_date.empty() && d != sh.ship_date) {
          in.Warn(s, 2, "ship_date", "G6202 differs from W0603 (the shipment date); not kept");
        }
        sh.ship_time = in.Time(s, 4, "ship_time");
        return;
      }
      if (q == "17") {
        sh.expected_delivery_date =
            in.Date(s, 2, "expected_delivery_date", false, "estimated delivery date");
        return;
      }
      return in.NotKept(s, "G6201 '" + q + "' is not 11 (shipped) or 17 (estimated delivery)");
    }
    if (tag == "W27") {
      sh.transport_mode = in.El(s, 1);
      sh.carrier_scac = in.El(s, 2);
      in.ExtraNotKept(s, 3);
      return;
    }
    if (tag == "LX") {
      in_items = true;
      item = nullptr;
      sscc.clear();
      return;
    }
    if (tag == "MAN") {
      if (!in_items || item) return in.NotKept(s, "MAN outside an LX loop's head");
      const std::string q = in.El(s, 1);
      if (q != "GM") return in.NotKept(s, "MAN01 '" + q + "' is not GM (SSCC-18)");
      sscc = in.El(s, 2);
      if (!IsSscc(sscc)) {
        in.Warn(s, 2, Idx("orders[0].packs", order.packs.size()) + ".sscc",
                "'" + sscc + "' is not an 18-digit SSCC; kept as sent");
      }
      model::Pack p;
      p.sscc = sscc;
      p.level = "pack";
      order.packs.push_back(std::move(p));
      return;
    }
    if (tag == "W12") {
      in_items = true;
      auto& items = sscc.empty() ? order.items : order.packs.back().items;
      items.emplace_back();
      item = &items.back();
      const std::string f = item_field();
      item->line_number = std::to_string(items.size());  // N9*LI in the loop replaces it
      auto qty = in.R(s, 3, f + ".quantity.value", true, "number of units shipped");
      if (qty) item->quantity.value = *qty;
      item->quantity.uom = in.Unit(s, 5, 0, f + ".quantity.uom", true);
      item->lot = in.El(s, 9);
      WarehouseIds(in, s, 6, {7, 13}, f + ".item", &item->item);
      in.ElementNotKept(s, 1, "shipment/order status code");
      in.ElementNotKept(s, 2, "quantity ordered");
      in.ElementNotKept(s, 4, "quantity difference");
      in.ElementNotKept(s, 10, "weight");
      return;
    }
    if (tag == "G69" && item) {
      AppendWords(&item->item.description, in.El(s, 1));
      return;
    }
    if (tag == "W03") {
      total = in.R(s, 1, "", false, "number of units shipped");
      const std::string weight = in.El(s, 2);
      if (!weight.empty()) {
        auto w = in.R(s, 2, "gross_weight.value", false, "weight");
        const std::string_view uom = NameOf(kWeightUnits, in.El(s, 3));
        if (w && !uom.empty()) {
          sh.gross_weight = model::Quantity{*w, std::string(uom)};
        } else if (w) {
          in.Warn(s, 3, "gross_weight.uom", "W0303 is not L (pounds) or K (kilograms); not kept");
        }
      }
      sh.package_count = in.El(s, 6);
      return;
    }
    in.NotKept(s);
  });
  if (!seen_w06) in.Err(in.st(), 0, "shipment_id", "the set has no W06 segment");
  Decimal sum;
  auto add = [&](const model::ShipmentItem& it) { sum = sum.Add(it.quantity.value).value_or(sum); };
  for (const auto& it : order.items) add(it);
  for (const auto& p : order.packs) {
    for (const auto& it : p.items) add(it);
  }
  CheckTotal(in, total, sum, "orders[0]", "W0301 (units shipped)");
  sh.orders.push_back(std::move(order));
  return sh;
}

Result<Kind> ResolveKind(const X12MapOptions& opts, std::string_view set_id, bool inbound) {
  if (opts.partner_kind == "supplier") return Kind::kSupplier;
  if (opts.partner_kind == "customer") return Kind::kCustomer;
  if (!opts.partner_kind.empty()) {
    return Error(Code::kInvalidArgument,
                 "partner_kind must be supplier or customer, not '" + opts.partner_kind + "'",
                 "partner_kind");
  }
  const bool is_850 = set_id == "850";
  // Inbound 850 comes from a customer; the others from a supplier. Outbound the reverse.
  return (is_850 == inbound) ? Kind::kCustomer : Kind::kSupplier;
}

// ==========================================================================================
// Outbound

Error Bad(const std::string& field, const std::string& message) {
  return Error(Code::kInvalidArgument, message, field);
}

class Out {
 public:
  explicit Out(std::string_view version) : v5_(version.substr(0, 3) == "005") {}
  void Add(std::string tag, std::vector<std::string> els) {
    while (!els.empty() && els.back().empty()) els.pop_back();
    segs.push_back(OutSegment{std::move(tag), std::move(els)});
  }
  bool v5() const { return v5_; }
  std::vector<OutSegment> segs;

 private:
  bool v5_;
};

Result<std::string> X12Date(const std::string& iso, const std::string& field, bool required) {
  if (iso.empty()) {
    if (required) return Bad(field, "a date is required here");
    return std::string();
  }
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') {
    return Bad(field, "not an ISO date (YYYY-MM-DD): '" + iso + "'");
  }
  std::string d = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
  if (!IsoDate(d)) return Bad(field, "not a calendar date: '" + iso + "'");
  return d;
}

Result<std::string> X12Time(const std::string& t, const std::string& field) {
  if (t.empty()) return std::string();
  std::string digits;
  if (t.size() >= 5 && t[2] == ':') {
    digits = t.substr(0, 2) + t.substr(3, 2);
    if (t.size() >= 8 && t[5] == ':') {
      digits += t.substr(6, 2);
      if (t.size() > 8 && t[8] == '.') digits += t.substr(9, std::min<size_t>(2, t.size() - 9));
    } else if (t.size() != 5) {
      digits.clear();
    }
  }
  if (!IsoTime(digits)) return Bad(field, "not a time (HH:MM or HH:MM:SS): '" + t + "'");
  return digits;
}

Status CheckLength(const std::string& v, size_t max, const std::string& field,
                   std::string_view element) {
  if (v.size() > max) {
    return Bad(field, "'" + v + "' is longer than " + std::to_string(max) + " characters, the " +
                          "maximum of " + std::string(element));
  }
  return Status::Ok();
}

// Splits text into chunks of at most `max` characters, preferring to break at a space (which
// is dropped); lines of text (\n) always start a new chunk.
std::vector<std::string> Chunks(const std::string& text, size_t max) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string para = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (para.size() > max) {
      size_t cut = para.rfind(' ', max);
      if (cut == std::string::npos || cut == 0) {
        out.push_back(para.substr(0, max));
        para = para.substr(max);
      } else {
        out.push_back(para.substr(0, cut));
        para = para.substr(cut + 1);
      }
    }
    if (!para.empty()) out.push_back(para);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string N2Digits(const Decimal& d, Status* st, const std::string& field) {
  auto r = d.Rescale(2, Rounding::kUnnecessary);
  if (!r.ok()) {
    *st = Bad(field, "'" + d.ToString() + "' has more than two decimals (an N2 element)");
    return "";
  }
  return std::to_string(r->coefficient());
}

// One REF or N9 segment (the same layout) for a reference.
Status RefSegment(const char* tag, const model::Reference& r, const std::string& field, Out* out) {
  if (r.qualifier.empty() || r.qualifier.size() > 3) {
    return Bad(field + ".qualifier",
               "'" + r.qualifier + "' is not a " + tag + "01 qualifier (1 to 3 characters)");
  }
  CD_RETURN_IF_ERROR(
      CheckLength(r.value, out->v5() ? 50 : 30, field + ".value", std::string(tag) + "02"));
  out->Add(tag, {r.qualifier, r.value});
  return Status::Ok();
}

class Writer {
 public:
  Writer(Out* out, Kind kind, std::string currency)
      : out_(out), kind_(kind), currency_(std::move(currency)) {}

  Status Money(const model::Money& m, const std::string& field) {
    if (m.currency.empty()) return Bad(field + ".currency", "the currency is missing");
    if (!currency_.empty() && m.currency != currency_) {
      return Bad(field + ".currency", "'" + m.currency +
                                          "' differs from the document's currency '" + currency_ +
                                          "': an X12 set has one currency (CUR)");
    }
    return Status::Ok();
  }

  Status Ref(const model::Reference& r, const std::string& field) {
    if (r.qualifier.size() == 6 && StartsWithDtm(r.qualifier)) {
      auto d = X12Date(r.value, field + ".value", true);
      if (!d.ok()) return d.error();
      out_->Add("DTM", {r.qualifier.substr(3), *d});
      return Status::Ok();
    }
    return RefSegment("REF", r, field, out_);
  }

  Status Parties(const std::vector<model::PartyRef>& parties) {
    for (size_t i = 0; i < parties.size(); ++i) {
      const auto& p = parties[i];
      const std::string f = Idx("parties", i);
      std::string code(CodeOf(kRoles, p.role));
      if (code.empty() && p.role.rfind(kUnknownRolePrefix, 0) == 0 &&
          p.role.size() > kUnknownRolePrefix.size()) {
        code = p.role.substr(kUnknownRolePrefix.size());
      }
      if (code.empty()) {
        return Bad(f + ".role", "role '" + p.role + "' has no X12 entity identifier code (N101)");
      }
      std::vector<std::string> names = Chunks(p.name, 60);
      if (names.empty() && p.code.empty()) {
        return Bad(f, "a party needs a name or a code (N102 or N104)");
      }
      if (p.code.empty() != p.qualifier.empty()) {
        return Bad(f + (p.code.empty() ? ".code" : ".qualifier"),
                   "the N103 qualifier and the N104 code go together");
      }
      CD_RETURN_IF_ERROR(CheckLength(p.code, 80, f + ".code", "N104"));
      out_->Add("N1", {code, names.empty() ? "" : names[0], p.qualifier, p.code});
      for (size_t n = 1; n < names.size(); n += 2) {
        out_->Add("N2", {names[n], n + 1 < names.size() ? names[n + 1] : ""});
      }
      if (p.address) {
        const auto& a = *p.address;
        std::vector<std::string> lines;
        for (const auto& l : a.lines) {
          for (auto& c : Chunks(l, 55)) lines.push_back(std::move(c));
        }
        for (size_t n = 0; n < lines.size(); n += 2) {
          out_->Add("N3", {lines[n], n + 1 < lines.size() ? lines[n + 1] : ""});
        }
        if (!a.city.empty() || !a.region.empty() || !a.postal_code.empty() || !a.country.empty()) {
          CD_RETURN_IF_ERROR(CheckLength(a.city, 30, f + ".address.city", "N401"));
          CD_RETURN_IF_ERROR(CheckLength(a.postal_code, 15, f + ".address.postal_code", "N403"));
          out_->Add("N4", {a.city, a.region, a.postal_code, a.country});
        }
      }
    }
    return Status::Ok();
  }

  // Appends the item's qualifier/value pairs.
  Status Ids(const model::ItemRef& item, const std::string& field, std::vector<std::string>* els) {
    auto pair = [&](const char* q, const std::string& v) -> Status {
      if (v.empty()) return Status::Ok();
      CD_RETURN_IF_ERROR(CheckLength(v, 48, field, std::string(q) + " item id"));
      els->push_back(q);
      els->push_back(v);
      return Status::Ok();
    };
    const bool supplier = kind_ == Kind::kSupplier;
    // The hub's numbers (the buyer side when the partner is a supplier).
    const std::string& hub_side = supplier ? item.buyer_item_id : item.vendor_item_id;
    const std::string& own_side = supplier ? item.vendor_item_id : item.buyer_item_id;
    const char* hub_q1 = supplier ? "BP" : "VP";
    const char* hub_q2 = supplier ? "IN" : "VN";
    const char* own_q1 = supplier ? "VP" : "BP";
    const char* own_q2 = supplier ? "VN" : "IN";
    std::string hub1 = item.sku.empty() ? hub_side : item.sku;
    std::string hub2 = item.sku.empty() || hub_side == item.sku ? "" : hub_side;
    std::string own1 = item.partner_item_id.empty() ? own_side : item.partner_item_id;
    std::string own2 =
        item.partner_item_id.empty() || own_side == item.partner_item_id ? "" : own_side;
    if (supplier) {
      CD_RETURN_IF_ERROR(pair(hub_q1, hub1));
      CD_RETURN_IF_ERROR(pair(hub_q2, hub2));
      CD_RETURN_IF_ERROR(pair(own_q1, own1));
      CD_RETURN_IF_ERROR(pair(own_q2, own2));
    } else {
      CD_RETURN_IF_ERROR(pair(own_q1, own1));
      CD_RETURN_IF_ERROR(pair(own_q2, own2));
      CD_RETURN_IF_ERROR(pair(hub_q1, hub1));
      CD_RETURN_IF_ERROR(pair(hub_q2, hub2));
    }
    if (!item.gtin.empty()) {
      const std::string& g = item.gtin;
      const bool isbn10 = g.size() == 10 && AllDigits(g.substr(0, 9)) &&
                          (std::isdigit(static_cast<unsigned char>(g[9])) || g[9] == 'X');
      const char* q = g.size() == 12 && AllDigits(g)   ? "UP"
                      : g.size() == 13 && AllDigits(g) ? "EN"
                      : g.size() == 14 && AllDigits(g) ? "UK"
                      : isbn10                         ? "IB"
                                                       : nullptr;
      if (!q) {
        return Bad(field + ".gtin",
                   "'" + g + "' is not a 12, 13 or 14 digit GTIN (or a 10-character ISBN)");
      }
      CD_RETURN_IF_ERROR(pair(q, item.gtin));
    }
    return Status::Ok();
  }

  void Description(const model::ItemRef& item) {
    for (const auto& c : Chunks(item.description, 80)) out_->Add("PID", {"F", "", "", "", c});
  }

  Status Charges(const std::vector<model::Charge>& charges) {
    for (size_t i = 0; i < charges.size(); ++i) {
      const auto& c = charges[i];
      const std::string f = Idx("charges", i);
      std::string ind = c.type == "allowance" ? "A" : c.type == "charge" ? "C" : "";
      if (ind.empty()) return Bad(f + ".type", "must be charge or allowance");
      std::string code(CodeOf(kChargeNames, c.code));
      if (code.empty()) code = c.code;
      if (code.size() != 4) {
        return Bad(f + ".code", "'" + c.code +
                                    "' is not an SAC02 code (4 characters) or a known "
                                    "charge name (freight, discount)");
      }
      CD_RETURN_IF_ERROR(Money(c.amount, f + ".amount"));
      Status st;
      const std::string amount = N2Digits(c.amount.amount, &st, f + ".amount.amount");
      CD_RETURN_IF_ERROR(st);
      std::vector<std::string> els(15);
      els[0] = ind;
      els[1] = code;
      els[4] = amount;
      if (!c.description.empty()) {
        CD_RETURN_IF_ERROR(CheckLength(c.description, 80, f + ".description", "SAC15"));
        els[14] = c.description;
      }
      out_->Add("SAC", std::move(els));
    }
    return Status::Ok();
  }

  Status Terms(const std::string& terms, const std::string& due_date) {
    if (terms.empty() && due_date.empty()) return Status::Ok();
    CD_RETURN_IF_ERROR(CheckLength(terms, 80, "payment_terms", "ITD12"));
    auto due = X12Date(due_date, "due_date", false);
    if (!due.ok()) return due.error();
    std::vector<std::string> els(12);
    els[5] = *due;
    els[11] = terms;
    out_->Add("ITD", std::move(els));
    return Status::Ok();
  }

  void Notes(const std::string& note, bool header) {
    if (note.empty()) return;
    if (header) out_->Add("N9", {"L1", "NOTES"});
    for (const auto& c : Chunks(note, 264)) out_->Add("MSG", {c});
  }

  Kind kind() const { return kind_; }
  const std::string& currency() const { return currency_; }

 private:
  static bool StartsWithDtm(const std::string& q) {
    return q.rfind("DTM", 0) == 0 && AllDigits(q.substr(3));
  }
  Out* out_;
  Kind kind_;
  std::string currency_;
};

Status CheckRequired(const std::string& v, const std::string& field, std::string_view element,
                     size_t max) {
  if (v.empty()) return Bad(field, "required (" + std::string(element) + ")");
  return CheckLength(v, max, field, element);
}

std::string QuantityText(const Decimal& d) { return d.ToString(); }

// 850 -------------------------------------------------------------------------------------

Status Write850(const model::Order& o, Out* out, Writer* w) {
  CD_RETURN_IF_ERROR(CheckRequired(o.po_number, "po_number", "BEG03", 22));
  const std::string_view purpose =
      CodeOf(kOrderPurposes, o.purpose.empty() ? "original" : o.purpose);
  if (purpose.empty()) return Bad("purpose", "'" + o.purpose + "' has no BEG01 code");
  const std::string_view type =
      CodeOf(kOrderTypes, o.order_type.empty() ? "standalone" : o.order_type);
  if (type.empty()) return Bad("order_type", "'" + o.order_type + "' has no BEG02 code");
  auto date = X12Date(o.order_date, "order_date", true);
  if (!date.ok()) return date.error();
  out->Add("BEG", {std::string(purpose), std::string(type), o.po_number, "", *date});
  if (!w->currency().empty()) out->Add("CUR", {"BY", w->currency()});
  std::vector<model::Reference> dates;
  for (size_t i = 0; i < o.references.size(); ++i) {
    const auto& r = o.references[i];
    if (r.qualifier.rfind("DTM", 0) == 0 && r.qualifier.size() == 6) {
      dates.push_back(r);
      continue;
    }
    CD_RETURN_IF_ERROR(w->Ref(r, Idx("references", i)));
  }
  CD_RETURN_IF_ERROR(w->Charges(o.charges));
  CD_RETURN_IF_ERROR(w->Terms(o.payment_terms, ""));
  struct D {
    const std::string* v;
    const char* q;
    const char* f;
  };
  for (const D& d : {D{&o.requested_delivery_date, "002", "requested_delivery_date"},
                     D{&o.ship_not_before, "037", "ship_not_before"},
                     D{&o.cancel_after, "001", "cancel_after"}}) {
    auto x = X12Date(*d.v, d.f, false);
    if (!x.ok()) return x.error();
    if (!x->empty()) out->Add("DTM", {d.q, *x});
  }
  for (size_t i = 0; i < dates.size(); ++i) {
    CD_RETURN_IF_ERROR(w->Ref(dates[i], "references"));
  }
  if (!o.ship_via.empty()) {
    const bool scac = o.ship_via.size() >= 2 && o.ship_via.size() <= 4 &&
                      std::all_of(o.ship_via.begin(), o.ship_via.end(),
                                  [](char c) { return c >= 'A' && c <= 'Z'; });
    if (scac) {
      out->Add("TD5", {"", "2", o.ship_via});
    } else {
      CD_RETURN_IF_ERROR(CheckLength(o.ship_via, 35, "ship_via", "TD505"));
      out->Add("TD5", {"", "", "", "", o.ship_via});
    }
  }
  w->Notes(o.note, true);
  CD_RETURN_IF_ERROR(w->Parties(o.parties));
  for (size_t i = 0; i < o.lines.size(); ++i) {
    const auto& l = o.lines[i];
    const std::string f = Idx("lines", i);
    CD_RETURN_IF_ERROR(CheckRequired(l.line_number, f + ".line_number", "PO101", 20));
    CD_RETURN_IF_ERROR(CheckRequired(l.quantity.uom, f + ".quantity.uom", "PO103", 2));
    std::vector<std::string> els = {l.line_number, QuantityText(l.quantity.value), l.quantity.uom,
                                    "", ""};
    if (l.unit_price) {
      CD_RETURN_IF_ERROR(w->Money(*l.unit_price, f + ".unit_price"));
      els[3] = l.unit_price->amount.ToString();
    }
    CD_RETURN_IF_ERROR(w->Ids(l.item, f + ".item", &els));
    out->Add("PO1", std::move(els));
    w->Description(l.item);
    for (size_t r = 0; r < l.references.size(); ++r) {
      CD_RETURN_IF_ERROR(w->Ref(l.references[r], Idx(f + ".references", r)));
    }
    auto rd = X12Date(l.requested_date, f + ".requested_date", false);
    if (!rd.ok()) return rd.error();
    if (!rd->empty()) out->Add("DTM", {"002", *rd});
    w->Notes(l.note, false);
  }
  out->Add("CTT", {std::to_string(o.lines.size())});
  return Status::Ok();
}

// 855 -------------------------------------------------------------------------------------

Status Write855(const model::PurchaseOrderAck& a, Out* out, Writer* w) {
  CD_RETURN_IF_ERROR(CheckRequired(a.po_number, "po_number", "BAK03", 22));
  std::string code = a.ack_code;
  if (code.empty()) code = std::string(CodeOf(kAckTypes, a.ack_type));
  if (code.empty()) return Bad("ack_type", "'" + a.ack_type + "' has no BAK02 code");
  auto po_date = X12Date(a.po_date, "po_date", true);
  if (!po_date.ok()) return po_date.error();
  auto ack_date = X12Date(a.ack_date, "ack_date", false);
  if (!ack_date.ok()) return ack_date.error();
  std::string release, request, contract;
  std::vector<std::pair<size_t, const model::Reference*>> refs;
  for (size_t i = 0; i < a.references.size(); ++i) {
    const auto& r = a.references[i];
    if (r.qualifier == "BAK06" && request.empty()) {
      request = r.value;
    } else {
      refs.push_back({i, &r});
    }
  }
  CD_RETURN_IF_ERROR(CheckLength(a.ack_number, 30, "ack_number", "BAK08"));
  out->Add("BAK", {"00", code, a.po_number, *po_date, release, request, contract, a.ack_number,
                   *ack_date});
  if (!w->currency().empty()) out->Add("CUR", {"SE", w->currency()});
  for (const auto& [i, r] : refs) CD_RETURN_IF_ERROR(w->Ref(*r, Idx("references", i)));
  CD_RETURN_IF_ERROR(w->Parties(a.parties));
  for (size_t i = 0; i < a.lines.size(); ++i) {
    const auto& l = a.lines[i];
    const std::string f = Idx("lines", i);
    CD_RETURN_IF_ERROR(CheckRequired(l.line_number, f + ".line_number", "PO101", 20));
    CD_RETURN_IF_ERROR(CheckRequired(l.ordered.uom, f + ".ordered.uom", "PO103", 2));
    std::vector<std::string> els = {l.line_number, QuantityText(l.ordered.value), l.ordered.uom, "",
                                    ""};
    if (l.unit_price) {
      CD_RETURN_IF_ERROR(w->Money(*l.unit_price, f + ".unit_price"));
      els[3] = l.unit_price->amount.ToString();
    }
    CD_RETURN_IF_ERROR(w->Ids(l.item, f + ".item", &els));
    out->Add("PO1", std::move(els));
    w->Description(l.item);
    for (size_t d = 0; d < l.details.size(); ++d) {
      const auto& det = l.details[d];
      const std::string df = Idx(f + ".details", d);
      std::string c = det.code;
      if (c.empty()) c = std::string(CodeOf(kLineStatuses, det.status));
      if (c.empty()) return Bad(df + ".status", "'" + det.status + "' has no ACK01 code");
      CD_RETURN_IF_ERROR(CheckRequired(det.quantity.uom, df + ".quantity.uom", "ACK03", 2));
      auto dd = X12Date(det.date, df + ".date", false);
      if (!dd.ok()) return dd.error();
      out->Add("ACK", {c, QuantityText(det.quantity.value), det.quantity.uom,
                       dd->empty() ? "" : "068", *dd});
    }
  }
  out->Add("CTT", {std::to_string(a.lines.size())});
  return Status::Ok();
}

// 856 -------------------------------------------------------------------------------------

Status Write856(const model::Shipment& sh, Out* out, Writer* w) {
  CD_RETURN_IF_ERROR(CheckRequired(sh.shipment_id, "shipment_id", "BSN02", 30));
  const std::string_view purpose =
      CodeOf(kShipmentPurposes, sh.purpose.empty() ? "original" : sh.purpose);
  if (purpose.empty()) return Bad("purpose", "'" + sh.purpose + "' has no BSN01 code");
  auto date = X12Date(sh.ship_date, "ship_date", true);
  if (!date.ok()) return date.error();
  auto time = X12Time(sh.ship_time, "ship_time");
  if (!time.ok()) return time.error();
  bool any_pack = false;
  for (const auto& o : sh.orders) any_pack |= !o.packs.empty();
  out->Add("BSN", {std::string(purpose), sh.shipment_id, *date,
                   time->empty() ? "0000" : time->substr(0, std::min<size_t>(6, time->size())),
                   any_pack ? "0001" : "0004"});
  out->Add("DTM", {"011", *date, *time});
  auto exp = X12Date(sh.expected_delivery_date, "expected_delivery_date", false);
  if (!exp.ok()) return exp.error();
  if (!exp->empty()) out->Add("DTM", {"017", *exp});

  int hl = 0;
  out->Add("HL", {std::to_string(++hl), "", "S"});
  const int s_hl = hl;
  if (!sh.package_count.empty() || sh.gross_weight) {
    if (!sh.package_count.empty() && !AllDigits(sh.package_count)) {
      return Bad("package_count", "'" + sh.package_count + "' is not a whole number (TD102)");
    }
    bool pallets = any_pack;
    for (const auto& o : sh.orders) {
      for (const auto& p : o.packs) pallets &= !p.parent_sscc.empty() || p.level == "tare";
    }
    std::vector<std::string> els(8);
    if (!sh.package_count.empty()) {
      els[0] = pallets ? "PLT94" : "CTN25";
      els[1] = sh.package_count;
    }
    if (sh.gross_weight) {
      CD_RETURN_IF_ERROR(CheckRequired(sh.gross_weight->uom, "gross_weight.uom", "TD108", 2));
      els[5] = "G";
      els[6] = sh.gross_weight->value.ToString();
      els[7] = sh.gross_weight->uom;
    }
    out->Add("TD1", std::move(els));
  }
  if (!sh.carrier_scac.empty() || !sh.transport_mode.empty()) {
    CD_RETURN_IF_ERROR(CheckLength(sh.carrier_scac, 4, "carrier_scac", "TD503 (SCAC)"));
    CD_RETURN_IF_ERROR(CheckLength(sh.transport_mode, 2, "transport_mode", "TD504"));
    out->Add("TD5", {"", sh.carrier_scac.empty() ? "" : "2", sh.carrier_scac, sh.transport_mode});
  }
  if (!sh.bill_of_lading.empty())
    CD_RETURN_IF_ERROR(w->Ref({"BM", sh.bill_of_lading}, "bill_of_lading"));
  if (!sh.tracking_number.empty())
    CD_RETURN_IF_ERROR(w->Ref({"CN", sh.tracking_number}, "tracking_number"));
  for (size_t i = 0; i < sh.references.size(); ++i) {
    CD_RETURN_IF_ERROR(w->Ref(sh.references[i], Idx("references", i)));
  }
  CD_RETURN_IF_ERROR(w->Parties(sh.parties));

  auto item = [&](const model::ShipmentItem& it, int parent, const std::string& f) -> Status {
    out->Add("HL", {std::to_string(++hl), std::to_string(parent), "I"});
    std::vector<std::string> els = {it.line_number};
    CD_RETURN_IF_ERROR(w->Ids(it.item, f + ".item", &els));
    if (!it.lot.empty()) {
      els.push_back("LT");
      els.push_back(it.lot);
    }
    if (!it.serial.empty()) {
      els.push_back("SN");
      els.push_back(it.serial);
    }
    if (els.size() < 3) return Bad(f + ".item", "the item has no identifier to write in LIN");
    out->Add("LIN", std::move(els));
    CD_RETURN_IF_ERROR(CheckRequired(it.quantity.uom, f + ".quantity.uom", "SN103", 2));
    out->Add("SN1", {"", QuantityText(it.quantity.value), it.quantity.uom});
    w->Description(it.item);
    return Status::Ok();
  };

  for (size_t oi = 0; oi < sh.orders.size(); ++oi) {
    const auto& o = sh.orders[oi];
    const std::string of = Idx("orders", oi);
    CD_RETURN_IF_ERROR(CheckRequired(o.po_number, of + ".po_number", "PRF01", 22));
    out->Add("HL", {std::to_string(++hl), std::to_string(s_hl), "O"});
    const int o_hl = hl;
    auto od = X12Date(o.order_date, of + ".order_date", false);
    if (!od.ok()) return od.error();
    out->Add("PRF", {o.po_number, "", "", *od});
    // Packs depth-first: top-level packs in order, each followed by the packs on it.
    std::vector<bool> written(o.packs.size(), false);
    std::function<Status(size_t, int)> pack = [&](size_t pi, int parent) -> Status {
      const auto& p = o.packs[pi];
      const std::string pf = Idx(of + ".packs", pi);
      written[pi] = true;
      if (p.level != "tare" && p.level != "pack") {
        return Bad(pf + ".level", "must be tare or pack");
      }
      out->Add("HL", {std::to_string(++hl), std::to_string(parent), p.level == "tare" ? "T" : "P"});
      const int p_hl = hl;
      if (p.weight) {
        CD_RETURN_IF_ERROR(CheckRequired(p.weight->uom, pf + ".weight.uom", "TD108", 2));
        out->Add("TD1", {"", "", "", "", "", "G", p.weight->value.ToString(), p.weight->uom});
      }
      if (!p.sscc.empty()) {
        if (!IsSscc(p.sscc) || !GoodCheckDigit(p.sscc)) {
          return Bad(pf + ".sscc", "'" + p.sscc +
                                       "' is not an 18-digit SSCC with a valid check "
                                       "digit");
        }
        out->Add("MAN", {"GM", "00" + p.sscc});
      }
      for (size_t ii = 0; ii < p.items.size(); ++ii) {
        CD_RETURN_IF_ERROR(item(p.items[ii], p_hl, Idx(pf + ".items", ii)));
      }
      for (size_t ci = 0; ci < o.packs.size(); ++ci) {
        if (ci != pi && !written[ci] && !p.sscc.empty() && o.packs[ci].parent_sscc == p.sscc) {
          CD_RETURN_IF_ERROR(pack(ci, p_hl));
        }
      }
      return Status::Ok();
    };
    for (size_t pi = 0; pi < o.packs.size(); ++pi) {
      const auto& p = o.packs[pi];
      if (written[pi]) continue;
      if (!p.parent_sscc.empty()) {
        bool found = false;
        for (size_t ci = 0; ci < o.packs.size(); ++ci) found |= o.packs[ci].sscc == p.parent_sscc;
        if (!found) {
          return Bad(Idx(of + ".packs", pi) + ".parent_sscc",
                     "'" + p.parent_sscc + "' names no pack of the same order");
        }
        continue;  // written under its parent
      }
      CD_RETURN_IF_ERROR(pack(pi, o_hl));
    }
    for (size_t pi = 0; pi < o.packs.size(); ++pi) {
      if (!written[pi]) {
        return Bad(Idx(of + ".packs", pi) + ".parent_sscc",
                   "the packs' parent_sscc links form a cycle");
      }
    }
    for (size_t ii = 0; ii < o.items.size(); ++ii) {
      CD_RETURN_IF_ERROR(item(o.items[ii], o_hl, Idx(of + ".items", ii)));
    }
  }
  out->Add("CTT", {std::to_string(hl)});
  return Status::Ok();
}

// 810 -------------------------------------------------------------------------------------

Status Write810(const model::Invoice& v, Out* out, Writer* w) {
  auto date = X12Date(v.invoice_date, "invoice_date", true);
  if (!date.ok()) return date.error();
  CD_RETURN_IF_ERROR(CheckRequired(v.invoice_number, "invoice_number", "BIG02", 22));
  auto po_date = X12Date(v.po_date, "po_date", false);
  if (!po_date.ok()) return po_date.error();
  CD_RETURN_IF_ERROR(CheckLength(v.po_number, 22, "po_number", "BIG04"));
  std::string type;
  if (v.invoice_type == "credit_memo") type = "CR";
  if (v.invoice_type == "debit_memo") type = "DR";
  if (!v.invoice_type.empty() && v.invoice_type != "invoice" && type.empty()) {
    return Bad("invoice_type", "'" + v.invoice_type + "' has no BIG07 code");
  }
  out->Add("BIG", {*date, v.invoice_number, *po_date, v.po_number, "", "", type});
  if (!w->currency().empty()) out->Add("CUR", {"SE", w->currency()});
  if (!v.shipment_id.empty()) CD_RETURN_IF_ERROR(w->Ref({"SI", v.shipment_id}, "shipment_id"));
  for (size_t i = 0; i < v.references.size(); ++i) {
    CD_RETURN_IF_ERROR(w->Ref(v.references[i], Idx("references", i)));
  }
  CD_RETURN_IF_ERROR(w->Parties(v.parties));
  CD_RETURN_IF_ERROR(w->Terms(v.payment_terms, v.due_date));
  for (size_t i = 0; i < v.lines.size(); ++i) {
    const auto& l = v.lines[i];
    const std::string f = Idx("lines", i);
    CD_RETURN_IF_ERROR(CheckRequired(l.line_number, f + ".line_number", "IT101", 20));
    CD_RETURN_IF_ERROR(CheckRequired(l.quantity.uom, f + ".quantity.uom", "IT103", 2));
    CD_RETURN_IF_ERROR(w->Money(l.unit_price, f + ".unit_price"));
    if (l.amount) {
      CD_RETURN_IF_ERROR(w->Money(*l.amount, f + ".amount"));
      auto ext = l.quantity.value.Mul(l.unit_price.amount);
      if (!ext.ok() || *ext != l.amount->amount) {
        return Bad(f + ".amount",
                   "'" + l.amount->amount.ToString() +
                       "' is not quantity x unit price; IT1 cannot carry an extended amount");
      }
    }
    std::vector<std::string> els = {l.line_number, QuantityText(l.quantity.value), l.quantity.uom,
                                    l.unit_price.amount.ToString(), ""};
    CD_RETURN_IF_ERROR(w->Ids(l.item, f + ".item", &els));
    if (!l.po_line_number.empty()) {
      els.push_back("PL");
      els.push_back(l.po_line_number);
    }
    out->Add("IT1", std::move(els));
    w->Description(l.item);
  }
  if (!v.total) return Bad("total", "required: TDS01 (the total invoice amount) is mandatory");
  CD_RETURN_IF_ERROR(w->Money(*v.total, "total"));
  Status st;
  const std::string total = N2Digits(v.total->amount, &st, "total.amount");
  CD_RETURN_IF_ERROR(st);
  out->Add("TDS", {total});
  if (v.tax) {
    CD_RETURN_IF_ERROR(w->Money(*v.tax, "tax"));
    out->Add("TXI", {"TX", v.tax->amount.ToString()});
  }
  CD_RETURN_IF_ERROR(w->Charges(v.charges));
  out->Add("CTT", {std::to_string(v.lines.size())});
  return Status::Ok();
}

// 846 -------------------------------------------------------------------------------------

Status Write846(const model::InventoryAdvice& ia, Out* out, Writer* w, const X12MapOptions& opts) {
  CD_RETURN_IF_ERROR(CheckRequired(ia.advice_id, "advice_id", "BIA03", 30));
  // as_of: a date, or an instant (converted to UTC).
  std::string date, time;
  {
    const std::string& t = ia.as_of;
    if (t.size() < 10) return Bad("as_of", "required: a date or an ISO 8601 instant");
    auto d = X12Date(t.substr(0, 10), "as_of", true);
    if (!d.ok()) return d.error();
    date = *d;
    if (t.size() > 10) {
      if (t[10] != 'T' || t.size() < 16)
        return Bad("as_of", "not an ISO 8601 instant: '" + t + "'");
      size_t zone = t.find_first_of("Z+-", 11);
      std::string clock = t.substr(11, zone == std::string::npos ? std::string::npos : zone - 11);
      std::string frac;
      if (clock.size() > 8 && clock[8] == '.') {
        frac = clock.substr(9, 2);
        clock = clock.substr(0, 8);
      }
      if (clock.size() == 5) clock += ":00";
      auto hm = X12Time(clock, "as_of");
      if (!hm.ok()) return hm.error();
      int h = Num(hm->substr(0, 2)), m = Num(hm->substr(2, 2));
      const std::string sec = hm->substr(4, 2);
      if (zone != std::string::npos && t[zone] != 'Z') {
        const std::string off = t.substr(zone + 1);
        if (off.size() != 5 || off[2] != ':' || !AllDigits(off.substr(0, 2)) ||
            !AllDigits(off.substr(3, 2))) {
          return Bad("as_of", "not an ISO 8601 offset: '" + t + "'");
        }
        const int sign = t[zone] == '+' ? 1 : -1;
        int minutes = h * 60 + m - sign * (Num(off.substr(0, 2)) * 60 + Num(off.substr(3, 2)));
        int64_t days =
            DaysFromCivil(Num(date.substr(0, 4)), Num(date.substr(4, 2)), Num(date.substr(6, 2)));
        while (minutes < 0) {
          minutes += 1440;
          --days;
        }
        while (minutes >= 1440) {
          minutes -= 1440;
          ++days;
        }
        int y, mo, d2;
        CivilFromDays(days, &y, &mo, &d2);
        date = Pad(y, 4) + Pad(mo, 2) + Pad(d2, 2);
        h = minutes / 60;
        m = minutes % 60;
      }
      time = Pad(h, 2) + Pad(m, 2);
      if (sec != "00" || !frac.empty()) time += sec + frac;
    }
  }
  std::string action;
  if (ia.kind == "delta") action = "2";
  CD_RETURN_IF_ERROR(
      CheckRequired(opts.inventory_report_type, "inventory_report_type", "BIA02", 2));
  out->Add("BIA", {"00", opts.inventory_report_type, ia.advice_id, date, time, action});
  CD_RETURN_IF_ERROR(w->Parties(ia.parties));
  for (size_t i = 0; i < ia.lines.size(); ++i) {
    const auto& l = ia.lines[i];
    const std::string f = Idx("lines", i);
    std::vector<std::string> els = {""};
    CD_RETURN_IF_ERROR(w->Ids(l.item, f + ".item", &els));
    if (els.size() < 3) return Bad(f + ".item", "the item has no identifier to write in LIN");
    out->Add("LIN", std::move(els));
    w->Description(l.item);
    struct Q {
      const std::optional<model::Quantity>* q;
      const char* code;
      const char* name;
    };
    for (const Q& q : {Q{&l.on_hand, "17", "on_hand"}, Q{&l.available, "33", "available"},
                       Q{&l.on_order, "63", "on_order"}, Q{&l.committed, "27", "committed"}}) {
      if (!*q.q) continue;
      const auto& v = **q.q;
      CD_RETURN_IF_ERROR(CheckRequired(v.uom, f + "." + q.name + ".uom", "QTY03", 2));
      out->Add("QTY", {q.code, QuantityText(v.value), v.uom});
      if (std::string_view(q.name) == "available" && !l.available_date.empty()) {
        auto d = X12Date(l.available_date, f + ".available_date", true);
        if (!d.ok()) return d.error();
        out->Add("SCH", {QuantityText(v.value), v.uom, "", "", "018", *d});
      }
    }
    if (!l.available_date.empty() && !l.available) {
      return Bad(f + ".available_date", "a date without an available quantity");
    }
    if (!l.location.empty()) {
      CD_RETURN_IF_ERROR(CheckLength(l.location, 80, f + ".location", "N104"));
      out->Add("N1", {"WH", "", "92", l.location});
    }
  }
  out->Add("CTT", {std::to_string(ia.lines.size())});
  return Status::Ok();
}

// The document's one currency: its own field, else the amounts', else the default.
template <typename T>
std::string DocCurrency(const T& doc, const X12MapOptions& opts) {
  std::string c;
  if constexpr (std::is_same_v<T, model::Order> || std::is_same_v<T, model::Invoice>) {
    c = doc.currency;
  }
  auto take = [&](const std::optional<model::Money>& m) {
    if (c.empty() && m) c = m->currency;
  };
  if constexpr (std::is_same_v<T, model::Order>) {
    for (const auto& l : doc.lines) take(l.unit_price);
    for (const auto& ch : doc.charges) take(ch.amount);
  } else if constexpr (std::is_same_v<T, model::PurchaseOrderAck>) {
    for (const auto& l : doc.lines) take(l.unit_price);
  } else if constexpr (std::is_same_v<T, model::Invoice>) {
    for (const auto& l : doc.lines) take(l.unit_price);
    take(doc.total);
  }
  if (c.empty()) c = opts.currency;
  return c;
}

}  // namespace

std::string_view IssueSeverityName(IssueSeverity s) {
  switch (s) {
    case IssueSeverity::kInfo:
      return "info";
    case IssueSeverity::kWarning:
      return "warning";
    case IssueSeverity::kError:
      return "error";
  }
  return "error";
}

X12SetContext ContextFor(const x12::Interchange& interchange, const x12::FunctionalGroup& group) {
  X12SetContext c;
  c.delimiters = interchange.delimiters;
  c.group_date = group.gs[4];
  return c;
}

// 940 -------------------------------------------------------------------------------------
// A release to the warehouse: what to pick and ship, not what it costs. Prices, currency,
// charges and payment terms are not written (a 940 carries none).

// Places item id pairs (from Writer::Ids) at the element positions of their qualifiers.
Status PlaceIds(const std::vector<std::string>& pairs, std::initializer_list<size_t> at,
                const std::string& field, std::string_view seg, std::vector<std::string>* els) {
  size_t n = 0;
  for (size_t pos : at) {
    if (2 * n >= pairs.size()) break;
    if (els->size() < pos + 1) els->resize(pos + 1);
    (*els)[pos - 1] = pairs[2 * n];
    (*els)[pos] = pairs[2 * n + 1];
    ++n;
  }
  if (2 * n < pairs.size()) {
    return Bad(field, "the item has " + std::to_string(pairs.size() / 2) + " identifiers; " +
                          std::string(seg) + " has places for " + std::to_string(at.size()));
  }
  return Status::Ok();
}

// The customer's PO (the first reference with qualifier PO) goes to its own element (W05-03,
// W06-06); the other references are written as N9s.
using RefList = std::vector<std::pair<size_t, const model::Reference*>>;
Status SplitCustomerPo(const std::vector<model::Reference>& refs, std::string_view element,
                       std::string* po, RefList* rest) {
  for (size_t i = 0; i < refs.size(); ++i) {
    const auto& r = refs[i];
    if (r.qualifier == "PO" && po->empty()) {
      CD_RETURN_IF_ERROR(CheckLength(r.value, 22, Idx("references", i) + ".value", element));
      *po = r.value;
    } else {
      rest->push_back({i, &r});
    }
  }
  return Status::Ok();
}

Status Write940(const model::Order& o, Out* out, Writer* w) {
  CD_RETURN_IF_ERROR(CheckRequired(o.po_number, "po_number", "W0502", 22));
  const std::string_view status =
      CodeOf(kWarehouseOrderStatus, o.purpose.empty() ? "original" : o.purpose);
  if (status.empty()) return Bad("purpose", "'" + o.purpose + "' has no W0501 code");
  std::string customer_po;
  RefList refs;
  CD_RETURN_IF_ERROR(SplitCustomerPo(o.references, "W0503", &customer_po, &refs));
  out->Add("W05", {std::string(status), o.po_number, customer_po});
  CD_RETURN_IF_ERROR(w->Parties(o.parties));
  for (const auto& [i, r] : refs)
    CD_RETURN_IF_ERROR(RefSegment("N9", *r, Idx("references", i), out));
  for (const auto& [code, name] : kWarehouseOrderDates) {
    const std::string& iso = name == "order_date"                ? o.order_date
                             : name == "requested_delivery_date" ? o.requested_delivery_date
                             : name == "ship_not_before"         ? o.ship_not_before
                                                                 : o.cancel_after;
    auto d = X12Date(iso, std::string(name), false);
    if (!d.ok()) return d.error();
    if (!d->empty()) out->Add("G62", {std::string(code), *d});
  }
  for (const auto& c : Chunks(o.note, 80)) out->Add("NTE", {"WHI", c});
  if (!o.ship_via.empty()) {
    // W6601 DF (defined by buyer and seller), W6602 ZZ (mutually defined): the order names
    // the carrier, not how it is paid or moved. A SCAC goes to W6610, anything else to the
    // routing (W6605).
    const bool scac = o.ship_via.size() >= 2 && o.ship_via.size() <= 4 &&
                      std::all_of(o.ship_via.begin(), o.ship_via.end(), [](char c) {
                        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                      });
    CD_RETURN_IF_ERROR(CheckLength(o.ship_via, 35, "ship_via", "W6605 (routing)"));
    std::vector<std::string> els = {"DF", "ZZ", "", "", scac ? "" : o.ship_via};
    if (scac) els.insert(els.end(), {"", "", "", "", o.ship_via});
    out->Add("W66", std::move(els));
  }
  Decimal total;
  for (size_t i = 0; i < o.lines.size(); ++i) {
    const auto& l = o.lines[i];
    const std::string f = Idx("lines", i);
    CD_RETURN_IF_ERROR(CheckRequired(l.line_number, f + ".line_number", "N902 (LI)", 30));
    CD_RETURN_IF_ERROR(CheckRequired(l.quantity.uom, f + ".quantity.uom", "W0102", 2));
    out->Add("LX", {std::to_string(i + 1)});
    std::vector<std::string> pairs;
    CD_RETURN_IF_ERROR(w->Ids(l.item, f + ".item", &pairs));
    if (pairs.empty()) return Bad(f + ".item", "the item has no identifier to write in W01");
    std::vector<std::string> els = {QuantityText(l.quantity.value), l.quantity.uom};
    CD_RETURN_IF_ERROR(PlaceIds(pairs, {4, 6, 15}, f + ".item", "W01", &els));
    out->Add("W01", std::move(els));
    for (const auto& c : Chunks(l.item.description, 45)) out->Add("G69", {c});
    out->Add("N9", {"LI", l.line_number});
    for (size_t r = 0; r < l.references.size(); ++r) {
      CD_RETURN_IF_ERROR(RefSegment("N9", l.references[r], Idx(f + ".references", r), out));
    }
    for (const auto& c : Chunks(l.note, 80)) out->Add("NTE", {"LIN", c});
    auto rd = X12Date(l.requested_date, f + ".requested_date", false);
    if (!rd.ok()) return rd.error();
    if (!rd->empty()) out->Add("G62", {"02", *rd});
    auto sum = total.Add(l.quantity.value);
    if (!sum.ok()) return Bad(f + ".quantity.value", sum.error().message());
    total = *sum;
  }
  out->Add("W76", {QuantityText(total)});
  return Status::Ok();
}

// 945 -------------------------------------------------------------------------------------
// The warehouse's confirmation of one order's shipment: items per carton (MAN, SSCC-18) or
// loose. Pallet levels, pack weights and cartons on pallets need an 856.

Status Write945(const model::Shipment& sh, Out* out, Writer* w) {
  if (sh.orders.size() != 1) {
    return Bad("orders", "a 945 confirms exactly one order; this shipment names " +
                             std::to_string(sh.orders.size()));
  }
  const model::ShipmentOrder& o = sh.orders[0];
  CD_RETURN_IF_ERROR(CheckRequired(o.po_number, "orders[0].po_number", "W0602", 22));
  CD_RETURN_IF_ERROR(CheckRequired(sh.shipment_id, "shipment_id", "W0604", 30));
  auto date = X12Date(sh.ship_date, "ship_date", true);
  if (!date.ok()) return date.error();
  auto time = X12Time(sh.ship_time, "ship_time");
  if (!time.ok()) return time.error();
  if (sh.parties.empty()) {
    return Bad("parties", "a 945 names at least one party (N1), e.g. the ship-from warehouse");
  }
  std::string customer_po;
  RefList refs;
  CD_RETURN_IF_ERROR(SplitCustomerPo(sh.references, "W0606", &customer_po, &refs));
  out->Add("W06", {"F", o.po_number, *date, sh.shipment_id, "", customer_po});
  CD_RETURN_IF_ERROR(w->Parties(sh.parties));
  if (!sh.bill_of_lading.empty()) {
    CD_RETURN_IF_ERROR(RefSegment("N9", {"BM", sh.bill_of_lading}, "bill_of_lading", out));
  }
  if (!sh.tracking_number.empty()) {
    CD_RETURN_IF_ERROR(RefSegment("N9", {"CN", sh.tracking_number}, "tracking_number", out));
  }
  for (const auto& [i, r] : refs)
    CD_RETURN_IF_ERROR(RefSegment("N9", *r, Idx("references", i), out));
  if (!time->empty()) out->Add("G62", {"11", *date, "8", *time});
  auto exp = X12Date(sh.expected_delivery_date, "expected_delivery_date", false);
  if (!exp.ok()) return exp.error();
  if (!exp->empty()) out->Add("G62", {"17", *exp});
  if (!sh.carrier_scac.empty() || !sh.transport_mode.empty()) {
    CD_RETURN_IF_ERROR(CheckRequired(sh.transport_mode, "transport_mode", "W2701", 2));
    CD_RETURN_IF_ERROR(CheckLength(sh.carrier_scac, 4, "carrier_scac", "W2702 (SCAC)"));
    out->Add("W27", {sh.transport_mode, sh.carrier_scac});
  }
  Decimal total;
  int lx = 0;
  auto items = [&](const std::vector<model::ShipmentItem>& its, const std::string& base) -> Status {
    for (size_t i = 0; i < its.size(); ++i) {
      const auto& it = its[i];
      const std::string f = Idx(base, i);
      CD_RETURN_IF_ERROR(CheckRequired(it.line_number, f + ".line_number", "N902 (LI)", 30));
      CD_RETURN_IF_ERROR(CheckRequired(it.quantity.uom, f + ".quantity.uom", "W1205", 2));
      CD_RETURN_IF_ERROR(CheckLength(it.lot, 12, f + ".lot", "W1209 (warehouse lot number)"));
      std::vector<std::string> pairs;
      CD_RETURN_IF_ERROR(w->Ids(it.item, f + ".item", &pairs));
      if (pairs.empty()) return Bad(f + ".item", "the item has no identifier to write in W12");
      std::vector<std::string> els = {"", "", QuantityText(it.quantity.value), "", it.quantity.uom};
      CD_RETURN_IF_ERROR(PlaceIds(pairs, {7, 13}, f + ".item", "W12", &els));
      if (!it.lot.empty()) {
        if (els.size() < 9) els.resize(9);
        els[8] = it.lot;
      }
      out->Add("W12", std::move(els));
      for (const auto& c : Chunks(it.item.description, 45)) out->Add("G69", {c});
      out->Add("N9", {"LI", it.line_number});
      if (!it.serial.empty())
        CD_RETURN_IF_ERROR(RefSegment("N9", {"SE", it.serial}, f + ".serial", out));
      auto sum = total.Add(it.quantity.value);
      if (!sum.ok()) return Bad(f + ".quantity.value", sum.error().message());
      total = *sum;
    }
    return Status::Ok();
  };
  if (!o.items.empty()) {
    out->Add("LX", {std::to_string(++lx)});
    CD_RETURN_IF_ERROR(items(o.items, "orders[0].items"));
  }
  for (size_t p = 0; p < o.packs.size(); ++p) {
    const auto& pk = o.packs[p];
    const std::string f = Idx("orders[0].packs", p);
    if (!pk.parent_sscc.empty() || pk.weight || (!pk.level.empty() && pk.level != "pack")) {
      return Bad(f,
                 "pallets, cartons on pallets and pack weights need an 856; a 945 lists "
                 "cartons (MAN) and their items");
    }
    if (!IsSscc(pk.sscc)) return Bad(f + ".sscc", "'" + pk.sscc + "' is not an 18-digit SSCC");
    out->Add("LX", {std::to_string(++lx)});
    out->Add("MAN", {"GM", pk.sscc});
    CD_RETURN_IF_ERROR(items(pk.items, f + ".items"));
  }
  std::vector<std::string> w03 = {QuantityText(total)};
  if (sh.gross_weight) {
    const std::string_view unit = CodeOf(kWeightUnits, sh.gross_weight->uom);
    if (unit.empty()) {
      return Bad("gross_weight.uom",
                 "'" + sh.gross_weight->uom + "' is not LB or KG (W0303 weight unit L or K)");
    }
    w03.push_back(sh.gross_weight->value.ToString());
    w03.push_back(std::string(unit));
  }
  if (!sh.package_count.empty()) {
    if (!AllDigits(sh.package_count)) {
      return Bad("package_count", "'" + sh.package_count + "' is not a whole number (W0306)");
    }
    w03.resize(6);
    w03[5] = sh.package_count;
  }
  out->Add("W03", std::move(w03));
  return Status::Ok();
}

std::vector<DocumentType> TypesForSet(std::string_view set_id) {
  if (set_id == "850") return {DocumentType::kPurchaseOrder, DocumentType::kSalesOrder};
  if (set_id == "855") return {DocumentType::kPurchaseOrderAck};
  if (set_id == "856") return {DocumentType::kShipment};
  if (set_id == "810") return {DocumentType::kInvoice};
  if (set_id == "846") return {DocumentType::kInventoryAdvice};
  if (set_id == "940") return {DocumentType::kSalesOrder};
  if (set_id == "945") return {DocumentType::kShipment};
  return {};
}

Result<X12Mapped> FromX12(const x12::SetView& set, const X12SetContext& context, DocumentType type,
                          const X12MapOptions& opts) {
  if (set.size() == 0) return Error(Code::kInvalidArgument, "the transaction set is empty");
  const SegmentView st = set.segment(0);
  if (st.tag() != "ST") {
    return Error(Code::kInvalidArgument,
                 "a transaction set starts with ST, not " + std::string(st.tag()));
  }
  const std::string set_id = Trimmed(st.element(1));
  const auto types = TypesForSet(set_id);
  if (std::find(types.begin(), types.end(), type) == types.end()) {
    return Error(Code::kInvalidArgument,
                 "a " + set_id + " transaction set does not map to " +
                     std::string(model::DocumentTypeName(type)),
                 "ST01");
  }
  auto kind = ResolveKind(opts, set_id, /*inbound=*/true);
  if (!kind.ok()) return kind.error();
  In in(set, context, opts, *kind, type);
  X12Mapped out;
  out.doc.type = type;
  if (set_id == "850") {
    out.doc.doc = Map850(in);
  } else if (set_id == "855") {
    out.doc.doc = Map855(in);
  } else if (set_id == "856") {
    out.doc.doc = Map856(in);
  } else if (set_id == "810") {
    out.doc.doc = Map810(in);
  } else if (set_id == "940") {
    out.doc.doc = Map940(in);
  } else if (set_id == "945") {
    out.doc.doc = Map945(in);
  } else {
    out.doc.doc = Map846(in);
  }
  out.issues = std::move(in.issues());
  return out;
}

Result<X12Mapped> FromX12(const x12::SetView& set, const x12::Delimiters& delims, DocumentType type,
                          const X12MapOptions& opts) {
  X12SetContext c;
  c.delimiters = delims;
  return FromX12(set, c, type, opts);
}

Result<std::vector<OutSegment>> ToX12(const model::CanonicalDocument& doc, std::string_view set_id,
                                      std::string_view version, const X12MapOptions& opts) {
  if (version.size() < 6 ||
      (version.substr(0, 6) != "004010" && version.substr(0, 6) != "005010")) {
    return Error(Code::kUnsupported,
                 "X12 version '" + std::string(version) + "' is not supported (004010, 005010)",
                 "version");
  }
  const auto types = TypesForSet(set_id);
  if (std::find(types.begin(), types.end(), doc.type) == types.end()) {
    return Error(Code::kInvalidArgument, "a " + std::string(model::DocumentTypeName(doc.type)) +
                                             " cannot be written as X12 " + std::string(set_id));
  }
  auto kind = ResolveKind(opts, set_id, /*inbound=*/false);
  if (!kind.ok()) return kind.error();
  Out out(version);
  Status st;
  if (set_id == "850") {
    const auto& o = std::get<model::Order>(doc.doc);
    Writer w(&out, *kind, DocCurrency(o, opts));
    st = Write850(o, &out, &w);
  } else if (set_id == "855") {
    const auto& a = std::get<model::PurchaseOrderAck>(doc.doc);
    Writer w(&out, *kind, DocCurrency(a, opts));
    st = Write855(a, &out, &w);
  } else if (set_id == "856") {
    Writer w(&out, *kind, "");
    st = Write856(std::get<model::Shipment>(doc.doc), &out, &w);
  } else if (set_id == "810") {
    const auto& v = std::get<model::Invoice>(doc.doc);
    Writer w(&out, *kind, DocCurrency(v, opts));
    st = Write810(v, &out, &w);
  } else if (set_id == "940") {
    Writer w(&out, *kind, "");
    st = Write940(std::get<model::Order>(doc.doc), &out, &w);
  } else if (set_id == "945") {
    Writer w(&out, *kind, "");
    st = Write945(std::get<model::Shipment>(doc.doc), &out, &w);
  } else {
    Writer w(&out, *kind, "");
    st = Write846(std::get<model::InventoryAdvice>(doc.doc), &out, &w, opts);
  }
  if (!st.ok()) return st.error();
  return std::move(out.segs);
}

}  // namespace crossdock::mapping
