// Tensor types, quantization and sparsity of .tflite tensors.
#include <fmt/format.h>

#include "tflite_internal.h"

namespace edgelens::tflite_detail {

namespace {
struct TypePair {
  tflite::TensorType tfl;
  DType dtype;
};
constexpr TypePair kTypes[] = {
    {tflite::TensorType::FLOAT32, DType::Float32},
    {tflite::TensorType::FLOAT16, DType::Float16},
    {tflite::TensorType::INT32, DType::Int32},
    {tflite::TensorType::UINT8, DType::UInt8},
    {tflite::TensorType::INT64, DType::Int64},
    {tflite::TensorType::STRING, DType::String},
    {tflite::TensorType::BOOL, DType::Bool},
    {tflite::TensorType::INT16, DType::Int16},
    {tflite::TensorType::COMPLEX64, DType::Complex64},
    {tflite::TensorType::INT8, DType::Int8},
    {tflite::TensorType::FLOAT64, DType::Float64},
    {tflite::TensorType::COMPLEX128, DType::Complex128},
    {tflite::TensorType::UINT64, DType::UInt64},
    {tflite::TensorType::RESOURCE, DType::Resource},
    {tflite::TensorType::VARIANT, DType::Variant},
    {tflite::TensorType::UINT32, DType::UInt32},
    {tflite::TensorType::UINT16, DType::UInt16},
    {tflite::TensorType::INT4, DType::Int4},
    {tflite::TensorType::BFLOAT16, DType::BFloat16},
    {tflite::TensorType::INT2, DType::Int2},
    {tflite::TensorType::UINT4, DType::UInt4},
    {tflite::TensorType::FLOAT8_E4M3FN, DType::Float8E4M3FN},
    {tflite::TensorType::FLOAT8_E5M2, DType::Float8E5M2},
};

template <typename V>
std::vector<int32_t> index_vector(const tflite::DimensionMetadata& d, bool segments) {
  std::vector<int32_t> out;
  const auto type = segments ? d.array_segments_type() : d.array_indices_type();
  const void* p = segments ? d.array_segments() : d.array_indices();
  if (!p) return out;
  auto copy = [&](const auto* vec) {
    if (vec && vec->values())
      for (auto v : *vec->values()) out.push_back(static_cast<int32_t>(v));
  };
  switch (type) {
    case tflite::SparseIndexVector::Int32Vector:
      copy(static_cast<const tflite::Int32Vector*>(p));
      break;
    case tflite::SparseIndexVector::Uint16Vector:
      copy(static_cast<const tflite::Uint16Vector*>(p));
      break;
    case tflite::SparseIndexVector::Uint8Vector:
      copy(static_cast<const tflite::Uint8Vector*>(p));
      break;
    default:
      break;
  }
  return out;
}
}  // namespace

DType dtype_from_tflite(int8_t type) {
  for (const auto& p : kTypes)
    if (static_cast<int8_t>(p.tfl) == type) return p.dtype;
  return DType::Unknown;
}

int tflite_from_dtype(DType dtype) {
  for (const auto& p : kTypes)
    if (p.dtype == dtype) return static_cast<int>(p.tfl);
  return -1;
}

Quantization decode_quantization(const tflite::QuantizationParameters& q, size_t rank,
                                 std::vector<std::string>& problems) {
  Quantization out;
  out.scales = vector_values(q.scale());
  out.zero_points = vector_values(q.zero_point());
  out.min = vector_values(q.min());
  out.max = vector_values(q.max());
  out.axis = q.quantized_dimension();
  // Converters write zero_point omitted for symmetric per-channel weights: all zero then.
  if (!out.scales.empty() && out.zero_points.empty()) out.zero_points.assign(out.scales.size(), 0);
  if (out.zero_points.size() != out.scales.size())
    problems.push_back(
        fmt::format("{} scales but {} zero points", out.scales.size(), out.zero_points.size()));
  if (out.scales.size() > 1 && (out.axis < 0 || static_cast<size_t>(out.axis) >= rank))
    problems.push_back(fmt::format("per-channel axis {} outside rank {}", out.axis, rank));
  switch (q.details_type()) {
    case tflite::QuantizationDetails::CustomQuantization:
      out.custom = true;
      break;
    case tflite::QuantizationDetails::BlockwiseQuantization:
      if (const auto* b = q.details_as_BlockwiseQuantization())
        out.blockwise = Blockwise{b->scales(), b->zero_points(), b->block_size()};
      break;
    case tflite::QuantizationDetails::MultiAxisQuantization:
      if (const auto* m = q.details_as_MultiAxisQuantization()) {
        out.blockwise = Blockwise{m->scales(), m->zero_points(), m->block_size()};
        if (m->quantized_dimensions() && m->quantized_dimensions()->size() > 0)
          out.axis = m->quantized_dimensions()->Get(0);
      }
      break;
    default:
      break;
  }
  return out;
}

Sparsity decode_sparsity(const tflite::SparsityParameters& s) {
  Sparsity out;
  if (s.traversal_order())
    out.traversal_order.assign(s.traversal_order()->begin(), s.traversal_order()->end());
  if (s.block_map()) out.block_map.assign(s.block_map()->begin(), s.block_map()->end());
  if (s.dim_metadata())
    for (const auto* d : *s.dim_metadata()) {
      SparseDimension dim;
      if (d) {
        dim.sparse_csr = d->format() == tflite::DimensionType::SPARSE_CSR;
        dim.dense_size = d->dense_size();
        dim.segments = index_vector<void>(*d, true);
        dim.indices = index_vector<void>(*d, false);
      }
      out.dims.push_back(std::move(dim));
    }
  return out;
}

}  // namespace edgelens::tflite_detail
