// XNNPACK claim rules for data-movement ops (reshape, pad, concat, split, slice, transpose),
// reductions, resize, depth/space, batch matmul, variables and composites (notes 2.2/2.3).
#include <algorithm>

#include "xnnpack_internal.h"

namespace edgelens::delegate::xnn {
namespace {

constexpr size_t kMaxDims = 6;  // XNN_MAX_TENSOR_DIMS

Result check_data_io(const Check& c) {
  const Tensor* in = c.op() == "SPLIT" ? c.in(1) : c.in(0);
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  EDGELENS_XNN_TRY(check_rank(c, in, "input", 0, kMaxDims));
  for (size_t i = 0; i < c.node.outputs.size(); ++i) {
    const Tensor* out = c.out(i);
    EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
    if (out->dtype != in->dtype)
      return c.no("dtype_mismatch",
                  fmt::format("input is {} but output is {}; XNNPACK needs the same type",
                              dtype_name(in->dtype), dtype_name(out->dtype)));
  }
  return std::nullopt;
}

}  // namespace

Verdict check_reshape_like(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 2, 1));
  if (c.op() == "EXPAND_DIMS" && !c.has_input(1)) return c.no("io_count", "axis input is missing");
  if (c.has_input(1))
    EDGELENS_XNN_TRY(check_static(c, c.in(1), c.op() == "RESHAPE" ? "new shape" : "axis"));
  EDGELENS_XNN_TRY(check_data_io(c));
  EDGELENS_XNN_TRY(check_rank(c, c.out(0), "output", 0, kMaxDims));
  EDGELENS_XNN_TRY(check_local_same_quant(c));
  return Verdict::yes();
}

Verdict check_pad(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  EDGELENS_XNN_TRY(check_static(c, c.in(1), "paddings"));
  EDGELENS_XNN_TRY(check_data_io(c));
  if (auto pads = detail::constant_ints(*c.in(1)))
    for (int64_t p : *pads)
      if (p < 0)
        return c.no("pad_negative",
                    fmt::format("negative padding {}; XNNPACK pads only outward", p));
  EDGELENS_XNN_TRY(check_local_same_quant(c));
  return Verdict::yes();
}

Verdict check_concatenation(const Check& c) {
  const size_t n = c.node.inputs.size();
  if (n < 2 || n > 5)
    return c.no("concat_inputs", fmt::format("{} inputs; XNNPACK concatenates 2 to 5 tensors", n));
  EDGELENS_XNN_TRY(check_io_counts(c, n, n, 1));
  for (size_t i = 0; i < n; ++i)
    EDGELENS_XNN_TRY(check_float_or_quant8(c, c.in(i), fmt::format("input {}", i)));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, c.out(0), "output"));
  return Verdict::yes();
}

Verdict check_split(const Check& c) {
  if (c.node.inputs.size() != 2)
    return c.no("io_count", fmt::format("{} inputs, XNNPACK expects 2", c.node.inputs.size()));
  EDGELENS_XNN_TRY(check_static(c, c.in(0), "axis"));
  EDGELENS_XNN_TRY(check_data_io(c));
  return Verdict::yes();
}

Verdict check_slice(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 3, 3, 1));
  EDGELENS_XNN_TRY(check_static(c, c.in(1), "begin"));
  EDGELENS_XNN_TRY(check_static(c, c.in(2), "size"));
  EDGELENS_XNN_TRY(check_data_io(c));
  return Verdict::yes();
}

