#include "edgelens/inspectors/tensor_values.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace edgelens::inspect {
namespace {

template <typename T>
T load(std::span<const std::byte> data, size_t index) {
  T v;
  std::memcpy(&v, data.data() + index * sizeof(T), sizeof(T));
  return v;
}

double half_to_double(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exp = (h >> 10) & 0x1f;
  const int frac = h & 0x3ff;
  double v;
  if (exp == 0)
    v = std::ldexp(static_cast<double>(frac), -24);
  else if (exp == 31)
    v = frac ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else
    v = std::ldexp(static_cast<double>(frac | 0x400), exp - 25);
  return sign ? -v : v;
}

double bfloat16_to_double(uint16_t b) {
  return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(b) << 16));
}

// OCP FP8 formats: E4M3FN has no infinities and one NaN pattern; E5M2 follows IEEE rules.
double fp8_to_double(uint8_t b, bool e4m3) {
  const int sign = b >> 7;
  const int exp_bits = e4m3 ? 4 : 5, man_bits = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
  const int exp = (b >> man_bits) & ((1 << exp_bits) - 1);
  const int man = b & ((1 << man_bits) - 1);
  double v;
  if (e4m3 && exp == 15 && man == 7) return std::numeric_limits<double>::quiet_NaN();
  if (!e4m3 && exp == 31)
    v = man ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else if (exp == 0)
    v = std::ldexp(static_cast<double>(man), 1 - bias - man_bits);
  else
    v = std::ldexp(static_cast<double>(man | (1 << man_bits)), exp - bias - man_bits);
  return sign ? -v : v;
}

// Element i of packed sub-byte data (low bits first, as TFLite and ExecuTorch pack int4).
int sub_byte(std::span<const std::byte> data, int64_t i, unsigned bits, bool is_signed) {
  const int64_t bit = i * bits;
  const unsigned byte = std::to_integer<unsigned>(data[static_cast<size_t>(bit / 8)]);
  const unsigned v = (byte >> (bit % 8)) & ((1u << bits) - 1);
  if (is_signed && (v & (1u << (bits - 1)))) return static_cast<int>(v) - (1 << bits);
  return static_cast<int>(v);
}

bool decodable(DType t) {
  switch (t) {
    case DType::Unknown:
    case DType::String:
    case DType::Resource:
    case DType::Variant:
    case DType::Complex64:
    case DType::Complex128:
      return false;
    default:
      return true;
  }
}

const char* numpy_descr(DType t) {
  switch (t) {
    case DType::Bool:
      return "|b1";
    case DType::Int8:
      return "|i1";
    case DType::UInt8:
      return "|u1";
    case DType::Int16:
      return "<i2";
    case DType::UInt16:
      return "<u2";
    case DType::Int32:
    case DType::QInt32:
      return "<i4";
    case DType::UInt32:
      return "<u4";
    case DType::Int64:
      return "<i8";
    case DType::UInt64:
      return "<u8";
    case DType::Float16:
      return "<f2";
    case DType::Float32:
      return "<f4";
    case DType::Float64:
      return "<f8";
    case DType::Complex64:
      return "<c8";
    case DType::Complex128:
      return "<c16";
    default:
      return nullptr;
  }
}

std::string numpy_shape(std::span<const int64_t> shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

void write_npy_bytes(const std::filesystem::path& path, const char* descr,
                     std::span<const int64_t> shape, std::span<const std::byte> bytes) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   descr, numpy_shape(shape));
  // Magic (6) + version (2) + header length (2) + header + '\n', padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error(fmt::format("{}: cannot open for writing", path.string()));
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(magic, 8);
  const auto len = static_cast<uint16_t>(header.size());
  const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(fmt::format("{}: write failed", path.string()));
}

}  // namespace

int64_t TensorValues::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

