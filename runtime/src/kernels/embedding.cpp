// EMBEDDING_LOOKUP (TFLite embedding_lookup.cc): output row i = value row ids[i]. Float values are
// copied; int8/uint8 values with a float output are the hybrid form, dequantized row by row with
// the per-tensor or per-row (axis 0) scale, like TFLite's EvalHybrid (which ignores zero points).
// Keyed on the ids' dtype (int32).
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void embedding_prepare(NodeContext& ctx) {
  const auto& ids = ctx.input(0);
  const auto& value = ctx.input(1);
  if (ids.rank() != 1) ctx.unsupported("ids must be 1-D");
  if (value.rank() < 2) ctx.unsupported("value must have rank >= 2");
  auto shape = value.shape;
  shape[0] = ids.shape[0];
  const DType out = ctx.output(0).ir->dtype;
  const bool hybrid =
      (value.dtype == DType::Int8 || value.dtype == DType::UInt8) && out == DType::Float32;
  if (!hybrid && out != value.dtype)
    ctx.unsupported(
        fmt::format("value {} with output {}", dtype_name(value.dtype), dtype_name(out)));
  if (hybrid && value.quant().scales.empty()) ctx.unsupported("hybrid value has no scale");
  ctx.set_output(0, out, shape);
}

void embedding_eval(NodeContext& ctx) {
  const auto ids = ctx.in<int32_t>(0);
  const auto& value = ctx.input(1);
  auto& out = ctx.output(0);
  const int64_t rows = value.shape[0];
  const int64_t row_elems = rows ? value.element_count() / rows : 0;
  const size_t out_es = std::max(1u, dtype_bits(out.dtype) / 8);
  const bool hybrid = out.dtype != value.dtype;
  const auto& scales = value.quant().scales;
  for (size_t i = 0; i < size_t(ctx.input(0).element_count()); ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= rows)
      throw std::runtime_error(
          fmt::format("EMBEDDING_LOOKUP: id {} (position {}) is outside the {} rows of the value",
                      id, i, rows));
    if (!hybrid) {
      std::memcpy(out.data + i * size_t(row_elems) * out_es,
                  value.data + size_t(id) * size_t(row_elems) * out_es, size_t(row_elems) * out_es);
      continue;
    }
    const float scale = scales.size() > 1 ? scales.at(size_t(id)) : scales[0];
    auto dst = out.mutable_view<float>().subspan(i * size_t(row_elems), size_t(row_elems));
    for (int64_t j = 0; j < row_elems; ++j) {
      const size_t at = size_t(id * row_elems + j);
      const float q = value.dtype == DType::Int8 ? float(value.view<int8_t>()[at])
                                                 : float(value.view<uint8_t>()[at]);
      dst[size_t(j)] = q * scale;
    }
  }
}

const RegisterKernel kEmbedding("EMBEDDING_LOOKUP", DType::Int32,
                                {embedding_prepare, embedding_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
