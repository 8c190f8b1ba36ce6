#include "edgelens/model_io/open.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/readers.h"

namespace edgelens {

namespace {

bool has_at(std::span<const std::byte> head, std::size_t offset, std::string_view magic) {
  if (head.size() < offset + magic.size()) return false;
  return std::memcmp(head.data() + offset, magic.data(), magic.size()) == 0;
}

bool is_digit(std::span<const std::byte> head, std::size_t i) {
  return head.size() > i && std::isdigit(static_cast<unsigned char>(head[i])) != 0;
}

// ONNX ModelProto starts with field 1 (ir_version, varint: 0x08) and usually carries
// "onnx" or a producer name early on; checking the tag plus a known string keeps false positives
// low.
bool looks_like_onnx(std::span<const std::byte> head) {
  if (head.size() < 4 || head[0] != std::byte{0x08}) return false;
  std::string_view text(reinterpret_cast<const char*>(head.data()),
                        std::min<std::size_t>(head.size(), 256));
  return text.find("pytorch") != std::string_view::npos ||
         text.find("onnx") != std::string_view::npos ||
         text.find("tf2onnx") != std::string_view::npos ||
         text.find("skl2onnx") != std::string_view::npos;
}

bool looks_like_json(std::span<const std::byte> head) {
  for (std::byte b : head) {
    const char c = static_cast<char>(b);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

DetectedFormat detect_format(std::span<const std::byte> head) {
  if (has_at(head, 4, "TFL3")) return DetectedFormat::TFLite;
  if (has_at(head, 4, "ET") && is_digit(head, 6) && is_digit(head, 7))
    return DetectedFormat::ExecuTorch;
  if (has_at(head, 4, "BP") && is_digit(head, 6) && is_digit(head, 7))
    return DetectedFormat::ExecuTorchBundled;
  if (has_at(head, 4, "FT") && is_digit(head, 6) && is_digit(head, 7))
    return DetectedFormat::ExecuTorchData;
  if (has_at(head, 8, "FH") && is_digit(head, 10) && is_digit(head, 11))
    return DetectedFormat::ExecuTorchData;
  if (looks_like_onnx(head)) return DetectedFormat::Onnx;
  if (looks_like_json(head)) return DetectedFormat::ModelExplorerJson;
  return DetectedFormat::Unknown;
}

std::string describe_bytes(std::span<const std::byte> head) {
  if (head.empty()) return "an empty file";
  switch (detect_format(head)) {
    case DetectedFormat::TFLite:
      return "a TFLite flatbuffer (TFL3)";
    case DetectedFormat::ExecuTorch:
      return "an ExecuTorch program";
    case DetectedFormat::ExecuTorchBundled:
      return "an ExecuTorch bundled program";
    case DetectedFormat::ExecuTorchData:
      return "an ExecuTorch external tensor data file (.ptd)";
    case DetectedFormat::Onnx:
      return "an ONNX model (ONNX support is planned, not available yet)";
    case DetectedFormat::ModelExplorerJson:
      return "a JSON document (Model Explorer graph JSON?)";
    case DetectedFormat::Unknown:
      break;
  }
  if (has_at(head, 0, "\x89PNG")) return "a PNG image";
  if (has_at(head, 0, "\xFF\xD8\xFF")) return "a JPEG image";
  if (has_at(head, 0, "PK\x03\x04"))
    return "a ZIP archive (a PyTorch .pt/.pth checkpoint or ETRecord?)";
  if (has_at(head, 0, "\x93NUMPY")) return "a NumPy .npy array";
  if (has_at(head, 0, "\x89HDF")) return "an HDF5 file (a Keras .h5 model?)";
  if (has_at(head, 0,
             "\x7F"
             "ELF"))
    return "an ELF binary";
  if (head.size() >= 8) {
    std::string ident;
    for (std::size_t i = 4; i < 8; ++i) {
      const auto c = static_cast<unsigned char>(head[i]);
      ident += std::isprint(c) ? static_cast<char>(c) : '.';
    }
    return fmt::format(
        "unrecognised data (bytes 4..7 are \"{}\"; .tflite has \"TFL3\", .pte \"ET12\")", ident);
  }
  return fmt::format("unrecognised data ({} bytes, too short for any model format)", head.size());
}

namespace {

std::unique_ptr<Model> dispatch(std::shared_ptr<const MappedFile> file,
                                const OpenOptions& options) {
  const auto bytes = file->bytes();
  const auto head = bytes.first(std::min<std::size_t>(bytes.size(), 512));
  switch (detect_format(head)) {
    case DetectedFormat::TFLite:
      return read_tflite(std::move(file));
    case DetectedFormat::ExecuTorch:
    case DetectedFormat::ExecuTorchBundled:
    case DetectedFormat::ExecuTorchData:
      return read_pte(std::move(file), options);  // .ptd: read_pte explains
    // Any JSON goes to the Model Explorer reader: it says what is missing when it is not a graph.
    case DetectedFormat::ModelExplorerJson:
      return read_model_explorer(std::move(file));
    default:
      break;
  }
  throw ModelError(file->path(), "",
                   fmt::format("not a supported model: looks like {}", describe_bytes(head)));
}

}  // namespace

std::unique_ptr<Model> open_model(const std::string& path) {
  return open_model(path, {});
}

std::unique_ptr<Model> open_model(const std::string& path, const OpenOptions& options) {
  return dispatch(MappedFile::open(path), options);
}

std::unique_ptr<Model> open_model_bytes(std::span<const std::byte> bytes, const std::string& name) {
  return open_model_bytes(bytes, name, OpenOptions{{}, false});
}

std::unique_ptr<Model> open_model_bytes(std::span<const std::byte> bytes, const std::string& name,
                                        const OpenOptions& options) {
  OpenOptions in_memory = options;
  in_memory.find_data_files = false;
  return dispatch(MappedFile::from_bytes(bytes, name), in_memory);
}

}  // namespace edgelens
