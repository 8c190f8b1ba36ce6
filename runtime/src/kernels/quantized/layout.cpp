// Layout ops on quantized tensors: RESHAPE / SQUEEZE (bytes unchanged, quantization passes
// through), TRANSPOSE (a permuted copy). Values are never rescaled, so these are exact.
#include <cstring>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

std::vector<int64_t> int_values(const NodeContext& ctx, const TensorBuffer& t) {
  std::vector<int64_t> v;
  if (t.dtype == DType::Int32)
    for (auto x : t.view<int32_t>()) v.push_back(x);
  else if (t.dtype == DType::Int64)
    for (auto x : t.view<int64_t>()) v.push_back(x);
  else
    ctx.unsupported(fmt::format("shape tensor of dtype {}", dtype_name(t.dtype)));
  return v;
}

void reshape_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  std::vector<int64_t> shape;
  if (ctx.has_input(1) && ctx.input_is_constant(1) && ctx.input(1).rank() == 1)
    shape = int_values(ctx, ctx.input(1));
  else if (ctx.has_attr("new_shape"))
    shape = ctx.attr_ints("new_shape");
  else if (ctx.output(0).ir)
    shape = ctx.output(0).ir->shape;
  const int64_t count = input.element_count();
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) ctx.unsupported("more than one -1 in the new shape");
      unknown = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0 && known > 0) shape[static_cast<size_t>(unknown)] = count / known;
  if (element_count(shape) != count)
    ctx.unsupported(
        fmt::format("cannot reshape {} to {}", shape_string(input.shape), shape_string(shape)));
  ctx.set_output(0, input.dtype, std::move(shape));
}

void squeeze_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto dims = ctx.attr_ints("squeeze_dims");
  std::vector<int64_t> shape;
  for (int d = 0; d < input.rank(); ++d) {
    bool drop = false;
    if (dims.empty()) {
      drop = input.dim(d) == 1;
    } else {
      for (auto s : dims)
        if ((s < 0 ? s + input.rank() : s) == d) drop = true;
    }
    if (drop && input.dim(d) != 1) ctx.unsupported("SQUEEZE of a dimension that is not 1");
    if (!drop) shape.push_back(input.dim(d));
  }
  ctx.set_output(0, input.dtype, std::move(shape));
}

void copy_eval(NodeContext& ctx) {
  const auto src = ctx.input(0).raw();
  auto dst = ctx.output(0).mutable_raw();
  if (!src.empty() && src.data() != dst.data())
    std::memmove(dst.data(), src.data(), std::min(src.size(), dst.size()));
}

struct TransposeState {
  std::vector<int64_t> perm;
};

void transpose_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("TRANSPOSE with a non-constant permutation");
  auto perm = int_values(ctx, ctx.input(1));
  if (static_cast<int>(perm.size()) != input.rank())
    ctx.unsupported("permutation length differs from the input rank");
  std::vector<int64_t> shape;
  std::vector<bool> seen(perm.size(), false);
  for (auto& p : perm) {
    if (p < 0) p += input.rank();
    if (p < 0 || p >= input.rank() || seen[static_cast<size_t>(p)])
      ctx.unsupported("invalid permutation");
    seen[static_cast<size_t>(p)] = true;
    shape.push_back(input.dim(static_cast<int>(p)));
  }
  ctx.state<TransposeState>().perm = std::move(perm);
  ctx.set_output(0, input.dtype, std::move(shape));
}

void transpose_eval(NodeContext& ctx) {
  const auto& perm = ctx.state<TransposeState>().perm;
  const auto& input = ctx.input(0);
  auto& output = ctx.output(0);
  const size_t esize = dtype_bits(input.dtype) / 8;
  const int rank = input.rank();
  std::vector<int64_t> in_stride(static_cast<size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d)
    in_stride[static_cast<size_t>(d)] = in_stride[static_cast<size_t>(d + 1)] * input.dim(d + 1);
  // Output dimension k walks input dimension perm[k].
  std::vector<int64_t> stride(static_cast<size_t>(rank)), idx(static_cast<size_t>(rank), 0);
  for (int k = 0; k < rank; ++k)
    stride[static_cast<size_t>(k)] = in_stride[static_cast<size_t>(perm[static_cast<size_t>(k)])];
  const auto src = input.raw();
  auto dst = output.mutable_raw();
  const int64_t total = output.element_count();
  int64_t offset = 0;
  for (int64_t o = 0; o < total; ++o) {
    std::memcpy(&dst[static_cast<size_t>(o) * esize], &src[static_cast<size_t>(offset) * esize],
                esize);
    for (int k = rank - 1; k >= 0; --k) {
      const auto ku = static_cast<size_t>(k);
      ++idx[ku];
      offset += stride[ku];
      if (idx[ku] < output.dim(k)) break;
      offset -= stride[ku] * idx[ku];
      idx[ku] = 0;
    }
  }
}

const RegisterKernel kReshapeQ({"RESHAPE"}, {DType::Int8, DType::UInt8, DType::Int16},
                               {reshape_prepare, copy_eval});
const RegisterKernel kSqueezeQ({"SQUEEZE"}, {DType::Int8, DType::UInt8, DType::Int16},
                               {squeeze_prepare, copy_eval});
const RegisterKernel kTransposeQ({"TRANSPOSE"}, {DType::Int8, DType::UInt8, DType::Int16},
                                 {transpose_prepare, transpose_eval});

}  // namespace
}  // namespace edgelens::runtime
