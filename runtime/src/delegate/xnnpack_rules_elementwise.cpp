// XNNPACK claim rules for unary and binary elementwise ops, SOFTMAX, QUANTIZE and DEQUANTIZE
// (notes 2.3: unary/binary rows and the quantized scale-ratio limits).
#include <cmath>
#include <set>

#include "xnnpack_internal.h"

namespace edgelens::delegate::xnn {
namespace {

constexpr size_t kMaxDims = 6;  // XNN_MAX_TENSOR_DIMS

float scale_of(const Tensor* t) {
  return t && !t->quant.scales.empty() ? t->quant.scales[0] : 0.0f;
}

Result check_scale_ratio(const Check& c, double ratio, double lo, double hi, bool hi_inclusive,
                         std::string_view what) {
  const bool ok = ratio >= lo && (hi_inclusive ? ratio <= hi : ratio < hi);
  if (ok) return std::nullopt;
  return c.no("quant_scale_ratio", fmt::format("{} is {:g}; XNNPACK needs it in [{:g}, {:g}{}",
                                               what, ratio, lo, hi, hi_inclusive ? "]" : ")"));
}

Result check_same_type(const Check& c, const Tensor* a, const Tensor* b) {
  if (a->dtype != b->dtype)
    return c.no("dtype_mismatch",
                fmt::format("input is {} but output is {}; XNNPACK needs the same type",
                            dtype_name(a->dtype), dtype_name(b->dtype)));
  return std::nullopt;
}

}  // namespace

Verdict check_unary(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  const Tensor* in = c.in(0);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_rank(c, in, "input", 0, kMaxDims));
  const std::string& op = c.op();
  static const std::set<std::string, std::less<>> quant8_ok = {"ELU", "LOGISTIC", "TANH",
                                                               "LEAKY_RELU"};
  if (quant8_ok.count(op)) {
    EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
    EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
    EDGELENS_XNN_TRY(check_same_type(c, in, out));
    if (op == "ELU" && in->dtype == DType::UInt8)
      return c.no("dtype", "input is uint8; XNNPACK runs ELU in float or int8");
    if (is_quant8(in)) {
      if (op == "LEAKY_RELU") {
        const double ratio = static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out));
        EDGELENS_XNN_TRY(
            check_scale_ratio(c, ratio, 1.0 / 256, 128, true, "input/output scale ratio"));
        const double alpha = detail::attr_float_or(c.node, "alpha", 0.2);
        EDGELENS_XNN_TRY(check_scale_ratio(c, std::fabs(alpha * ratio), 1.0 / 256, 128, true,
                                           "|negative slope x scale ratio|"));
      }
      EDGELENS_XNN_TRY(
          local_quantized_unsupported(c, fmt::format("{} (only partly available there)", op)));
    }
  } else {
    EDGELENS_XNN_TRY(check_float(c, in, "input"));
    EDGELENS_XNN_TRY(check_float(c, out, "output"));
  }
  return Verdict::yes();
}