TensorValues decode_values(std::span<const std::byte> data, DType dtype,
                           std::span<const int64_t> shape, const Quantization* quant,
                           bool dequantize) {
  TensorValues out;
  out.shape.assign(shape.begin(), shape.end());
  out.dtype = dtype;
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d && count > std::numeric_limits<int64_t>::max() / d)) {
      out.problem = "shape has a negative or too large dimension";
      return out;
    }
    count *= d;
  }
  if (!decodable(dtype)) {
    out.problem = fmt::format("{} values are not shown", dtype_name(dtype));
    return out;
  }
  const unsigned bits = dtype_bits(dtype);
  const int64_t available = static_cast<int64_t>(data.size()) * 8 / bits;
  if (available < count) {
    out.problem = fmt::format("data hold {} of {} elements", available, count);
    count = available;
  }
  out.values.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const auto k = static_cast<size_t>(i);
    double v = 0;
    switch (dtype) {
      case DType::Bool:
      case DType::UInt8:
        v = load<uint8_t>(data, k);
        break;
      case DType::Int8:
        v = load<int8_t>(data, k);
        break;
      case DType::Int16:
        v = load<int16_t>(data, k);
        break;
      case DType::UInt16:
        v = load<uint16_t>(data, k);
        break;
      case DType::Int32:
      case DType::QInt32:
        v = load<int32_t>(data, k);
        break;
      case DType::UInt32:
        v = load<uint32_t>(data, k);
        break;
      case DType::Int64:
        v = static_cast<double>(load<int64_t>(data, k));
        break;
      case DType::UInt64:
        v = static_cast<double>(load<uint64_t>(data, k));
        break;
      case DType::Float16:
        v = half_to_double(load<uint16_t>(data, k));
        break;
      case DType::BFloat16:
        v = bfloat16_to_double(load<uint16_t>(data, k));
        break;
      case DType::Float32:
        v = load<float>(data, k);
        break;
      case DType::Float64:
        v = load<double>(data, k);
        break;
      case DType::Float8E4M3FN:
        v = fp8_to_double(load<uint8_t>(data, k), true);
        break;
      case DType::Float8E5M2:
        v = fp8_to_double(load<uint8_t>(data, k), false);
        break;
      case DType::Int4:
        v = sub_byte(data, i, 4, true);
        break;
      case DType::UInt4:
        v = sub_byte(data, i, 4, false);
        break;
      case DType::Int2:
        v = sub_byte(data, i, 2, true);
        break;
      default:
        break;
    }
    out.values[k] = v;
  }
  if (dequantize && quant && !quant->scales.empty() && dtype_is_integer(dtype)) {
    const size_t channels = quant->scales.size();
    const int axis = quant->axis;
    const bool per_channel = channels > 1 && axis >= 0 && axis < static_cast<int>(shape.size()) &&
                             shape[static_cast<size_t>(axis)] == static_cast<int64_t>(channels);
    if (channels > 1 && !per_channel) {
      out.problem =
          fmt::format("{} scales do not match axis {} of shape {}; values not dequantized",
                      channels, axis, shape_text(shape));
      return out;
    }
    int64_t inner = 1;  // elements per step along the quantized axis
    if (per_channel)
      for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    for (int64_t i = 0; i < count; ++i) {
      const size_t c =
          per_channel ? static_cast<size_t>((i / inner) % static_cast<int64_t>(channels)) : 0;
      double zp = 0;
      if (c < quant->zero_points.size())
        zp = static_cast<double>(quant->zero_points[c]);
      else if (quant->zero_points.size() == 1)
        zp = static_cast<double>(quant->zero_points[0]);
      auto& v = out.values[static_cast<size_t>(i)];
      v = static_cast<double>(quant->scales[c]) * (v - zp);
    }
    out.dequantized = true;
  }
  return out;
}

TensorValues decode_tensor(const Tensor& tensor, bool dequantize) {
  if (!tensor.is_constant) {
    TensorValues out;
    out.shape = tensor.shape;
    out.dtype = tensor.dtype;
    out.problem = "not a constant: values exist only at run time";
    return out;
  }
  return decode_values(tensor.data, tensor.dtype, tensor.shape, &tensor.quant, dequantize);
}

TensorStats compute_stats(std::span<const double> values) {
  TensorStats s;
  s.count = static_cast<int64_t>(values.size());
  double sum = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (std::isnan(v)) {
      ++s.nan_count;
      continue;
    }
    if (std::isinf(v)) {
      ++s.inf_count;
      continue;
    }
    if (v == 0) ++s.zero_count;
    ++s.finite_count;
    sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  if (s.finite_count == 0) {
    s.min = s.max = 0;
    return s;
  }
  s.mean = sum / static_cast<double>(s.finite_count);
  double sq = 0;  // second pass: numerically stable variance
  for (double v : values)
    if (std::isfinite(v)) sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(s.finite_count));
  return s;
}

Histogram compute_histogram(std::span<const double> values, int bins) {
  Histogram h;
  if (bins <= 0) return h;
  h.counts.assign(static_cast<size_t>(bins), 0);
  bool any = false;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (!any) {
      h.lo = h.hi = v;
      any = true;
    }
    h.lo = std::min(h.lo, v);
    h.hi = std::max(h.hi, v);
  }
  if (!any) return h;
  const double width = h.hi > h.lo ? (h.hi - h.lo) / bins : 1.0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    const auto b = std::clamp<int64_t>(static_cast<int64_t>((v - h.lo) / width), 0, bins - 1);
    ++h.counts[static_cast<size_t>(b)];
  }
  return h;
}

