#include "edi/x12/writer.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "edi/x12/document.hpp"

namespace crossdock::x12 {

Result<int64_t> InMemoryControlNumbers::Next(std::string_view partner, std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(std::string(partner), std::string(kind));
  auto it = next_.find(key);
  if (it == next_.end()) it = next_.emplace(key, 1).first;
  return it->second++;
}

void InMemoryControlNumbers::Set(std::string_view partner, std::string_view kind, int64_t next) {
  std::lock_guard<std::mutex> lock(mu_);
  next_[std::make_pair(std::string(partner), std::string(kind))] = next;
}

namespace {

std::string TrimRight(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && s[e - 1] == ' ') --e;
  return std::string(s.substr(0, e));
}

struct Stamp {
  std::string yymmdd, ccyymmdd, hhmm;
};

Stamp Now(const Clock* clock) {
  const Clock& c = clock ? *clock : Clock::System();
  auto ms = ToUnixMillis(c.Now());
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  Stamp s;
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  s.ccyymmdd = buf;
  s.yymmdd = s.ccyymmdd.substr(2);
  std::snprintf(buf, sizeof buf, "%02d%02d", tm.tm_hour, tm.tm_min);
  s.hhmm = buf;
  return s;
}

class Out {
 public:
  explicit Out(const WriterOptions& o) : o_(o), d_(o.delimiters) {}

  // Appends one element value, mapping the marks; refuses delimiter characters.
  Status Value(std::string_view v, std::string_view where) {
    for (char c : v) {
      if (c == kComponentMark) {
        buf_.push_back(d_.component);
      } else if (c == kRepetitionMark) {
        if (d_.repetition == 0) {
          return Error(Code::kInvalidArgument,
                       "repeated element but the interchange has no repetition separator",
                       std::string(where));
        }
        buf_.push_back(d_.repetition);
      } else if (c == d_.element || c == d_.segment || c == d_.component ||
                 (d_.repetition != 0 && c == d_.repetition) ||
                 (!d_.suffix.empty() && (c == '\r' || c == '\n'))) {
        return Error(Code::kInvalidArgument, "value contains the delimiter " + DescribeDelimiter(c),
                     std::string(where));
      } else {
        buf_.push_back(c);
      }
    }
    return Status::Ok();
  }

  Status Segment(std::string_view tag, const std::vector<std::string>& elements) {
    size_t n = elements.size();
    if (o_.trim_trailing_empty) {
      while (n > 0 && TrimMarks(elements[n - 1]).empty()) --n;
    }
    if (tag.empty() || tag.size() > 3) {
      return Error(Code::kInvalidArgument, "segment tag must be 2-3 characters", std::string(tag));
    }
    CD_RETURN_IF_ERROR(Value(tag, tag));
    for (size_t i = 0; i < n; ++i) {
      buf_.push_back(d_.element);
      std::string_view v = elements[i];
      if (o_.trim_trailing_empty) v = TrimMarks(v);
      CD_RETURN_IF_ERROR(
          Value(v, std::string(tag) + (i + 1 < 10 ? "0" : "") + std::to_string(i + 1)));
    }
    buf_.push_back(d_.segment);
    buf_ += d_.suffix;
    ++count_;
    return Status::Ok();
  }

  // Drops trailing empty components/repetitions ("EA\x1F\x1F" -> "EA").
  static std::string_view TrimMarks(std::string_view v) {
    while (!v.empty() && (v.back() == kComponentMark || v.back() == kRepetitionMark)) {
      v.remove_suffix(1);
    }
    return v;
  }

  std::string& buf() { return buf_; }
  size_t count() const { return count_; }
  void ResetCount() { count_ = 0; }

