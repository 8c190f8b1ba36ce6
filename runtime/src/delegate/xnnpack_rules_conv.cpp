// XNNPACK claim rules for convolutions, fully-connected, pooling and the MediaPipe custom ops
// (notes 2.3: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / pooling rows, filter type checks).
#include "xnnpack_internal.h"

namespace edgelens::delegate::xnn {
namespace {

// CheckTensorFloat32OrQCInt8Type: float filters, int8 per-tensor or per-channel along the
// output-channel dimension with zero point 0, uint8 per-tensor.
Result check_filter(const Check& c, const Tensor* filter, int32_t channel_axis) {
  if (!filter) return c.no("io_count", "filter is missing");
  switch (filter->dtype) {
    case DType::Float32:
    case DType::Float16:
      return std::nullopt;
    case DType::Int8: {
      const Quantization& q = filter->quant;
      if (q.scales.empty()) return c.no("dtype", "int8 filter has no quantization parameters");
      if (q.blockwise)
        return c.no(
            "blockwise",
            "blockwise-quantized filter; XNNPACK takes blockwise weights only in FULLY_CONNECTED");
      if (q.per_channel()) {
        if (q.axis != channel_axis)
          return c.no(
              "per_channel_axis",
              fmt::format("int8 filter quantized per channel along axis {}; XNNPACK needs the "
                          "output-channel axis {}",
                          q.axis, channel_axis));
        const size_t axis = static_cast<size_t>(channel_axis);
        if (axis < filter->shape.size() &&
            static_cast<int64_t>(q.scales.size()) != filter->shape[axis])
          return c.no("per_channel_axis",
                      fmt::format("int8 filter has {} scales but {} output channels",
                                  q.scales.size(), filter->shape[axis]));
      }
      for (int64_t zp : q.zero_points)
        if (zp != 0)
          return c.no("weights_zero_point",
                      fmt::format("int8 weights with zero point {}, XNNPACK needs 0", zp));
      return std::nullopt;
    }
    case DType::UInt8:
      if (filter->quant.scales.empty())
        return c.no("dtype", "uint8 filter has no quantization parameters");
      if (filter->quant.per_channel())
        return c.no(
            "per_tensor_required",
            "uint8 filter quantized per channel; XNNPACK takes uint8 weights per-tensor only");
      return std::nullopt;
    default:
      return c.no(
          "dtype",
          fmt::format("filter is {}; XNNPACK takes float32, float16, int8 or uint8 filters here",
                      detail::describe_type(*filter)));
  }
}

Result check_bias(const Check& c, const Tensor* bias, int64_t out_channels, bool required) {
  if (!bias) {
    if (required)
      return c.no("bias_required",
                  fmt::format("has no bias; XNNPACK's {} needs a bias tensor", c.op()));
    return std::nullopt;
  }
  if (bias->dtype != DType::Float32 && bias->dtype != DType::Float16 && bias->dtype != DType::Int32)
    return c.no("dtype",
                fmt::format("bias is {}; XNNPACK takes float32, float16 or quantized int32 bias",
                            dtype_name(bias->dtype)));
  EDGELENS_XNN_TRY(check_static(c, bias, "bias"));
  EDGELENS_XNN_TRY(check_rank(c, bias, "bias", 1, 1));
  // CheckTensorFloat32OrQCInt32Type validates per-channel bias along dimension 0.
  if (bias->quant.per_channel() && bias->quant.axis != 0)
    return c.no(
        "per_channel_axis",
        fmt::format("bias quantized per channel along axis {}, but a 1-D bias has only axis 0",
                    bias->quant.axis));
  if (out_channels > 0 && bias->element_count() != out_channels)
    return c.no("bias_shape", fmt::format("bias has {} elements for {} output channels",
                                          bias->element_count(), out_channels));
  return std::nullopt;
}

// Input/filter/output type combination of a convolution: same types, or float input with int8
// filter (dynamically quantized; not in the 2022 library).
Result check_conv_types(const Check& c, const Tensor* in, const Tensor* filter, const Tensor* out) {
  if (in->dtype != out->dtype)
    return c.no("dtype_mismatch",
                fmt::format("input is {} but output is {}; XNNPACK needs the same type",
                            dtype_name(in->dtype), dtype_name(out->dtype)));
  const bool float_in = in->dtype == DType::Float32 || in->dtype == DType::Float16;
  const bool float_filter = filter->dtype == DType::Float32 || filter->dtype == DType::Float16;
  if (float_in && float_filter) return std::nullopt;
  if (float_in && filter->dtype == DType::Int8) {
    if (c.local())
      return c.no("local.dynamic_quantization",
                  "float input with int8 weights (dynamic-range quantization) is not available in "
                  "this XNNPACK (2022)");
    return std::nullopt;
  }
  if (filter->dtype != in->dtype)
    return c.no("dtype_mismatch",
                fmt::format("input is {} but the filter is {}; XNNPACK needs matching types",
                            dtype_name(in->dtype), dtype_name(filter->dtype)));
  return std::nullopt;
}

Result check_stride_dilation(const Check& c, bool with_dilation) {
  const int64_t sw = detail::attr_int_or(c.node, "stride_w", 0);
  const int64_t sh = detail::attr_int_or(c.node, "stride_h", 0);
  if (sw <= 0 || sh <= 0)
    return c.no("stride", fmt::format("stride {}x{}; XNNPACK needs strides > 0", sw, sh));
  if (with_dilation) {
    const int64_t dw = detail::attr_int_or(c.node, "dilation_w_factor", 1);
    const int64_t dh = detail::attr_int_or(c.node, "dilation_h_factor", 1);
    if (dw <= 0 || dh <= 0)
      return c.no("dilation", fmt::format("dilation {}x{}; XNNPACK needs dilation > 0", dw, dh));
  }
  const std::string padding = detail::attr_string_or(c.node, "padding", "SAME");
  if (padding != "SAME" && padding != "VALID")
    return c.no("padding", fmt::format("padding {}; XNNPACK takes SAME or VALID", padding));
  return std::nullopt;
}

Verdict check_conv_like(const Check& c, bool depthwise) {
  if (c.node.inputs.size() < 3 || c.node.inputs[2] < 0)
    return c.no("bias_required",
                fmt::format("has no bias; XNNPACK's {} needs a bias tensor", c.op()));
  EDGELENS_XNN_TRY(check_io_counts(c, 3, 3, 1));
  const Tensor* in = c.in(0);
  const Tensor* filter = c.in(1);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_rank(c, in, "input", 4, 4));
  EDGELENS_XNN_TRY(check_rank(c, out, "output", 4, 4));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
  EDGELENS_XNN_TRY(check_rank(c, filter, "filter", 4, 4));
  EDGELENS_XNN_TRY(check_filter(c, filter, depthwise ? 3 : 0));
  EDGELENS_XNN_TRY(check_static(c, filter, "filter"));
  EDGELENS_XNN_TRY(check_conv_types(c, in, filter, out));
  const int64_t out_channels = depthwise ? filter->shape[3] : filter->shape[0];
  EDGELENS_XNN_TRY(check_bias(c, c.in(2), out_channels, true));
  EDGELENS_XNN_TRY(check_stride_dilation(c, true));
  if (depthwise) {
    const int64_t dm = detail::attr_int_or(c.node, "depth_multiplier", 1);
    if (dm <= 0)
      return c.no("depth_multiplier", fmt::format("depth multiplier {}; XNNPACK needs > 0", dm));
    if (out_channels % dm != 0)
      return c.no("depth_multiplier",
                  fmt::format("{} output channels are not a multiple of depth multiplier {}",
                              out_channels, dm));
  } else {
    const int64_t in_ch = in->shape[3];
    const int64_t filter_in_ch = filter->shape[3];
    if (filter_in_ch <= 0 || in_ch / filter_in_ch == 0)
      return c.no(
          "groups",
          fmt::format("{} input channels with a filter of {} input channels gives no groups", in_ch,
                      filter_in_ch));
  }
  EDGELENS_XNN_TRY(check_fused_activation(c));
  return Verdict::yes();
}

}  // namespace