Verdict check_binary(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
  const Tensor* a = c.in(0);
  const Tensor* b = c.in(1);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_rank(c, a, "input 0", 0, kMaxDims));
  EDGELENS_XNN_TRY(check_rank(c, b, "input 1", 0, kMaxDims));
  EDGELENS_XNN_TRY(check_rank(c, out, "output", 0, kMaxDims));
  const std::string& op = c.op();
  const bool quant_ok = op == "ADD" || op == "SUB" || op == "MUL";
  if (quant_ok) {
    EDGELENS_XNN_TRY(check_float_or_quant8(c, a, "input 0"));
    EDGELENS_XNN_TRY(check_float_or_quant8(c, b, "input 1"));
    EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
  } else {
    EDGELENS_XNN_TRY(check_float(c, a, "input 0"));
    EDGELENS_XNN_TRY(check_float(c, b, "input 1"));
    EDGELENS_XNN_TRY(check_float(c, out, "output"));
  }
  if (a->dtype != out->dtype || b->dtype != out->dtype) {
    const bool all_float = !is_quant8(a) && !is_quant8(b) && !is_quant8(out);
    if (!all_float)
      return c.no("dtype_mismatch",
                  fmt::format("inputs are {} and {} but output is {}; XNNPACK needs one type",
                              dtype_name(a->dtype), dtype_name(b->dtype), dtype_name(out->dtype)));
  }
  if (is_quant8(out)) {
    const double so = scale_of(out);
    if (op == "MUL") {
      EDGELENS_XNN_TRY(check_scale_ratio(c, static_cast<double>(scale_of(a)) * scale_of(b) / so,
                                         1.0 / 65536, 256, false,
                                         "input scale product / output scale"));
    } else {
      EDGELENS_XNN_TRY(check_scale_ratio(c, scale_of(a) / so, 1.0 / 1024, 256, false,
                                         "input 0 scale / output scale"));
      EDGELENS_XNN_TRY(check_scale_ratio(c, scale_of(b) / so, 1.0 / 1024, 256, false,
                                         "input 1 scale / output scale"));
    }
  }
  if (op == "PRELU") {
    EDGELENS_XNN_TRY(check_static(c, b, "slope"));
    if (c.local()) {
      // The 2022 PReLU node takes a 4-D NHWC input and a per-channel [C] slope only.
      const bool nhwc = a->shape.size() == 4;
      const int64_t channels = nhwc ? a->shape[3] : -1;
      bool channel_slope = nhwc && b->element_count() == channels;
      for (size_t i = 0; channel_slope && i + 1 < b->shape.size(); ++i)
        channel_slope = b->shape[i] == 1;
      if (!channel_slope)
        return c.no("local.prelu_shape",
                    fmt::format("input {} with slope {}; this XNNPACK (2022) takes a 4-D input "
                                "with one slope per channel only",
                                detail::shape_text(a->shape), detail::shape_text(b->shape)));
    }
  }
  if (op == "ADD" || op == "SUB" || op == "MUL" || op == "DIV")
    EDGELENS_XNN_TRY(check_fused_activation(c));
  return Verdict::yes();
}

Verdict check_softmax(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  const double beta = detail::attr_float_or(c.node, "beta", 1.0);
  if (beta != 1.0)
    return c.no("softmax_beta",
                fmt::format("beta is {:g}; XNNPACK supports only beta = 1.0", beta));
  EDGELENS_XNN_TRY(check_float(c, c.in(0), "input"));
  EDGELENS_XNN_TRY(check_float(c, c.out(0), "output"));
  return Verdict::yes();
}

Verdict check_quantize(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  const Tensor* in = c.in(0);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  if (!is_quant8(out))
    return c.no("dtype", fmt::format("output is {}; XNNPACK quantizes to int8 or uint8 only",
                                     dtype_name(out->dtype)));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
  if (is_quant8(in)) {
    if (c.local())
      return c.no("local.quantized",
                  "requantization (8-bit to 8-bit) is not available in this XNNPACK (2022)");
    EDGELENS_XNN_TRY(check_scale_ratio(c, static_cast<double>(scale_of(in)) / scale_of(out),
                                       1.0 / 256, 128, true, "input/output scale ratio"));
  }
  return Verdict::yes();
}

Verdict check_dequantize(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  const Tensor* in = c.in(0);
  const Tensor* out = c.out(0);
  if (!is_quant8(in))
    return c.no(
        "dtype",
        fmt::format("input is {} computed at run time; XNNPACK dequantizes run-time int8/uint8 "
                    "tensors only (float16 only for constant weights)",
                    detail::describe_type(*in)));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  if (out->dtype != DType::Float32 && out->dtype != DType::Float16)
    return c.no("dtype", fmt::format("output is {}; XNNPACK dequantizes to float only",
                                     dtype_name(out->dtype)));
  EDGELENS_XNN_TRY(check_float(c, out, "output"));
  return Verdict::yes();
}

}  // namespace edgelens::delegate::xnn
