// ExecuTorch copy kernels: aten::permute_copy.out, aten::view_copy.out, aten::clone.out,
// aten::_to_copy.out and the dim-order variants dim_order_ops::_to_dim_order_copy.out /
// dim_order_ops::_clone_dim_order.out that newer exporters emit instead of _to_copy / clone.
//
// _to_copy / _to_dim_order_copy convert to the out tensor's dtype element by element with
// static_cast (to bool: != 0), as the portable kernels do. A float that an integer type cannot
// hold (NaN, out of range) is undefined behaviour there; here it saturates (NaN -> 0).
//
// Dim order: EdgeLens's kernels read every tensor as contiguous in its logical shape. A copy whose
// input and output share a dim order copies the bytes as they are (the layout is kept, whatever it
// is); a copy that would change the memory layout (contiguous <-> channels-last) is refused.
#include <cmath>
#include <limits>
#include <numeric>

#include "aten_util.h"

namespace edgelens::runtime::kernels::aten {
namespace {

std::vector<int64_t> identity_order(size_t rank) {
  std::vector<int64_t> order(rank);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

// The dim order a tensor of the program is stored in (empty in the IR = contiguous).
std::vector<int64_t> dim_order_of(const TensorBuffer& t) {
  if (!t.ir || t.ir->dim_order.empty()) return identity_order(t.shape.size());
  return {t.ir->dim_order.begin(), t.ir->dim_order.end()};
}

void check_same_layout(NodeContext& ctx) {
  const auto in_order = dim_order_of(ctx.input(0));
  const auto out_order = dim_order_of(ctx.output(0));
  if (ctx.has_attr("dim_order")) {
    const auto requested = ctx.attr_ints("dim_order");
    if (requested != out_order)
      ctx.unsupported(fmt::format("dim_order argument {} differs from the out tensor's {}",
                                  shape_string(requested), shape_string(out_order)));
  }
  if (in_order.size() == out_order.size() && in_order != out_order)
    ctx.unsupported(
        fmt::format("changes the memory layout from dim order {} to {}; EdgeLens "
                    "kernels keep each tensor's bytes as they are and do not "
                    "implement layout changes",
                    shape_string(in_order), shape_string(out_order)));
}

// Saturating float -> integer (see the file comment); everything else as convert().
template <class To, class From>
To convert_saturating(From v) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> &&
                !std::is_same_v<To, bool>) {
    if (std::isnan(v)) return To{0};
    if (v <= static_cast<From>(std::numeric_limits<To>::lowest()))
      return std::numeric_limits<To>::lowest();
    if (v >= static_cast<From>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
  }
  return convert<To>(v);
}

// ---- _to_copy, _to_dim_order_copy, clone, _clone_dim_order --------------------------------
void to_copy_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 1) ctx.unsupported("expects one tensor input");
  require_defined_inputs(ctx);
  const auto& in = ctx.input(0);
  const DType to = declared_output_dtype(ctx, 0);
  if (!is_plain_numeric(in.dtype) || !is_plain_numeric(to))
    ctx.unsupported(
        fmt::format("{} -> {} is not implemented (bool, integer and float32/float64 "
                    "only)",
                    dtype_name(in.dtype), dtype_name(to)));
  check_same_layout(ctx);
  ctx.set_output(0, to, in.shape);
}

void to_copy_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  if (in.dtype == out.dtype) return convert_tensor(in, out);
  const auto n = static_cast<size_t>(in.element_count());
  std::byte* dst = out.mutable_raw().data();
  visit_dtype(in.dtype, [&]<class From>(From) {
    visit_dtype(out.dtype, [&]<class To>(To) {
      for (size_t i = 0; i < n; ++i)
        store_element<To>(dst, i, convert_saturating<To>(load_element<From>(in.data, i)));
    });
  });
}

void clone_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 1) ctx.unsupported("expects one tensor input");
  require_defined_inputs(ctx);
  const auto& in = ctx.input(0);
  if (declared_output_dtype(ctx, 0) != in.dtype)
    ctx.unsupported(fmt::format("output dtype {} differs from the input's {}",
                                dtype_name(declared_output_dtype(ctx, 0)), dtype_name(in.dtype)));
  if (dtype_bits(in.dtype) == 0 || dtype_bits(in.dtype) % 8 != 0)
    ctx.unsupported(fmt::format("{} elements are not whole bytes", dtype_name(in.dtype)));
  check_same_layout(ctx);
  ctx.set_output(0, in.dtype, in.shape);
}

