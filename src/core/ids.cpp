#include "core/ids.hpp"

#include <openssl/rand.h>

#include <cstdint>
#include <mutex>

namespace crossdock {
namespace {

std::mutex g_mu;
int64_t g_last_ms = -1;
uint64_t g_counter = 0;  // 42 bits: 12 in rand_a, 30 at the top of rand_b

}  // namespace

std::string NewIdAt(TimePoint t) {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // RAND_bytes failing means the OS entropy source is broken; fall back to a counter only.
    for (auto& x : b) x = 0;
  }
  int64_t ms = ToUnixMillis(t);
  uint64_t counter;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (ms <= g_last_ms) {
      ms = g_last_ms;
      ++g_counter;
      if (g_counter >= (1ULL << 42)) {  // counter exhausted within one ms: borrow the next ms
        ++ms;
        g_counter = 0;
      }
    } else {
      // Start each millisecond at a random point in the lower half so ids stay unguessable.
      g_counter = ((static_cast<uint64_t>(b[6]) << 8 | b[7]) << 24 |
                   static_cast<uint64_t>(b[8]) << 16 | static_cast<uint64_t>(b[9]) << 8 | b[10]) &
                  ((1ULL << 41) - 1);
    }
    g_last_ms = ms;
    counter = g_counter;
  }
  b[0] = static_cast<uint8_t>(ms >> 40);
  b[1] = static_cast<uint8_t>(ms >> 32);
  b[2] = static_cast<uint8_t>(ms >> 24);
  b[3] = static_cast<uint8_t>(ms >> 16);
  b[4] = static_cast<uint8_t>(ms >> 8);
  b[5] = static_cast<uint8_t>(ms);
  // version 7 + 12 bits of counter (rand_a)
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 38) & 0x0F));
  b[7] = static_cast<uint8_t>(counter >> 30);
  // variant 10 + 30 more bits of counter, then random
  b[8] = static_cast<uint8_t>(0x80 | ((counter >> 24) & 0x3F));
  b[9] = static_cast<uint8_t>(counter >> 16);
  b[10] = static_cast<uint8_t>(counter >> 8);
  b[11] = static_cast<uint8_t>(counter);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[b[i] >> 4]);
    out.push_back(hex[b[i] & 0x0F]);
  }
  return out;
}

std::string NewId() { return NewIdAt(Clock::System().Now()); }

bool IsValidId(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace crossdock
