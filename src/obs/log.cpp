#include "obs/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "core/strings.hpp"

namespace crossdock::obs {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;
std::shared_ptr<spdlog::logger> g_logger;

std::shared_ptr<spdlog::logger> Logger() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_logger) {
    g_logger = spdlog::stderr_logger_mt("crossdock-default");
    g_logger->set_pattern("%v");
  }
  return g_logger;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

}  // namespace

bool ParseLevel(std::string_view text, Level* out) {
  static const std::pair<const char*, Level> kLevels[] = {{"debug", Level::kDebug},
                                                          {"info", Level::kInfo},
                                                          {"warn", Level::kWarn},
                                                          {"error", Level::kError},
                                                          {"off", Level::kOff}};
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

void InitLogging(Level level, const std::string& path) {
  g_level = static_cast<int>(level);
  std::lock_guard<std::mutex> lock(g_mu);
  static int generation = 0;
  const std::string name = "crossdock-" + std::to_string(++generation);
  if (path.empty()) {
    g_logger = spdlog::stderr_logger_mt(name);
  } else {
    g_logger = spdlog::basic_logger_mt(name, path);
  }
  g_logger->set_pattern("%v");
  g_logger->flush_on(spdlog::level::info);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Log(Level level, std::string_view component, std::string_view message,
         std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(160);
  line.append("{\"ts\":\"");
  line.append(FormatIso8601(Clock::System().Now()));
  line.append("\",\"level\":\"");
  line.append(LevelName(level));
  line.append("\",\"component\":");
  AppendJsonString(&line, component);
  line.append(",\"msg\":");
  AppendJsonString(&line, message);
  for (const Field& f : fields) {
    line.push_back(',');
    AppendJsonString(&line, f.key);
    line.push_back(':');
    if (f.raw) {
      line.append(f.value);
    } else {
      AppendJsonString(&line, f.value);
    }
  }
  line.push_back('}');
  auto logger = Logger();
  logger->info(line);
}

}  // namespace crossdock::obs