 private:
  const WriterOptions& o_;
  const Delimiters& d_;
  std::string buf_;
  size_t count_ = 0;
};

// Pads to `width` characters (a UTF-8 multi-byte character counts once, as readers count it).
Result<std::string> Fixed(std::string_view v, size_t width, const char* field) {
  size_t chars = 0;
  for (char c : v) chars += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
  if (chars > width) {
    return Error(Code::kInvalidArgument, std::string(field) + " '" + std::string(v) +
                                             "' is longer than " + std::to_string(width));
  }
  std::string s(v);
  s.append(width - chars, ' ');
  return s;
}

Result<std::string> Number(ControlNumberSource& numbers, const std::string& partner,
                           const char* kind, int width, int64_t max) {
  auto n = numbers.Next(partner, kind);
  if (!n.ok()) return n.error();
  if (*n < 1 || *n > max) {
    return Error(Code::kResourceExhausted, std::string(kind) + " control number " +
                                               std::to_string(*n) + " is out of range for " +
                                               partner);
  }
  std::string s = std::to_string(*n);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

}  // namespace

Result<WrittenInterchange> WriteInterchange(const OutInterchange& ic, ControlNumberSource& numbers,
                                            const WriterOptions& opts) {
  CD_RETURN_IF_ERROR(CheckDelimiters(opts.delimiters));
  const bool rep_era = ic.version.size() == 5 && ic.version >= "00402";
  // Versions before 00402 have no repetition separator; ISA11 is the standards identifier.
  WriterOptions eff = opts;
  if (!rep_era) eff.delimiters.repetition = 0;
  const Delimiters& d = eff.delimiters;
  std::string partner = opts.partner.empty()
                            ? TrimRight(ic.receiver_qualifier) + ":" + TrimRight(ic.receiver_id)
                            : opts.partner;
  Stamp now = Now(opts.clock);
  WrittenInterchange result;

  std::string isa13 = ic.control;
  if (isa13.empty()) {
    auto n = Number(numbers, partner, "ISA", 9, 999999999);
    if (!n.ok()) return n.error();
    isa13 = *n;
  }
  if (isa13.size() != 9) {
    return Error(Code::kInvalidArgument, "ISA13 must be 9 digits: '" + isa13 + "'");
  }
  result.isa13 = isa13;

  // The ISA is fixed width; build it field by field.
  std::vector<std::string> isa(17);
  struct F {
    int pos;
    const std::string* v;
    size_t width;
    const char* name;
  };
  const std::string date = ic.date.empty() ? now.yymmdd : ic.date;
  const std::string time = ic.time.empty() ? now.hhmm : ic.time;
  const std::string isa11 = rep_era ? std::string(1, d.repetition) : ic.standards_id;
  if (rep_era && d.repetition == 0) {
    return Error(Code::kInvalidArgument,
                 "ISA12 " + ic.version + " needs a repetition separator in the delimiters");
  }
  const std::string isa14 = ic.ack_requested ? "1" : "0";
  const std::string isa15(1, ic.usage);
  const std::string isa16(1, d.component);
  const F fields[] = {{1, &ic.auth_qualifier, 2, "ISA01"},
                      {2, &ic.auth, 10, "ISA02"},
                      {3, &ic.security_qualifier, 2, "ISA03"},
                      {4, &ic.security, 10, "ISA04"},
                      {5, &ic.sender_qualifier, 2, "ISA05"},
                      {6, &ic.sender_id, 15, "ISA06"},
                      {7, &ic.receiver_qualifier, 2, "ISA07"},
                      {8, &ic.receiver_id, 15, "ISA08"},
                      {9, &date, 6, "ISA09"},
                      {10, &time, 4, "ISA10"},
                      {11, &isa11, 1, "ISA11"},
                      {12, &ic.version, 5, "ISA12"},
                      {13, &isa13, 9, "ISA13"},
                      {14, &isa14, 1, "ISA14"},
                      {15, &isa15, 1, "ISA15"},
                      {16, &isa16, 1, "ISA16"}};
  for (const F& f : fields) {
    // ISA11 (from 00402) and ISA16 are separators: one byte, whatever byte it is.
    auto v = f.pos == 16 || (f.pos == 11 && rep_era) ? Result<std::string>(*f.v)
                                                     : Fixed(*f.v, f.width, f.name);
    if (!v.ok()) return v.error();
    if (f.pos != 16 && f.pos != 11) {
      for (char c : *v) {
        if (c == d.element || c == d.segment || c == d.component ||
            (d.repetition != 0 && c == d.repetition)) {
          return Error(Code::kInvalidArgument, std::string(f.name) + " contains a delimiter");
        }
      }
    }
    isa[static_cast<size_t>(f.pos)] = std::move(v).value();
  }
  if (ic.usage != 'P' && ic.usage != 'T' && ic.usage != 'I') {
    return Error(Code::kInvalidArgument, "ISA15 must be P, T or I");
  }

  Out out(eff);
  std::string& b = out.buf();
  b += "ISA";
  for (int i = 1; i <= 16; ++i) {
    b.push_back(d.element);
    b += isa[static_cast<size_t>(i)];
  }
  b.push_back(d.segment);
  b += d.suffix;

  for (const auto& t : ic.ta1) CD_RETURN_IF_ERROR(out.Segment(t.tag, t.elements));

  for (const auto& g : ic.groups) {
    std::string gs06 = g.control;
    if (gs06.empty()) {
      auto n = Number(numbers, partner, "GS", 1, 999999999);
      if (!n.ok()) return n.error();
      gs06 = *n;
    }
    result.gs06.push_back(gs06);
    CD_RETURN_IF_ERROR(out.Segment(
        "GS", {g.functional_id, g.sender, g.receiver, g.date.empty() ? now.ccyymmdd : g.date,
               g.time.empty() ? now.hhmm : g.time, gs06, g.agency, g.version}));
    for (const auto& s : g.sets) {
      std::string st02 = s.control;
      if (st02.empty()) {
        auto n = Number(numbers, partner, "ST", opts.st02_width, 999999999);
        if (!n.ok()) return n.error();
        st02 = *n;
      }
      if (st02.size() < 4 || st02.size() > 9) {
        return Error(Code::kInvalidArgument, "ST02 must be 4 to 9 characters: '" + st02 + "'");
      }
      result.st02.push_back(st02);
      out.ResetCount();
      std::vector<std::string> st = {s.id, st02};
      if (!s.convention.empty()) st.push_back(s.convention);
      CD_RETURN_IF_ERROR(out.Segment("ST", st));
      for (const auto& seg : s.segments) CD_RETURN_IF_ERROR(out.Segment(seg.tag, seg.elements));
      CD_RETURN_IF_ERROR(out.Segment("SE", {std::to_string(out.count() + 1), st02}));
    }
    CD_RETURN_IF_ERROR(out.Segment("GE", {std::to_string(g.sets.size()), gs06}));
  }
  CD_RETURN_IF_ERROR(out.Segment("IEA", {std::to_string(ic.groups.size()), isa13}));
  result.bytes = std::move(b);
  return result;
}

namespace {

std::string Marked(std::string_view v, const Delimiters& d) {
  std::string s(v);
  for (char& c : s) {
    if (c == d.component) {
      c = kComponentMark;
    } else if (d.repetition != 0 && c == d.repetition) {
      c = kRepetitionMark;
    }
  }
  return s;
}

OutSegment ToOut(const SegmentView& seg, const Delimiters& d) {
  OutSegment o;
  o.tag = std::string(seg.tag());
  for (size_t i = 1; i <= seg.size(); ++i) o.elements.push_back(Marked(seg.element(i), d));
  return o;
}

}  // namespace

OutInterchange ToOutInterchange(const Document& doc, const Interchange& ic) {
  OutInterchange o;
  const Delimiters& d = ic.delimiters;
  o.auth_qualifier = ic.isa[1];
  o.auth = TrimRight(ic.isa[2]);
  o.security_qualifier = ic.isa[3];
  o.security = TrimRight(ic.isa[4]);
  o.sender_qualifier = ic.isa[5];
  o.sender_id = TrimRight(ic.isa[6]);
  o.receiver_qualifier = ic.isa[7];
  o.receiver_id = TrimRight(ic.isa[8]);
  o.date = ic.isa[9];
  o.time = ic.isa[10];
  o.standards_id = ic.isa[11];
  o.version = ic.isa[12];
  o.control = ic.isa[13];
  o.ack_requested = ic.isa[14] == "1";
  o.usage = ic.isa[15].empty() ? 'P' : ic.isa[15][0];
  for (uint32_t t : ic.ta1_segments) o.ta1.push_back(ToOut(doc.segment(t), d));
  for (const auto& g : ic.groups) {
    OutGroup og;
    og.functional_id = g.gs[1];
    og.sender = g.gs[2];
    og.receiver = g.gs[3];
    og.date = g.gs[4];
    og.time = g.gs[5];
    og.control = g.gs[6];
    og.agency = g.gs[7];
    og.version = g.gs[8];
    for (const auto& s : g.sets) {
      OutSet os;
      os.id = s.id;
      os.control = s.control;
      os.convention = s.convention;
      SetView v = doc.set_view(s);
      for (size_t i = 1; i + 1 < v.size(); ++i) os.segments.push_back(ToOut(v.segment(i), d));
      if (!s.has_trailer && v.size() > 1) os.segments.push_back(ToOut(v.segment(v.size() - 1), d));
      og.sets.push_back(std::move(os));
    }
    o.groups.push_back(std::move(og));
  }
  return o;
}

}  // namespace crossdock::x12
