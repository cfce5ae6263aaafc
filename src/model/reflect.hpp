// Reflection over field lists (see fields.hpp): JSON writer and reader visitors usable by any
// struct that provides `template <class V> void Fields(V&, T&)` found by argument-dependent
// lookup. Includes nlohmann/json: include only from .cpp files.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "core/result.hpp"
#include "model/fields.hpp"

namespace crossdock::model {
namespace reflect {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// ------------------------------------------------------------------ writer

class Writer {
 public:
  explicit Writer(ordered* out) : out_(out) {}

  template <typename T>
  void Req(const char* name, T& f, const char*) {
    Put(name, f, true);
  }
  template <typename T>
  void Opt(const char* name, T& f, const char*) {
    Put(name, f, false);
  }
  void Enum(const char* name, std::string& f, Codes, const char*) { Put(name, f, false); }

  template <typename T>
  static ordered Value(const T& f) {
    if constexpr (std::is_same_v<T, std::string>) {
      return f;
    } else if constexpr (std::is_same_v<T, Decimal>) {
      return f.ToString();
    } else if constexpr (std::is_same_v<T, bool>) {
      return f;
    } else if constexpr (std::is_integral_v<T>) {
      return f;
    } else if constexpr (IsVector<T>::value) {
      ordered a = ordered::array();
      for (const auto& e : f) a.push_back(Value(e));
      return a;
    } else {
      ordered o = ordered::object();
      Writer w(&o);
      Fields(w, const_cast<T&>(f));
      return o;
    }
  }

 private:
  template <typename T>
  void Put(const char* name, const T& f, bool required) {
    if constexpr (IsOptional<T>::value) {
      if (f) (*out_)[name] = Value(*f);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (required || !f.empty()) (*out_)[name] = f;
    } else if constexpr (IsVector<T>::value) {
      if (required || !f.empty()) (*out_)[name] = Value(f);
    } else {
      (*out_)[name] = Value(f);
    }
  }
  ordered* out_;
};

// ------------------------------------------------------------------ reader

class Reader {
 public:
  Reader(const json& obj, std::string path, std::vector<std::string>* errors)
      : obj_(obj), path_(std::move(path)), errors_(errors) {}

  template <typename T>
  void Req(const char* name, T& f, const char*) {
    Get(name, f, true);
  }
  template <typename T>
  void Opt(const char* name, T& f, const char*) {
    Get(name, f, false);
  }
  void Enum(const char* name, std::string& f, Codes codes, const char*) {
    seen_.insert(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return;  // keep the default
    if (!it->is_string()) return Fail(Path(name), "must be a string");
    const std::string v = it->get<std::string>();
    for (const char* c : codes) {
      if (v == c) {
        f = v;
        return;
      }
    }
    std::string allowed;
    for (const char* c : codes) allowed += std::string(allowed.empty() ? "" : ", ") + c;
    Fail(Path(name), "'" + v + "' is not one of: " + allowed);
  }

  void CheckUnknown() {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!seen_.count(it.key())) Fail(Path(it.key()), "unknown field");
    }
  }

  template <typename T>
  static void Read(const json& j, const std::string& path, T& f, std::vector<std::string>* errors) {
    auto fail = [&](const std::string& m) { errors->push_back(path + ": " + m); };
    if constexpr (std::is_same_v<T, std::string>) {
      if (j.is_string()) {
        f = j.get<std::string>();
      } else if (j.is_number_integer()) {
        f = j.dump();  // ids sent as numbers are taken as their digits
      } else {
        fail("must be a string");
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) return fail("must be true or false");
      f = j.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!j.is_number_integer()) return fail("must be an integer");
      f = j.get<T>();
    } else if constexpr (std::is_same_v<T, Decimal>) {
      std::string text;
      if (j.is_string()) {
        text = j.get<std::string>();
      } else if (j.is_number_integer()) {
        text = j.dump();
      } else if (j.is_number_float()) {
        return fail("decimal must be a JSON string (e.g. \"12.50\") to stay exact; got " +
                    j.dump());
      } else {
        return fail("must be a decimal string");
      }
      auto d = Decimal::Parse(text);
      if (!d.ok()) return fail(d.error().message());
      f = *d;
    } else if constexpr (IsVector<T>::value) {
      if (!j.is_array()) return fail("must be an array");
      f.clear();
      f.resize(j.size());
      for (size_t i = 0; i < j.size(); ++i) {
        Read(j[i], path + "[" + std::to_string(i) + "]", f[i], errors);
      }
    } else {
      if (!j.is_object()) return fail("must be an object");
      Reader r(j, path, errors);
      Fields(r, f);
      r.CheckUnknown();
    }
  }

 private:
  std::string Path(const std::string& name) const {
    return path_.empty() ? name : path_ + "." + name;
  }
  void Fail(const std::string& path, const std::string& m) { errors_->push_back(path + ": " + m); }

  template <typename T>
  void Get(const char* name, T& f, bool required) {
    seen_.insert(name);
    auto it = obj_.find(name);
    const bool absent = it == obj_.end() || it->is_null();
    if constexpr (IsOptional<T>::value) {
      if (absent) {
        if (required) Fail(Path(name), "required field missing");
        f.reset();
        return;
      }
      typename T::value_type v{};
      Read(*it, Path(name), v, errors_);
      f = std::move(v);
    } else {
      if (absent) {
        if (required) Fail(Path(name), "required field missing");
        return;
      }
      Read(*it, Path(name), f, errors_);
      if constexpr (std::is_same_v<T, std::string>) {
        if (required && f.empty()) Fail(Path(name), "must not be empty");
      }
      if constexpr (IsVector<T>::value) {
        if (required && f.empty()) Fail(Path(name), "must have at least one entry");
      }
    }
  }

  const json& obj_;
  std::string path_;
  std::vector<std::string>* errors_;
  std::set<std::string> seen_;
};

}  // namespace reflect

// Serialises any reflected struct.
template <typename T>
std::string ReflectToJson(const T& v, bool pretty = false) {
  const reflect::ordered j = reflect::Writer::Value(v);
  return pretty ? j.dump(2) : j.dump();
}

// Reads any reflected struct, reporting every problem with its path.
template <typename T>
Result<T> ReflectFromJson(std::string_view text) {
  reflect::json j = reflect::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error(Code::kInvalidArgument, "malformed JSON");
  T v{};
  std::vector<std::string> errors;
  reflect::Reader::Read(j, "", v, &errors);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
    return Error(Code::kInvalidArgument, msg);
  }
  return v;
}

}  // namespace crossdock::model
