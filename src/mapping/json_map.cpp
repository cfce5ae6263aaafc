#include "mapping/json_map.hpp"

#include <nlohmann/json.hpp>

#include <mutex>

extern "C" {
#include <jq.h>
}

namespace crossdock::mapping {
namespace {

using json = nlohmann::json;

// SAX handler building a json value with every number kept as its exact text.
class TextNumbers : public nlohmann::json_sax<json> {
 public:
  json root;
  std::string error;

  bool null() override { return Put(nullptr); }
  bool boolean(bool v) override { return Put(v); }
  bool number_integer(number_integer_t v) override { return Put(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Put(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Put(s); }
  bool string(string_t& v) override { return Put(v); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool key(string_t& k) override {
    keys_.push_back(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error = "malformed JSON at byte " + std::to_string(pos) + ": " + e.what();
    return false;
  }

 private:
  // Places v in the current container and returns where it went.
  json* Place(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json* top = stack_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    return &((*top)[keys_.back()] = std::move(v));
  }
  void ValueDone() {
    if (!stack_.empty() && stack_.back()->is_object() && !keys_.empty()) keys_.pop_back();
  }
  bool Put(json v) {
    Place(std::move(v));
    ValueDone();
    return true;
  }
  bool Open(json v) {
    stack_.push_back(Place(std::move(v)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    ValueDone();
    return true;
  }
  std::vector<json*> stack_;
  std::vector<std::string> keys_;
};

std::mutex g_jq_mu;  // libjq 1.6 keeps some global state; one program at a time is plenty

struct JqErrors {
  std::string text;
};

void OnJqError(void* data, jv msg) {
  auto* e = static_cast<JqErrors*>(data);
  if (jv_get_kind(msg) == JV_KIND_STRING) {
    e->text += (e->text.empty() ? "" : "; ") + std::string(jv_string_value(msg));
  }
  jv_free(msg);
}

}  // namespace

Result<std::string> NumbersAsText(std::string_view text) {
  TextNumbers h;
  const bool ok = json::sax_parse(text.begin(), text.end(), &h, json::input_format_t::json, true);
  if (!ok) {
    return Error(Code::kInvalidArgument, h.error.empty() ? "malformed JSON" : h.error);
  }
  return h.root.dump();
}

Status CheckJqProgram(const std::string& program) {
  std::lock_guard<std::mutex> lock(g_jq_mu);
  jq_state* jq = jq_init();
  if (!jq) return Error(Code::kInternal, "cannot initialise jq");
  JqErrors errs;
  jq_set_error_cb(jq, OnJqError, &errs);
  const int ok = jq_compile(jq, program.c_str());
  jq_teardown(&jq);
  if (!ok) return Error(Code::kConfig, "jq program does not compile: " + errs.text);
  return Status::Ok();
}

Result<std::vector<std::string>> RunJq(const std::string& program, std::string_view input) {
  std::lock_guard<std::mutex> lock(g_jq_mu);
  jq_state* jq = jq_init();
  if (!jq) return Error(Code::kInternal, "cannot initialise jq");
  JqErrors errs;
  jq_set_error_cb(jq, OnJqError, &errs);
  if (!jq_compile(jq, program.c_str())) {
    jq_teardown(&jq);
    return Error(Code::kConfig, "jq program does not compile: " + errs.text);
  }
  jv in = jv_parse_sized(input.data(), static_cast<int>(input.size()));
  if (!jv_is_valid(in)) {
    std::string m = "malformed JSON";
    jv msg = jv_invalid_get_msg(in);
    if (jv_get_kind(msg) == JV_KIND_STRING) m += std::string(": ") + jv_string_value(msg);
    jv_free(msg);
    jq_teardown(&jq);
    return Error(Code::kInvalidArgument, m);
  }
  jq_start(jq, in, 0);
  std::vector<std::string> out;
  while (true) {
    jv r = jq_next(jq);
    if (!jv_is_valid(r)) {
      if (jv_invalid_has_msg(jv_copy(r))) {
        jv msg = jv_invalid_get_msg(r);
        std::string m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "error";
        jv_free(msg);
        jq_teardown(&jq);
        return Error(Code::kInvalidArgument, "jq mapping failed: " + m);
      }
      jv_free(r);
      break;
    }
    jv s = jv_dump_string(r, 0);
    out.emplace_back(jv_string_value(s));
    jv_free(s);
  }
  jq_teardown(&jq);
  return out;
}

Result<std::vector<std::string>> JsonToCanonical(std::string_view partner_json,
                                                 const std::string& program) {
  CD_ASSIGN_OR_RETURN(std::string exact, NumbersAsText(partner_json));
  if (program.empty()) return std::vector<std::string>{exact};
  CD_ASSIGN_OR_RETURN(auto docs, RunJq(program, exact));
  if (docs.empty()) {
    return Error(Code::kInvalidArgument, "the JSON mapping produced no document");
  }
  return docs;
}

Result<std::string> CanonicalToPartnerJson(std::string_view canonical_json,
                                           const std::string& program) {
  if (program.empty()) return std::string(canonical_json);
  CD_ASSIGN_OR_RETURN(auto out, RunJq(program, canonical_json));
  if (out.size() != 1) {
    return Error(Code::kInvalidArgument,
                 "the outbound JSON mapping must produce exactly one "
                 "document, it produced " +
                     std::to_string(out.size()));
  }
  return out[0];
}

}  // namespace crossdock::mapping
