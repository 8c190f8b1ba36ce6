// The whole IR as JSON (`edgelens dump --json`): every graph, tensor, node, signature, metadata
// entry and delegate, with tensor data described by size and file offset but never copied.
// The schema is documented in docs/dump-json.md; bump kDumpSchemaVersion when it changes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "edgelens/model_io/model.h"

namespace edgelens {

inline constexpr int kDumpSchemaVersion = 1;

nlohmann::ordered_json dump_json(const Model& model);
nlohmann::json attr_to_json(const AttrValue& value);

// Writes `text` to `path` through a temporary file in the same directory and a rename, so readers
// never see a half-written file. Throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace edgelens
