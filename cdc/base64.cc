// Standard base64 with padding; strict on decode so that a typo is refused, not misread.
#include "cdc/base64.h"

#include <array>
#include <cstdint>

namespace txgraph::json {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}

constexpr auto kDecode = make_decode_table();

}  // namespace

namespace {

// Appends the base64 of `bytes` in `alphabet`, with '=' padding or without. Writes into the
// string's own buffer, grown once: change ids are written one per event.
void append_base64(std::string_view bytes, std::string_view alphabet, bool pad, std::string& out) {
  std::size_t whole = bytes.size() / 3, rest = bytes.size() % 3;
  std::size_t length = whole * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
  std::size_t at = out.size();
  out.resize(at + length);
  char* to = out.data() + at;
  auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    *to++ = alphabet[group >> 18 & 63];
    *to++ = alphabet[group >> 12 & 63];
    *to++ = alphabet[group >> 6 & 63];
    *to++ = alphabet[group & 63];
  }
  if (rest > 0) {
    std::uint32_t group = byte(i) << 16;
    if (rest == 2) group |= byte(i + 1) << 8;
    *to++ = alphabet[group >> 18 & 63];
    *to++ = alphabet[group >> 12 & 63];
    if (rest == 2) *to++ = alphabet[group >> 6 & 63];
    if (pad) *to++ = '=';
    if (pad && rest == 1) *to++ = '=';
  }
}

constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  append_base64(bytes, kAlphabet, /*pad=*/true, out);
  return out;
}

void base64url_unpadded(std::string_view bytes, std::string& out) {
  out.clear();
  append_base64(bytes, kUrlAlphabet, /*pad=*/false, out);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      bool pad_slot = last && j >= 4 - padding;
      int digit = pad_slot ? 0 : kDecode[static_cast<unsigned char>(text[i + j])];
      if (digit < 0) return std::nullopt;
      group = group << 6 | static_cast<std::uint32_t>(digit);
    }
    out += static_cast<char>(group >> 16 & 0xff);
    if (!last || padding < 2) out += static_cast<char>(group >> 8 & 0xff);
    if (!last || padding < 1) out += static_cast<char>(group & 0xff);
    // Bits below the last byte must be zero, or two texts would decode to the same bytes.
    if (last && padding == 2 && (group & 0xffff) != 0) return std::nullopt;
    if (last && padding == 1 && (group & 0xff) != 0) return std::nullopt;
  }
  return out;
}

}  // namespace txgraph::json