Verdict check_conv_2d(const Check& c) {
  return check_conv_like(c, false);
}
Verdict check_depthwise_conv_2d(const Check& c) {
  return check_conv_like(c, true);
}

Verdict check_transpose_conv(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 3, 4, 1));
  const Tensor* output_shape = c.in(0);
  const Tensor* filter = c.in(1);
  const Tensor* in = c.in(2);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_static(c, output_shape, "output shape"));
  EDGELENS_XNN_TRY(check_rank(c, in, "input", 4, 4));
  EDGELENS_XNN_TRY(check_rank(c, out, "output", 4, 4));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
  EDGELENS_XNN_TRY(check_rank(c, filter, "filter", 4, 4));
  EDGELENS_XNN_TRY(check_filter(c, filter, 0));
  EDGELENS_XNN_TRY(check_static(c, filter, "filter"));
  EDGELENS_XNN_TRY(check_conv_types(c, in, filter, out));
  EDGELENS_XNN_TRY(check_bias(c, c.has_input(3) ? c.in(3) : nullptr, filter->shape[0], false));
  EDGELENS_XNN_TRY(check_stride_dilation(c, false));
  EDGELENS_XNN_TRY(check_fused_activation(c));
  EDGELENS_XNN_TRY(local_quantized_unsupported(c, "deconvolution"));
  return Verdict::yes();
}

