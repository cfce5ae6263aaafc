// Structured logging: one JSON object per line, UTC timestamps, a component name and
// arbitrary fields (correlation ids travel as a field). Cheap when the level is disabled.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace crossdock::obs {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn", "error", "off".
bool ParseLevel(std::string_view text, Level* out);

// Configures the process logger. `path` empty means stderr. Safe to call again (reconfigures).
void InitLogging(Level level, const std::string& path = {});
bool Enabled(Level level);

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, double v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), raw(true) {}
  std::string_view key;
  std::string value;
  bool raw = false;  // value is already JSON (number, bool)
};

void Log(Level level, std::string_view component, std::string_view message,
         std::initializer_list<Field> fields = {});

inline void Debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kDebug)) Log(Level::kDebug, c, m, f);
}
inline void Info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kInfo)) Log(Level::kInfo, c, m, f);
}
inline void Warn(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kWarn)) Log(Level::kWarn, c, m, f);
}
inline void Error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  if (Enabled(Level::kError)) Log(Level::kError, c, m, f);
}

}  // namespace crossdock::obs
