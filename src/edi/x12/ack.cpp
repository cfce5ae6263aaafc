#include "edi/x12/ack.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace crossdock::x12 {

namespace {

std::string TrimRight(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && s[e - 1] == ' ') --e;
  return std::string(s.substr(0, e));
}

bool Is5010(std::string_view version) {
  if (version.size() < 6) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (version[i] < '0' || version[i] > '9') return false;
  }
  return version.substr(0, 6) >= "005010";
}

// Envelope-level warnings (a repeated control number) are reported as "accepted with errors";
// other warnings (an unknown code in a list known to be incomplete) are not the partner's fault.
bool Reportable(const Diagnostic& d, const AckOptions& o) {
  if (d.rule == "no-spec") return o.reject_unsupported_sets;
  if (d.severity >= Severity::kError) return true;
  return d.severity == Severity::kWarning &&
         (d.ak5_code != 0 || d.ak9_code != 0 || d.ta1_code != 0) && d.ak3_code == 0;
}

bool IsError(const Diagnostic& d, const AckOptions& o) {
  if (d.rule == "no-spec") return o.reject_unsupported_sets;
  return d.severity >= Severity::kError;
}

std::string Code3(uint16_t c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03u", static_cast<unsigned>(c));
  return buf;
}

// A copy of bad data must not contain the acknowledgment's own delimiters.
std::string CleanCopy(std::string_view v, const Delimiters& d) {
  std::string out;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (c == d.element || c == d.segment || c == d.component ||
        (d.repetition != 0 && c == d.repetition) || u < 0x20) {
      continue;
    }
    out.push_back(c);
    if (out.size() == 99) break;
  }
  return out;
}

// A value mirrored from the inbound interchange into the acknowledgment: without the
// acknowledgment's delimiters or control characters, trailing spaces dropped, at most `max`
// characters. Inbound values can hold anything; the acknowledgment must stay well formed.
std::string Clean(std::string_view v, const Delimiters& d, size_t max) {
  std::string out = CleanCopy(v, d);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t chars = 0, cut = out.size();
  for (size_t i = 0; i < out.size(); ++i) {
    if ((static_cast<unsigned char>(out[i]) & 0xC0) == 0x80) continue;
    if (chars == max) {
      cut = i;
      break;
    }
    ++chars;
  }
  out.resize(cut);
  return out;
}

// AK301/IK301: a segment identifier, 2-3 upper-case letters or digits.
std::string SegmentId(std::string_view tag) {
  std::string out;
  for (char c : tag) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
    if (out.size() == 3) break;
  }
  while (out.size() < 2) out.push_back('Z');
  return out;
}

using Key = std::tuple<int, int, int>;

struct Buckets {
  std::map<Key, std::vector<const Diagnostic*>> by;
  const std::vector<const Diagnostic*>& Get(int ic, int g, int s) const {
    static const std::vector<const Diagnostic*> kEmpty;
    auto it = by.find(Key(ic, g, s));
    return it == by.end() ? kEmpty : it->second;
  }
};

bool Ascii(const Delimiters& d) {
  auto ok = [](char c) { return static_cast<unsigned char>(c) < 0x80; };
  return ok(d.element) && ok(d.component) && ok(d.repetition) && ok(d.segment);
}

// A group control number as AK102 needs it: 1-9 digits. A mangled GS06 ("44 (Group Control
// Number)", "0001 ") is reduced to its leading digits so the acknowledgment stays valid.
std::string GroupNumber(std::string_view gs06) {
  size_t i = 0;
  while (i < gs06.size() && gs06[i] == ' ') ++i;
  size_t j = i;
  while (j < gs06.size() && j - i < 9 && gs06[j] >= '0' && gs06[j] <= '9') ++j;
  return j > i ? std::string(gs06.substr(i, j - i)) : std::string(gs06);
}

