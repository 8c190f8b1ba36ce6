// Entry point of model_io: detect the format by magic bytes and run its reader.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "edgelens/model_io/model.h"

namespace edgelens {

enum class DetectedFormat {
  TFLite,            // "TFL3" identifier at byte 4
  ExecuTorch,        // "ET" + 2 digits at byte 4
  ExecuTorchBundled, // "BP" + 2 digits at byte 4 (bundled program)
  ExecuTorchData,    // "FH" flat tensor header (.ptd)
  Onnx,              // protobuf ModelProto heuristics
  ModelExplorerJson, // JSON with "graphs"/"label"
  Unknown,
};
DetectedFormat detect_format(std::span<const std::byte> head);
// One line describing what the bytes look like ("ONNX model (not supported yet)", "PNG image", ...).
std::string describe_bytes(std::span<const std::byte> head);

// Opens and verifies a model. Throws ModelError (file, place, problem) on anything it cannot read.
std::unique_ptr<Model> open_model(const std::string& path);
// Same for bytes already in memory (fuzzers, tests); `name` is used in errors.
std::unique_ptr<Model> open_model_bytes(std::span<const std::byte> bytes, const std::string& name);

}  // namespace edgelens