Verdict check_fully_connected(const Check& c) {
  if (c.node.op.version == 8)
    return c.no("fc_sparse_version", "op version 8 (sparse weights) is not supported by XNNPACK");
  const std::string format = detail::attr_string_or(c.node, "weights_format", "DEFAULT");
  if (format != "DEFAULT")
    return c.no("fc_weights_format",
                fmt::format("weights format {}; XNNPACK takes only DEFAULT", format));
  EDGELENS_XNN_TRY(check_io_counts(c, 2, 3, 1));
  const Tensor* in = c.in(0);
  const Tensor* filter = c.in(1);
  const Tensor* out = c.out(0);
  EDGELENS_XNN_TRY(check_float_or_quant8(c, in, "input"));
  EDGELENS_XNN_TRY(check_float_or_quant8(c, out, "output"));
  EDGELENS_XNN_TRY(check_rank(c, filter, "weights", 2, 2));
  // DYNAMIC_FULLY_CONNECTED is off in the default build, so the weights must be static.
  EDGELENS_XNN_TRY(check_static(c, filter, "weights"));
  const bool float_in = in->dtype == DType::Float32 || in->dtype == DType::Float16;
  const int64_t in_channels = filter->shape[1];
  const Quantization& q = filter->quant;
  switch (filter->dtype) {
    case DType::Float32:
    case DType::Float16:
      if (!float_in)
        return c.no("dtype_mismatch",
                    fmt::format("{} input with float weights; XNNPACK needs matching types",
                                dtype_name(in->dtype)));
      break;
    case DType::Int8:
    case DType::Int4:
    case DType::Int2: {
      if (q.scales.empty() && !q.blockwise)
        return c.no("dtype", fmt::format("{} weights have no quantization parameters",
                                         dtype_name(filter->dtype)));
      if (c.local() && filter->dtype != DType::Int8)
        return c.no("local.weights_dtype",
                    fmt::format("{} weights are not available in this XNNPACK (2022)",
                                dtype_name(filter->dtype)));
      if (q.blockwise) {
        if (c.local())
          return c.no("local.weights_dtype",
                      "blockwise-quantized weights are not available in this XNNPACK (2022)");
        if (q.blockwise->block_size <= 0 || q.blockwise->block_size % 32 != 0)
          return c.no("fc_blocksize", fmt::format("block size {}; XNNPACK needs a multiple of 32",
                                                  q.blockwise->block_size));
      }
      if (q.per_channel() && q.axis != 0)
        return c.no("per_channel_axis",
                    fmt::format("{} weights quantized per channel along axis {}; XNNPACK needs the "
                                "output-channel axis 0",
                                dtype_name(filter->dtype), q.axis));
      if (c.local() && q.per_channel())
        return c.no("local.fc_per_channel",
                    "int8 weights quantized per channel; this XNNPACK (2022) has no per-channel "
                    "(qc8) fully-connected operator, only per-tensor qs8");
      if (filter->dtype == DType::Int4 && in_channels % 2 != 0)
        return c.no("fc_int4_channels",
                    fmt::format("int4 weights with {} input channels; XNNPACK needs an even count",
                                in_channels));
      if (filter->dtype == DType::Int2) {
        if (in_channels % 4 != 0)
          return c.no(
              "fc_int2_channels",
              fmt::format("int2 weights with {} input channels; XNNPACK needs a multiple of 4",
                          in_channels));
        if (!q.per_channel() && !q.blockwise)
          return c.no("fc_int2_per_channel", "int2 weights must be quantized per channel");
      }
      if (float_in) {
        if (c.local())
          return c.no("local.dynamic_quantization",
                      "float input with integer weights (dynamic-range quantization) is not "
                      "available in this XNNPACK (2022)");
        break;  // dynamically quantized: weight zero points are allowed
      }
      if (in->dtype != DType::Int8)
        return c.no(
            "dtype_mismatch",
            fmt::format("{} input with {} weights; XNNPACK needs int8 input for integer weights",
                        dtype_name(in->dtype), dtype_name(filter->dtype)));
      for (int64_t zp : q.zero_points)
        if (zp != 0)
          return c.no("weights_zero_point",
                      fmt::format("{} weights with zero point {}, XNNPACK needs 0",
                                  dtype_name(filter->dtype), zp));
      break;
    }
    case DType::UInt8:
      if (in->dtype != DType::UInt8)
        return c.no("dtype_mismatch",
                    fmt::format("{} input with uint8 weights; XNNPACK needs matching types",
                                dtype_name(in->dtype)));
      if (q.per_channel())
        return c.no("per_tensor_required",
                    "uint8 weights quantized per channel; XNNPACK needs per-tensor");
      break;
    default:
      return c.no("dtype", fmt::format("weights are {}; XNNPACK does not take that type",
                                       detail::describe_type(*filter)));
  }
  if (in->dtype != out->dtype &&
      !(float_in && (out->dtype == DType::Float32 || out->dtype == DType::Float16)))
    return c.no("dtype_mismatch", fmt::format("input is {} but output is {}", dtype_name(in->dtype),
                                              dtype_name(out->dtype)));
  if (c.has_input(2)) {
    const Tensor* bias = c.in(2);
    if (bias && bias->element_count() != filter->shape[0])
      return c.no("bias_shape", fmt::format("bias has {} elements for {} output channels",
                                            bias->element_count(), filter->shape[0]));
  }
  EDGELENS_XNN_TRY(check_fused_activation(c));
  return Verdict::yes();
}