Delimiters AckDelimiters(const Interchange& ic, const AckOptions& o, bool rep_era) {
  Delimiters d;
  if (o.delimiters) {
    d = *o.delimiters;
  } else if (ic.component_text.empty() && ic.segment_text.empty() &&
             CheckDelimiters(ic.delimiters).ok() && Ascii(ic.delimiters)) {
    d = ic.delimiters;
    d.suffix = "\n";
    if (d.segment == '\n' || d.segment == '\r') d.suffix.clear();
  } else {
    d = DefaultDelimiters();
  }
  if (!rep_era) {
    d.repetition = 0;
  } else if (d.repetition == 0) {
    for (char c : std::string("^|{}!")) {
      if (c != d.element && c != d.component && c != d.segment) {
        d.repetition = c;
        break;
      }
    }
  }
  return d;
}

}  // namespace

Result<AckResult> BuildAcknowledgments(const Document& doc, const DocumentValidation& validation,
                                       ControlNumberSource& numbers, const AckOptions& opts) {
  AckResult result;
  Buckets envelope;
  for (const auto& d : doc.diagnostics) {
    const Location& w = d.where;
    if (w.interchange < 0) continue;
    int g = d.level == Level::kInterchange || d.level == Level::kFile ? -1 : w.group;
    int s = d.level == Level::kGroup || g < 0 ? -1 : w.set;
    envelope.by[Key(w.interchange, g, s)].push_back(&d);
  }

  for (const auto& ic : doc.interchanges) {
    AckSummary summary;
    summary.interchange = ic.index;
    if (ic.implicit) {
      result.summaries.push_back(summary);
      continue;
    }
    // Interchange level: TA1.
    bool broken = false;
    const Diagnostic* first_error = nullptr;
    const Diagnostic* first_warning = nullptr;
    for (const Diagnostic* d : envelope.Get(ic.index, -1, -1)) {
      if (d->severity >= Severity::kError) {
        broken = true;
        if (first_error == nullptr && d->ta1_code != 0) first_error = d;
      } else if (d->severity == Severity::kWarning && d->ta1_code != 0 && !first_warning) {
        first_warning = d;
      }
    }
    bool send_ta1 =
        opts.ta1 == Ta1Policy::kAlways ||
        (opts.ta1 == Ta1Policy::kWhenRequestedOrBroken && (ic.isa[14] == "1" || broken)) ||
        (opts.ta1 == Ta1Policy::kWhenBroken && broken);
    std::string ack_version = opts.isa_version.empty() ? ic.isa[12] : opts.isa_version;
    if (ack_version.size() != 5 || !std::all_of(ack_version.begin(), ack_version.end(),
                                                [](char c) { return c >= '0' && c <= '9'; })) {
      ack_version = "00401";
    }
    const bool rep_era = ack_version >= "00402";
    const Delimiters delims = AckDelimiters(ic, opts, rep_era);

    OutInterchange out;
    out.sender_qualifier =
        opts.sender_qualifier.empty() ? Clean(ic.isa[7], delims, 2) : opts.sender_qualifier;
    out.sender_id = opts.sender_id.empty() ? Clean(ic.isa[8], delims, 15) : opts.sender_id;
    out.receiver_qualifier =
        opts.receiver_qualifier.empty() ? Clean(ic.isa[5], delims, 2) : opts.receiver_qualifier;
    out.receiver_id = opts.receiver_id.empty() ? Clean(ic.isa[6], delims, 15) : opts.receiver_id;
    out.version = ack_version;
    out.usage = opts.usage != 0 ? opts.usage : (ic.isa[15].size() == 1 ? ic.isa[15][0] : 'P');
    if (out.usage != 'P' && out.usage != 'T' && out.usage != 'I') out.usage = 'P';
    if (out.sender_qualifier.size() != 2) out.sender_qualifier = "ZZ";
    if (out.receiver_qualifier.size() != 2) out.receiver_qualifier = "ZZ";

    if (send_ta1) {
      const Diagnostic* note = broken ? first_error : first_warning;
      std::string code = broken ? "R" : (first_warning ? "E" : "A");
      std::string note_code = note ? Code3(note->ta1_code) : (broken ? "022" : "000");
      out.ta1.push_back({"TA1",
                         {Clean(ic.isa[13], delims, 9), Clean(ic.isa[9], delims, 6),
                          Clean(ic.isa[10], delims, 4), code, note_code}});
      summary.ta1_code = code;
      summary.ta1_note = note_code;
    }

    const bool ack_groups = !(broken && send_ta1) || opts.ack_groups_of_rejected_interchange;
    if (ack_groups && !ic.groups.empty()) {
      std::string inbound_version = Clean(ic.groups.front().version(), delims, 12);
      bool use_999 =
          opts.kind == AckKind::k999 || (opts.kind == AckKind::kAuto && Is5010(inbound_version));
      summary.kind = use_999 ? "999" : "997";
      OutGroup og;
      og.functional_id = "FA";
      og.sender =
          opts.gs_sender.empty() ? Clean(ic.groups.front().gs[3], delims, 15) : opts.gs_sender;
      og.receiver =
          opts.gs_receiver.empty() ? Clean(ic.groups.front().gs[2], delims, 15) : opts.gs_receiver;
      if (og.sender.empty()) og.sender = out.sender_id;
      if (og.receiver.empty()) og.receiver = out.receiver_id;
      og.version =
          !opts.gs_version.empty()
              ? opts.gs_version
              : (use_999 ? "005010X231A1" : (inbound_version.empty() ? "004010" : inbound_version));
      const bool v5010_ack = use_999 || Is5010(og.version);
      const std::string comp(1, kComponentMark);

      for (const auto& g : ic.groups) {
        OutSet set;
        set.id = use_999 ? "999" : "997";
        if (use_999) set.convention = "005010X231A1";
        std::vector<std::string> ak1 = {Clean(g.gs[1], delims, 2),
                                        Clean(GroupNumber(g.gs[6]), delims, 9)};
        if (v5010_ack) ak1.push_back(Clean(g.gs[8], delims, 12));
        set.segments.push_back({"AK1", ak1});
        size_t received = 0, accepted = 0;
        bool any_e = false;
        for (const auto& s : g.sets) {
          ++received;
          std::vector<const Diagnostic*> ds = envelope.Get(ic.index, g.index, s.index);
          if (const SetValidation* sv = validation.For(s)) {
            for (const auto& d : sv->diagnostics) ds.push_back(&d);
          }
          bool error = false, noted = false;
          std::vector<uint16_t> set_codes;
          bool segment_errors = false;
          for (const Diagnostic* d : ds) {
            if (!Reportable(*d, opts)) continue;
            if (IsError(*d, opts)) {
              error = true;
            } else {
              noted = true;
            }
            if (d->ak3_code != 0) segment_errors = true;
            if (d->ak5_code != 0 &&
                std::find(set_codes.begin(), set_codes.end(), d->ak5_code) == set_codes.end()) {
              set_codes.push_back(d->ak5_code);
            }
          }
          if (segment_errors && std::find(set_codes.begin(), set_codes.end(),
                                          ak5::kSegmentsInError) == set_codes.end()) {
            set_codes.push_back(ak5::kSegmentsInError);
          }
          std::string code = error ? "R" : (noted ? "E" : "A");
          if (code != "R") ++accepted;
          if (code == "E") any_e = true;
          if (code == "A" && !opts.include_accepted_sets) continue;
          // AN values: trailing spaces are not significant (X12.6) and would not fit.
          std::vector<std::string> ak2 = {Clean(s.id, delims, 3), Clean(s.control, delims, 9)};
          if (v5010_ack && !s.convention.empty()) ak2.push_back(Clean(s.convention, delims, 35));
          set.segments.push_back({"AK2", ak2});
          // Segment notes, by position in the set.
          std::map<uint32_t, std::vector<const Diagnostic*>> by_segment;
          for (const Diagnostic* d : ds) {
            if (Reportable(*d, opts) && (d->ak3_code != 0 || d->ak4_code != 0)) {
              by_segment[d->where.segment_in_set].push_back(d);
            }
          }
          for (const auto& [pos, list] : by_segment) {
            std::vector<uint16_t> seg_codes;
            std::vector<const Diagnostic*> elements;
            std::string tag, loop;
            for (const Diagnostic* d : list) {
              if (d->ak4_code != 0) {
                elements.push_back(d);
              } else if (std::find(seg_codes.begin(), seg_codes.end(), d->ak3_code) ==
                         seg_codes.end()) {
                seg_codes.push_back(d->ak3_code);
              }
            }
            if (!elements.empty()) seg_codes.push_back(ak3::kElementErrors);
            for (uint16_t sc : seg_codes) {
              const Diagnostic* rep = list.front();
              for (const Diagnostic* d : list) {
                if ((sc == ak3::kElementErrors && d->ak4_code != 0) ||
                    (d->ak4_code == 0 && d->ak3_code == sc)) {
                  rep = d;
                  break;
                }
              }
              std::string loop_id = Clean(rep->where.loop_id, delims, 4);
              set.segments.push_back(
                  {use_999 ? "IK3" : "AK3",
                   {SegmentId(rep->where.segment_id), std::to_string(std::max(pos, 1u)), loop_id,
                    std::to_string(sc)}});
              if (sc != ak3::kElementErrors) continue;
              size_t n = 0;
              for (const Diagnostic* d : elements) {
                if (++n > 99) break;
                const Location& w = d->where;
                std::string position = std::to_string(std::max<uint16_t>(w.element, 1));
                if (w.component > 0 || (v5010_ack && w.repetition > 0)) {
                  position += comp + (w.component > 0 ? std::to_string(w.component) : "");
                }
                if (v5010_ack && w.repetition > 0) position += comp + std::to_string(w.repetition);
                uint16_t c = d->ak4_code;
                if (!v5010_ack && (c == ak4::kTooManyRepetitions || c == ak4::kTooManyComponents)) {
                  c = ak4::kInvalidCharacter;  // 004010 has no codes 12/13
                }
                std::string copy;
                if (c != ak4::kMandatoryMissing && c != ak4::kConditionalMissing) {
                  copy = CleanCopy(d->bad_value, delims);
                }
                set.segments.push_back(
                    {use_999 ? "IK4" : "AK4",
                     {position, d->element_ref ? std::to_string(d->element_ref) : "",
                      std::to_string(c), copy}});
              }
            }
          }
          std::vector<std::string> ak5 = {code};
          for (size_t k = 0; k < set_codes.size() && k < 5; ++k) {
            ak5.push_back(std::to_string(set_codes[k]));
          }
          set.segments.push_back({use_999 ? "IK5" : "AK5", ak5});
        }
        // Group trailer.
        std::vector<uint16_t> group_codes;
        bool group_error = false, group_noted = false;
        for (const Diagnostic* d : envelope.Get(ic.index, g.index, -1)) {
          if (!Reportable(*d, opts)) continue;
          if (d->severity >= Severity::kError) {
            group_error = group_error || d->ak9_code != 0;
            group_noted = true;
          } else {
            group_noted = true;
          }
          if (d->ak9_code != 0 &&
              std::find(group_codes.begin(), group_codes.end(), d->ak9_code) == group_codes.end()) {
            group_codes.push_back(d->ak9_code);
          }
        }
        std::string ak901;
        if (group_error || (received > 0 && accepted == 0)) {
          ak901 = "R";
        } else if (accepted < received) {
          ak901 = "P";
        } else if (any_e || group_noted) {
          ak901 = "E";
        } else {
          ak901 = "A";
        }
        summary.group_codes.push_back(ak901);
        uint64_t included = received;
        if (!g.ge01.empty() && g.ge01.size() <= 6 &&
            std::all_of(g.ge01.begin(), g.ge01.end(),
                        [](char c) { return c >= '0' && c <= '9'; })) {
          included = std::stoull(g.ge01);
        }
        std::vector<std::string> ak9 = {ak901, std::to_string(included), std::to_string(received),
                                        std::to_string(ak901 == "R" ? 0 : accepted)};
        for (size_t k = 0; k < group_codes.size() && k < 5; ++k) {
          ak9.push_back(std::to_string(group_codes[k]));
        }
        set.segments.push_back({"AK9", ak9});
        og.sets.push_back(std::move(set));
      }
      out.groups.push_back(std::move(og));
    }
    if (out.ta1.empty() && out.groups.empty()) {
      result.summaries.push_back(summary);
      continue;
    }
    WriterOptions wo;
    wo.delimiters = delims;
    wo.clock = opts.clock;
    wo.partner =
        opts.partner.empty() ? TrimRight(ic.isa[5]) + ":" + TrimRight(ic.isa[6]) : opts.partner;
    auto written = WriteInterchange(out, numbers, wo);
    if (!written.ok()) return written.error();
    result.bytes += written->bytes;
    result.summaries.push_back(summary);
  }
  return result;
}

}  // namespace crossdock::x12
