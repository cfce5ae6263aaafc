// Hashes, MACs and encodings the hub needs (content hashes, token hashes, webhook signatures).
#pragma once

#include <string>
#include <string_view>

namespace crossdock {

// Lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Base64Encode(std::string_view data);
// Returns false on invalid input (whitespace is not allowed).
bool Base64Decode(std::string_view text, std::string* out);
std::string HexEncode(std::string_view data);
// Compares in time independent of where the first difference is.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// n random bytes from the OS CSPRNG.
std::string RandomBytes(size_t n);

}  // namespace crossdock