Verdict check_pool_2d(const Check& c) {
  EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 1));
  EDGELENS_XNN_TRY(check_rank(c, c.in(0), "input", 4, 4));
  // VisitAveragePool2DNode checks CheckTensorFloat32Type; max pooling also takes 8-bit tensors.
  if (c.op() == "AVERAGE_POOL_2D") {
    EDGELENS_XNN_TRY(check_float(c, c.in(0), "input"));
    EDGELENS_XNN_TRY(check_float(c, c.out(0), "output"));
  } else {
    EDGELENS_XNN_TRY(check_float_or_quant8(c, c.in(0), "input"));
    EDGELENS_XNN_TRY(check_float_or_quant8(c, c.out(0), "output"));
  }
  const int64_t sw = detail::attr_int_or(c.node, "stride_w", 0);
  const int64_t sh = detail::attr_int_or(c.node, "stride_h", 0);
  const int64_t fw = detail::attr_int_or(c.node, "filter_width", 0);
  const int64_t fh = detail::attr_int_or(c.node, "filter_height", 0);
  if (sw <= 0 || sh <= 0)
    return c.no("stride", fmt::format("stride {}x{}; XNNPACK needs strides > 0", sw, sh));
  if (fw <= 0 || fh <= 0)
    return c.no("pool_filter", fmt::format("filter {}x{}; XNNPACK needs a filter > 0", fw, fh));
  if (fw == 1 && fh == 1 && (sw > 1 || sh > 1))
    return c.no(
        "pool_stride_gt_filter",
        fmt::format(
            "1x1 filter with stride {}x{}; XNNPACK rejects a 1x1 pooling window with stride > 1",
            sw, sh));
  if (sw > fw || sh > fh)
    return c.no(
        "pool_stride_gt_filter",
        fmt::format("stride {}x{} is larger than the {}x{} filter; XNNPACK needs stride <= filter "
                    "in each dimension",
                    sw, sh, fw, fh));
  const std::string padding = detail::attr_string_or(c.node, "padding", "SAME");
  if (padding != "SAME" && padding != "VALID")
    return c.no("padding", fmt::format("padding {}; XNNPACK takes SAME or VALID", padding));
  EDGELENS_XNN_TRY(check_fused_activation(c));
  if (c.op() == "MAX_POOL_2D") EDGELENS_XNN_TRY(check_local_same_quant(c));
  return Verdict::yes();
}