Verdict check_strided_slice(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 4, 4, 1));
  EDGELENS_XNN_TRY(check_static(c, c.in(1), "begin"));
  EDGELENS_XNN_TRY(check_static(c, c.in(2), "end"));
  EDGELENS_XNN_TRY(check_static(c, c.in(3), "strides"));
  if (auto strides = detail::constant_ints(*c.in(3)))
    for (int64_t s : *strides)
      if (s != 1)
        return c.no("strided_slice_stride",
                    fmt::format("stride {}; XNNPACK slices with stride 1 only", s));
  for (const char* mask : {"ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    if (const int64_t m = detail::attr_int_or(c.node, mask, 0); m != 0)
      return c.no("strided_slice_mask", fmt::format("{} = {}; XNNPACK needs it 0", mask, m));
  if (detail::attr_bool_or(c.node, "offset", false))
    return c.no("strided_slice_mask", "offset = true is not supported by XNNPACK");
  EDGELENS_XNN_TRY(check_data_io(c));
  return Verdict::yes();
}

Verdict check_transpose(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  EDGELENS_XNN_TRY(check_static(c, c.in(1), "permutation"));
  EDGELENS_XNN_TRY(check_data_io(c));
  return Verdict::yes();
}

Verdict check_reduce(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  const Tensor* axes = c.in(1);
  if (axes->dtype != DType::Int32)
    return c.no("reduce_axes",
                fmt::format("axes tensor is {}; XNNPACK needs int32", dtype_name(axes->dtype)));
  EDGELENS_XNN_TRY(check_static(c, axes, "axes"));
  const int64_t count = axes->element_count();
  if (count < 1 || count > static_cast<int64_t>(kMaxDims))
    return c.no("reduce_axes",
                fmt::format("{} reduction axes; XNNPACK takes 1 to {}", count, kMaxDims));
  EDGELENS_XNN_TRY(check_data_io(c));
  if (c.local()) {
    // The 2022 library has no reduce node; MEAN over H and W of a 4-D NHWC tensor with kept dims is
    // global average pooling, which it has.
    const Tensor* in = c.in(0);
    auto values = detail::constant_ints(*axes);
    std::vector<int64_t> sorted = values ? *values : std::vector<int64_t>{};
    for (int64_t& a : sorted)
      if (a < 0) a += static_cast<int64_t>(in->shape.size());
    std::sort(sorted.begin(), sorted.end());
    const bool global_pool = in->shape.size() == 4 && sorted == std::vector<int64_t>{1, 2} &&
                             detail::attr_bool_or(c.node, "keep_dims", false);
    if (!global_pool)
      return c.no("local.missing_node",
                  "this XNNPACK (Debian, 2022-02-16) has no mean/reduce node; only MEAN over axes "
                  "{1, 2} of a "
                  "4-D tensor with keep_dims (global average pooling) runs there");
  }
  return Verdict::yes();
}

Verdict check_resize_bilinear(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  EDGELENS_XNN_TRY(check_rank(c, c.in(0), "input", 4, 4));
  EDGELENS_XNN_TRY(check_rank(c, c.out(0), "output", 4, 4));
  EDGELENS_XNN_TRY(check_static(c, c.in(1), "size"));
  EDGELENS_XNN_TRY(check_data_io(c));
  EDGELENS_XNN_TRY(check_local_same_quant(c));
  return Verdict::yes();
}

Verdict check_depth_space(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  EDGELENS_XNN_TRY(check_rank(c, c.in(0), "input", 4, 4));
  const int64_t block = detail::attr_int_or(c.node, "block_size", 0);
  if (block <= 1) return c.no("block_size", fmt::format("block size {}; XNNPACK needs > 1", block));
  EDGELENS_XNN_TRY(check_data_io(c));
  EDGELENS_XNN_TRY(local_quantized_unsupported(c, "depth-to-space"));
  return Verdict::yes();
}

Verdict check_batch_matmul(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  for (size_t i = 0; i < 2; ++i) {
    const Tensor* t = c.in(i);
    if (t->dtype != DType::Float32 && t->dtype != DType::Float16 && t->dtype != DType::Int8)
      return c.no("dtype", fmt::format("input {} is {}; XNNPACK multiplies float or int8 matrices",
                                       i, dtype_name(t->dtype)));
  }
  EDGELENS_XNN_TRY(check_rank(c, c.in(0), "input 0", 2, kMaxDims));
  EDGELENS_XNN_TRY(check_rank(c, c.in(1), "input 1", 2, kMaxDims));
  return Verdict::yes();
}

Verdict check_variable_op(const Check& c) {
  return c.no("variables_flag",
              "resource variables are delegated only with XNNPACK's VARIABLE_OPERATORS flag, which "
              "is off by default");
}

Verdict check_stablehlo_composite(const Check& c) {
  const std::string name = detail::attr_string_or(c.node, "name", "");
  if (name == "odml.scaled_dot_product_attention")
    return Verdict::yes("xnnpack.composite", "scaled dot-product attention composite");
  return c.no(
      "composite",
      fmt::format("composite '{}'; XNNPACK takes only odml.scaled_dot_product_attention", name));
}

}  // namespace edgelens::delegate::xnn
