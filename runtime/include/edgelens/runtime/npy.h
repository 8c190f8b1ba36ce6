// NumPy .npy files (format 1.0/2.0/3.0): little-endian, C order. dtypes: f2 f4 f8 i1 u1 i2 u2 i4
// u4 i8 u8 b1. Errors throw ModelError(path, place, problem).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/dtype.h"

namespace edgelens::runtime {

struct NpyArray {
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // little-endian element bytes, C order
  int64_t element_count() const;
};

NpyArray read_npy(const std::filesystem::path& path);
NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& name);
void write_npy(const std::filesystem::path& path, DType dtype, std::span<const int64_t> shape,
               std::span<const std::byte> data);
std::vector<std::byte> encode_npy(DType dtype, std::span<const int64_t> shape,
                                  std::span<const std::byte> data);
// "<f4", "|i1" ...; empty for dtypes .npy cannot hold.
std::string npy_descr(DType dtype);

}  // namespace edgelens::runtime