Slice2D slice_2d(const TensorValues& tensor, int row_axis, int col_axis,
                 std::span<const int64_t> fixed) {
  Slice2D s;
  const auto& shape = tensor.shape;
  const int rank = static_cast<int>(shape.size());
  if (rank == 0) {
    s.rows = s.cols = tensor.values.empty() ? 0 : 1;
    s.values.assign(tensor.values.begin(), tensor.values.begin() + s.rows);
    return s;
  }
  std::vector<int64_t> strides(static_cast<size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d) {
    const auto ud = static_cast<size_t>(d);
    strides[ud] = strides[ud + 1] * shape[ud + 1];
  }
  if (rank == 1 || row_axis < 0 || row_axis >= rank) row_axis = -1;
  if (col_axis < 0 || col_axis >= rank || col_axis == row_axis)
    col_axis = row_axis == rank - 1 ? rank - 2 : rank - 1;
  int64_t base = 0;
  for (int d = 0; d < rank; ++d) {
    if (d == row_axis || d == col_axis) continue;
    const auto ud = static_cast<size_t>(d);
    const int64_t idx = ud < fixed.size()
                            ? std::clamp<int64_t>(fixed[ud], 0, std::max<int64_t>(shape[ud] - 1, 0))
                            : 0;
    base += idx * strides[ud];
  }
  s.rows = row_axis >= 0 ? shape[static_cast<size_t>(row_axis)] : 1;
  s.cols = shape[static_cast<size_t>(col_axis)];
  const int64_t row_stride = row_axis >= 0 ? strides[static_cast<size_t>(row_axis)] : 0;
  const int64_t col_stride = strides[static_cast<size_t>(col_axis)];
  s.values.resize(static_cast<size_t>(s.rows * s.cols), std::numeric_limits<double>::quiet_NaN());
  const auto n = static_cast<int64_t>(tensor.values.size());
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t c = 0; c < s.cols; ++c) {
      const int64_t at = base + r * row_stride + c * col_stride;
      if (at < n)
        s.values[static_cast<size_t>(r * s.cols + c)] = tensor.values[static_cast<size_t>(at)];
    }
  return s;
}

std::string shape_text(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string quant_channel_summary(const Quantization& q) {
  if (q.custom) return "custom quantization";
  std::string out;
  if (q.blockwise)
    out = fmt::format("blockwise (block {}, scales in tensor {})", q.blockwise->block_size,
                      q.blockwise->scales_tensor);
  if (q.scales.size() == 1) {
    out = fmt::format("scale {:.6g}, zero point {}", q.scales[0],
                      q.zero_points.empty() ? 0 : q.zero_points[0]);
  } else if (q.scales.size() > 1) {
    const auto [smin, smax] = std::minmax_element(q.scales.begin(), q.scales.end());
    std::string zps = "0";
    if (!q.zero_points.empty()) {
      const auto [zmin, zmax] = std::minmax_element(q.zero_points.begin(), q.zero_points.end());
      zps = *zmin == *zmax ? fmt::format("{}", *zmin) : fmt::format("{}…{}", *zmin, *zmax);
    }
    out = fmt::format("per-channel (axis {}, {} channels): scale {:.4g}…{:.4g}, zero points {}",
                      q.axis, q.scales.size(), *smin, *smax, zps);
  }
  if (!q.min.empty() && !q.max.empty()) {
    const auto mn = *std::min_element(q.min.begin(), q.min.end());
    const auto mx = *std::max_element(q.max.begin(), q.max.end());
    out += fmt::format("{}range {:.4g}…{:.4g}", out.empty() ? "" : "; ", mn, mx);
  }
  return out;
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  const int64_t bytes = tensor.byte_size();
  if (const char* descr = numpy_descr(tensor.dtype);
      descr && bytes >= 0 && static_cast<int64_t>(tensor.data.size()) >= bytes) {
    write_npy_bytes(path, descr, tensor.shape, tensor.data.first(static_cast<size_t>(bytes)));
    return;
  }
  const TensorValues v = decode_tensor(tensor, false);
  if (static_cast<int64_t>(v.values.size()) != v.element_count())
    throw std::runtime_error(fmt::format("{}: {}", tensor.name, v.problem));
  write_npy_f64(path, v.shape, v.values);
}

void write_npy_f64(const std::filesystem::path& path, std::span<const int64_t> shape,
                   std::span<const double> values) {
  write_npy_bytes(path, "<f8", shape, std::as_bytes(values));
}

}  // namespace edgelens::inspect
