// ExecuTorch external tensor data (.ptd, "FlatTensor"): programs exported with their weights kept
// outside the .pte name each such tensor by a key; a .ptd maps keys to bytes. The .pte reader
// (read_pte) loads them through OpenOptions (open.h); this reader is public for tests and tools.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edgelens/model_io/dtype.h"
#include "edgelens/model_io/mapped_file.h"

namespace edgelens {

// Element type, shape and memory order the .ptd records for a tensor blob.
struct ExternalTensorLayout {
  DType dtype = DType::Unknown;
  int32_t scalar_type = -1;  // ExecuTorch ScalarType code as stored
  std::vector<int64_t> sizes;
  std::vector<uint8_t> dim_order;
};

struct ExternalBlob {
  std::string key;
  std::span<const std::byte> data;  // view into ExternalDataFile::file
  uint64_t file_offset = 0;         // where `data` starts in the .ptd
  std::optional<ExternalTensorLayout> layout;
};

// The "FH01" header at byte 8.
struct ExternalDataHeader {
  uint32_t length = 0;
  uint64_t flatbuffer_offset = 0, flatbuffer_size = 0;
  uint64_t segment_base_offset = 0, segment_data_size = 0;
};

struct ExternalDataFile {
  std::shared_ptr<const MappedFile> file;  // the blobs are views into it
  ExternalDataHeader header;
  uint32_t version = 0;
  std::string layout;  // "named_data" (current) or "tensors (ExecuTorch 0.6)"
  std::vector<ExternalBlob> blobs;
  std::unordered_map<std::string, std::size_t> by_key;  // key -> index in blobs

  const ExternalBlob* find(const std::string& key) const;
};

// Reads and verifies a .ptd: header, flatbuffer, and every blob's byte range. Throws ModelError
// naming the file and the place (byte offsets, "named_data 3 'key'") on anything malformed.
ExternalDataFile read_ptd(std::shared_ptr<const MappedFile> file);

}  // namespace edgelens
