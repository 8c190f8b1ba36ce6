// SCATTER_ND (TFLite scatter_nd.cc): output of `shape` filled with zeros, then every update slice
// added at its index tuple (duplicates accumulate). Indices out of bounds fail the run, as TFLite's
// "scatter_nd index out of bounds". The node is keyed on the indices' dtype (int32/int64).
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

std::vector<int64_t> target_shape(NodeContext& ctx) {
  auto shape = int_values(ctx.input(2));
  for (auto d : shape)
    if (d < 0) throw std::runtime_error(fmt::format("SCATTER_ND: negative dimension {}", d));
  return shape;
}

void check_shapes(NodeContext& ctx, std::span<const int64_t> shape) {
  const auto& idx = ctx.input(0);
  const auto& upd = ctx.input(1);
  if (idx.rank() < 1) ctx.unsupported("indices must have rank >= 1");
  const int64_t depth = idx.dim(-1);
  if (depth > int64_t(shape.size()))
    ctx.unsupported(fmt::format("index depth {} exceeds the output rank {}", depth, shape.size()));
  // updates.shape == indices.shape[:-1] + shape[depth:]
  std::vector<int64_t> expect(idx.shape.begin(), idx.shape.end() - 1);
  expect.insert(expect.end(), shape.begin() + depth, shape.end());
  if (expect != upd.shape)
    ctx.unsupported(fmt::format("updates have shape {}, expected {}", shape_string(upd.shape),
                                shape_string(expect)));
}

void scatter_prepare(NodeContext& ctx) {
  const auto& upd = ctx.input(1);
  const DType index_type = ctx.input(0).dtype;
  if (index_type != DType::Int32 && index_type != DType::Int64)
    ctx.unsupported("indices must be int32 or int64");
  if (ctx.input_is_constant(2)) {
    const auto shape = target_shape(ctx);
    check_shapes(ctx, shape);
    ctx.set_output(0, upd.dtype, shape);
  } else {
    ctx.set_output_dynamic(0, upd.dtype);
  }
}

void scatter_eval(NodeContext& ctx) {
  const auto shape = target_shape(ctx);
  if (ctx.output(0).dynamic) {
    check_shapes(ctx, shape);
    ctx.resize_output(0, shape);
  }
  const auto& idx_t = ctx.input(0);
  const auto& upd_t = ctx.input(1);
  auto& out_t = ctx.output(0);
  const auto indices = int_values(idx_t);
  const int64_t depth = idx_t.dim(-1);
  const int64_t n_updates = depth ? int64_t(indices.size()) / depth : 0;
  int64_t slice = 1;
  for (size_t d = size_t(depth); d < shape.size(); ++d) slice *= shape[d];
  // Element stride of each indexed dimension.
  std::vector<int64_t> strides(size_t(depth), 0);
  for (int64_t d = 0; d < depth; ++d) {
    int64_t s = 1;
    for (size_t e = size_t(d) + 1; e < shape.size(); ++e) s *= shape[e];
    strides[size_t(d)] = s;
  }
  auto out = out_t.mutable_raw();
  std::memset(out.data(), 0, out.size());
  const int64_t total = element_count(shape);
  auto position = [&](int64_t u) {
    int64_t at = 0;
    for (int64_t d = 0; d < depth; ++d) at += indices[size_t(u * depth + d)] * strides[size_t(d)];
    if (at < 0 || at + slice > total)
      throw std::runtime_error(
          fmt::format("SCATTER_ND: update {} (index [{}]) is out of bounds of the output {}", u,
                      fmt::join(std::span(indices).subspan(size_t(u * depth), size_t(depth)), ","),
                      shape_string(shape)));
    return at;
  };
  auto run = [&]<class T>() {
    const auto upd = upd_t.view<T>();
    auto dst = out_t.mutable_view<T>();
    for (int64_t u = 0; u < n_updates; ++u) {
      const int64_t at = position(u);
      for (int64_t j = 0; j < slice; ++j)
        dst[size_t(at + j)] = static_cast<T>(dst[size_t(at + j)] + upd[size_t(u * slice + j)]);
    }
  };
  switch (upd_t.dtype) {
    case DType::Float32:
      return run.operator()<float>();
    case DType::Int8:
      return run.operator()<int8_t>();
    case DType::UInt8:
      return run.operator()<uint8_t>();
    case DType::Int32:
      return run.operator()<int32_t>();
    case DType::Int64:
      return run.operator()<int64_t>();
    case DType::Bool: {
      // TFLite ORs booleans.
      const auto upd = upd_t.view<uint8_t>();
      auto dst = out_t.mutable_view<uint8_t>();
      for (int64_t u = 0; u < n_updates; ++u) {
        const int64_t at = position(u);
        for (int64_t j = 0; j < slice; ++j) dst[size_t(at + j)] |= upd[size_t(u * slice + j)];
      }
      return;
    }
    default:
      ctx.unsupported(fmt::format("SCATTER_ND on {} updates", dtype_name(upd_t.dtype)));
  }
}

const RegisterKernel kScatterNd({"SCATTER_ND"}, {DType::Int32, DType::Int64},
                                {scatter_prepare, scatter_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
