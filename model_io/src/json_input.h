// Parsing untrusted JSON for the Model Explorer readers (graph JSON, node data): syntax errors and
// absurd nesting become ModelError naming the byte, and places are named as JSON pointers
// ("/graphs/0/nodes/12/incomingEdges/0").
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "edgelens/model_io/error.h"

namespace edgelens::json_input {

// Deeper than any graph or node-data file needs; bounds recursion in whoever walks the document.
inline constexpr std::size_t kMaxDepth = 64;

inline nlohmann::ordered_json parse(std::string_view text, const std::string& file) {
  // Nesting is checked before parsing so a hostile "[[[[..." is refused without recursion.
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        throw ModelError(file, fmt::format("byte {}", i),
                         fmt::format("JSON nested deeper than {} levels", kMaxDepth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep
    // the part after the id.
    std::string what = e.what();
    if (const auto at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
    throw ModelError(file, fmt::format("byte {}", e.byte), fmt::format("not valid JSON: {}", what));
  } catch (const nlohmann::ordered_json::exception& e) {
    // Syntactically valid but not representable, e.g. a number literal past double's range
    // (out_of_range.406); nlohmann gives no byte offset for these.
    std::string what = e.what();
    if (const auto at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
    throw ModelError(file, "", fmt::format("not usable JSON: {}", what));
  }
}

// Runs `read` on a parsed document; a nlohmann type or range error that slipped past the reader's
// own checks still becomes a ModelError naming the file instead of escaping as a foreign exception.
template <class Read>
auto guarded(const std::string& file, Read&& read) {
  try {
    return read();
  } catch (const nlohmann::ordered_json::exception& e) {
    throw ModelError(file, "", fmt::format("unexpected JSON content: {}", e.what()));
  }
}

// "/graphs/0" + "nodes" -> "/graphs/0/nodes" (RFC 6901 escaping of '~' and '/').
inline std::string pointer(std::string_view base, std::string_view key) {
  std::string out(base);
  out += '/';
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}
inline std::string pointer(std::string_view base, std::size_t index) {
  return fmt::format("{}/{}", base, index);
}

inline std::string_view type_name(const nlohmann::ordered_json& v) {
  return v.type_name();
}

}  // namespace edgelens::json_input