void copy_bytes_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  if (in.byte_size() == 0) return;  // no memcpy from a null buffer
  std::memcpy(out.mutable_raw().data(), in.data, in.byte_size());
}

// ---- permute_copy ----------------------------------------------------------------------------
struct Permutation {
  std::vector<size_t> dims;  // output dim k is input dim dims[k]
};

void permute_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 1) ctx.unsupported("expects one tensor input");
  require_defined_inputs(ctx);
  const auto& in = ctx.input(0);
  if (dtype_bits(in.dtype) == 0 || dtype_bits(in.dtype) % 8 != 0)
    ctx.unsupported(fmt::format("{} elements are not whole bytes", dtype_name(in.dtype)));
  if (!dim_order_of(in).empty() && dim_order_of(in) != identity_order(in.shape.size()))
    ctx.unsupported("the input is not contiguous (dim order " + shape_string(dim_order_of(in)) +
                    ")");
  const auto dims = ctx.attr_ints("dims");
  const auto rank = static_cast<int64_t>(in.shape.size());
  if (static_cast<int64_t>(dims.size()) != rank)
    ctx.unsupported(fmt::format("dims {} for a rank-{} input", shape_string(dims), rank));
  auto& perm = ctx.state<Permutation>();
  perm.dims.clear();
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  std::vector<int64_t> shape;
  for (int64_t d : dims) {
    const int64_t k = d < 0 ? d + rank : d;
    if (k < 0 || k >= rank || seen[static_cast<size_t>(k)])
      ctx.unsupported(
          fmt::format("dims {} is not a permutation of 0..{}", shape_string(dims), rank - 1));
    seen[static_cast<size_t>(k)] = true;
    perm.dims.push_back(static_cast<size_t>(k));
    shape.push_back(in.shape[static_cast<size_t>(k)]);
  }
  if (declared_output_dtype(ctx, 0) != in.dtype)
    ctx.unsupported(fmt::format("output dtype {} differs from the input's {}",
                                dtype_name(declared_output_dtype(ctx, 0)), dtype_name(in.dtype)));
  ctx.set_output(0, in.dtype, shape);
}

void permute_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  const auto& perm = ctx.state<Permutation>().dims;
  const size_t rank = perm.size();
  const size_t elem = dtype_bits(in.dtype) / 8;
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * in.shape[d];
  // Output strides walked in the input: output dim k steps input dim perm[k].
  std::vector<int64_t> step(rank);
  for (size_t k = 0; k < rank; ++k) step[k] = in_strides[perm[k]];
  const auto n = out.element_count();
  std::byte* dst = out.mutable_raw().data();
  std::vector<int64_t> idx(rank, 0);
  int64_t src = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * elem, in.data + static_cast<size_t>(src) * elem,
                elem);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      src += step[d];
      if (idx[d] < out.shape[d]) break;
      src -= step[d] * idx[d];
      idx[d] = 0;
    }
  }
}

// ---- view_copy -------------------------------------------------------------------------------
void view_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 1) ctx.unsupported("expects one tensor input");
  require_defined_inputs(ctx);
  const auto& in = ctx.input(0);
  if (dtype_bits(in.dtype) == 0 || dtype_bits(in.dtype) % 8 != 0)
    ctx.unsupported(fmt::format("{} elements are not whole bytes", dtype_name(in.dtype)));
  auto shape = ctx.attr_ints("size");
  int64_t known = 1;
  int inferred = -1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == -1 && inferred < 0)
      inferred = static_cast<int>(k);
    else if (shape[k] < 0)
      ctx.unsupported(fmt::format("size {} has a negative entry", shape_string(shape)));
    else
      known *= shape[k];
  }
  if (inferred >= 0 && known > 0) shape[static_cast<size_t>(inferred)] = in.element_count() / known;
  if (element_count(shape) != in.element_count())
    ctx.unsupported(fmt::format("size {} does not hold the input's {} elements",
                                shape_string(shape), in.element_count()));
  ctx.set_output(0, in.dtype, shape);
}

const RegisterKernel kToCopy({"aten::_to_copy.out", "dim_order_ops::_to_dim_order_copy.out"},
                             {DType::Unknown}, {to_copy_prepare, to_copy_eval});
const RegisterKernel kClone({"aten::clone.out", "dim_order_ops::_clone_dim_order.out"},
                            {DType::Unknown}, {clone_prepare, copy_bytes_eval});
const RegisterKernel kPermute("aten::permute_copy.out", DType::Unknown,
                              {permute_prepare, permute_eval});
const RegisterKernel kView("aten::view_copy.out", DType::Unknown, {view_prepare, copy_bytes_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels::aten
