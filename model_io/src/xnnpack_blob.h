// Decoder of ExecuTorch's XNNPACK delegate payload: the "XH00" header, the XNNGraph flatbuffer
// ("XN01" or "XN00") and the constant data after it (private to model_io).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::xnnpack {

// The fixed header in front of the flatbuffer.
struct BlobHeader {
  uint16_t length = 0;
  uint32_t flatbuffer_offset = 0;
  uint32_t flatbuffer_size = 0;
  uint32_t constant_data_offset = 0;
  uint64_t constant_data_size = 0;
};

struct BlobContext {
  std::string file;   // for errors
  std::string place;  // e.g. "method forward, instruction 0, delegate 0 (XnnpackBackend)"
  // Resolves ConstantDataOffset.named_key (through Program.named_data); nullopt when unknown.
  std::function<std::optional<std::span<const std::byte>>(std::string_view)> named_data;
  std::span<const std::byte> file_bytes;  // for Tensor::external_offset
};

// Throws ModelError (naming ctx.place and the byte/field) on anything malformed.
BlobHeader read_blob_header(std::span<const std::byte> blob, const BlobContext& ctx);

// Decodes the blob into a graph: nodes (Op domain "xnnpack"), tensors indexed by XNNPACK value
// id, external inputs/outputs. Non-fatal oddities go to `warnings`. The caller names the graph
// and sets kind/parent links. Throws ModelError when the blob is malformed.
Graph decode_blob(std::span<const std::byte> blob, const BlobContext& ctx,
                  std::vector<std::string>& warnings);

}  // namespace edgelens::xnnpack
