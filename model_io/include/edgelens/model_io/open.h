// Entry point of model_io: detect the format by magic bytes and run its reader.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens {

enum class DetectedFormat {
  TFLite,             // "TFL3" identifier at byte 4
  ExecuTorch,         // "ET" + 2 digits at byte 4
  ExecuTorchBundled,  // "BP" + 2 digits at byte 4 (bundled program)
  ExecuTorchData,     // "FH" flat tensor header (.ptd)
  Onnx,               // protobuf ModelProto heuristics
  ModelExplorerJson,  // JSON with "graphs"/"label"
  Unknown,
};
DetectedFormat detect_format(std::span<const std::byte> head);
// One line describing what the bytes look like ("ONNX model (not supported yet)", "PNG image",
// ...).
std::string describe_bytes(std::span<const std::byte> head);

// How to open a model. Today only ExecuTorch programs use it: their weights may live in .ptd
// files (external tensor data, external_data.h).
struct OpenOptions {
  // .ptd files to take external tensor data from, searched first and in this order. Each must
  // read cleanly; a key the program needs and none of them (nor the pair below) holds is an error.
  std::vector<std::string> data_files;
  // Also use <stem>.ptd next to the program (its pair: must hold what the program needs) and,
  // for keys still missing, any other *.ptd in the same folder that holds them.
  bool find_data_files = true;
};

// Opens and verifies a model. Throws ModelError (file, place, problem) on anything it cannot read.
std::unique_ptr<Model> open_model(const std::string& path);
std::unique_ptr<Model> open_model(const std::string& path, const OpenOptions& options);
// Same for bytes already in memory (fuzzers, tests); `name` is used in errors. Never looks for
// files next to `name`: only options.data_files are read.
std::unique_ptr<Model> open_model_bytes(std::span<const std::byte> bytes, const std::string& name);
std::unique_ptr<Model> open_model_bytes(std::span<const std::byte> bytes, const std::string& name,
                                        const OpenOptions& options);

}  // namespace edgelens
