// Decoding tensor contents for display, and the statistics, histograms, 2-D slices and .npy export
// the tensor viewer shows. Qt-free so the same code serves constants now and runtime tensors later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::inspect {

// A tensor's elements as doubles in row-major order. `dequantized` says whether
// real = scale * (q - zero_point) was applied (per channel along quant.axis when per-channel).
struct TensorValues {
  std::vector<int64_t> shape;
  std::vector<double> values;
  DType dtype = DType::Unknown;
  bool dequantized = false;
  std::string problem;  // why nothing (or less than the shape says) could be decoded; empty if fine
  int64_t element_count() const;
};

// Decodes raw little-endian bytes of `dtype` laid out densely in `shape`. When `quant` holds
// scales and `dequantize` is set, integer values are mapped to real values.
TensorValues decode_values(std::span<const std::byte> data, DType dtype,
                           std::span<const int64_t> shape, const Quantization* quant,
                           bool dequantize);
// The constant contents of a model tensor (empty values with a problem when it has none).
TensorValues decode_tensor(const Tensor& tensor, bool dequantize = true);

struct TensorStats {
  int64_t count = 0;         // all elements
  int64_t finite_count = 0;  // elements that are neither NaN nor +-Inf
  int64_t nan_count = 0;
  int64_t inf_count = 0;
  int64_t zero_count = 0;
  double min = 0, max = 0, mean = 0, std = 0;  // over finite elements; std is the population std
  double zero_fraction() const { return count ? static_cast<double>(zero_count) / count : 0.0; }
};
TensorStats compute_stats(std::span<const double> values);

struct Histogram {
  double lo = 0, hi = 0;  // range of finite values
  std::vector<int64_t> counts;
};
Histogram compute_histogram(std::span<const double> values, int bins);

// A 2-D view of an N-D tensor: rows run along `row_axis`, columns along `col_axis`, and every other
// axis is fixed at `fixed[axis]`. A rank-1 tensor is one row; a scalar is 1x1.
struct Slice2D {
  int64_t rows = 0, cols = 0;
  std::vector<double> values;  // rows * cols, row-major
  double at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * cols + c)]; }
};
Slice2D slice_2d(const TensorValues& tensor, int row_axis, int col_axis,
                 std::span<const int64_t> fixed);

// "per-channel (axis 0, 32 channels): scale 1.2e-3…4.5e-2, zero points 0" or "scale 0.0235, zp
// -128"; empty when the tensor is not quantized.
std::string quant_channel_summary(const Quantization& quant);
std::string shape_text(std::span<const int64_t> shape);

// numpy .npy (format 1.0). Writes the raw bytes when numpy has the dtype (float16/32/64, ints,
// bool); otherwise (int4, bfloat16, ...) the decoded values as float64. Throws std::runtime_error
// on I/O failure.
void write_npy(const std::filesystem::path& path, const Tensor& tensor);
void write_npy_f64(const std::filesystem::path& path, std::span<const int64_t> shape,
                   std::span<const double> values);

}  // namespace edgelens::inspect