Verdict check_custom(const Check& c) {
  const std::string& name = c.op();
  auto float_io = [&]() -> Result {
    for (size_t i = 0; i < c.node.inputs.size(); ++i)
      if (c.has_input(i)) EDGELENS_XNN_TRY(check_float(c, c.in(i), fmt::format("input {}", i)));
    for (size_t i = 0; i < c.node.outputs.size(); ++i)
      if (const Tensor* t = c.out(i); t && i == 0) EDGELENS_XNN_TRY(check_float(c, t, "output"));
    return std::nullopt;
  };
  if (name == "Convolution2DTransposeBias") {
    EDGELENS_XNN_TRY(check_io_counts(c, 3, 3, 1));
    EDGELENS_XNN_TRY(float_io());
    EDGELENS_XNN_TRY(check_rank(c, c.in(1), "filter", 4, 4));
    EDGELENS_XNN_TRY(check_static(c, c.in(1), "filter"));
    EDGELENS_XNN_TRY(check_static(c, c.in(2), "bias"));
    return Verdict::yes("xnnpack.custom_op",
                        "MediaPipe custom op that XNNPACK implements (deconvolution with bias)");
  }
  if (c.local() && (name == "MaxPoolingWithArgmax2D" || name == "MaxUnpooling2D"))
    return c.no("local.custom_not_built",
                "EdgeLens does not build this MediaPipe op on this XNNPACK (2022) yet; TFLite's "
                "delegate would take it");
  if (name == "MaxPoolingWithArgmax2D") {
    EDGELENS_XNN_TRY(check_io_counts(c, 1, 1, 2));
    EDGELENS_XNN_TRY(float_io());
    return Verdict::yes("xnnpack.custom_op",
                        "MediaPipe custom op that XNNPACK implements (argmax pooling)");
  }
  if (name == "MaxUnpooling2D") {
    EDGELENS_XNN_TRY(check_io_counts(c, 2, 2, 1));
    EDGELENS_XNN_TRY(check_float(c, c.in(0), "input"));
    EDGELENS_XNN_TRY(check_float(c, c.out(0), "output"));
    return Verdict::yes("xnnpack.custom_op",
                        "MediaPipe custom op that XNNPACK implements (unpooling)");
  }
  if (name == "odml.scaled_dot_product_attention") {
    if (c.local())
      return c.no("local.missing_node",
                  "this XNNPACK (Debian, 2022-02-16) has no scaled dot-product attention");
    EDGELENS_XNN_TRY(float_io());
    return Verdict::yes("xnnpack.custom_op",
                        "scaled dot-product attention, built from XNNPACK nodes by the delegate");
  }
  return Verdict::no(
      "xnnpack.custom_op",
      fmt::format("CUSTOM op '{}': XNNPACK takes only the custom ops Convolution2DTransposeBias, "
                  "MaxPoolingWithArgmax2D, MaxUnpooling2D (MediaPipe) and "
                  "odml.scaled_dot_product_attention",
                  name));
}

}  // namespace edgelens::delegate::xnn
