// Helpers shared by the quantized kernel families (kernels/quantized/*.cpp): reading a tensor's
// affine parameters, fused activation bounds, NHWC indexing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../quant_math.h"
#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime::qkernel {

struct QParams {
  float scale = 0.0f;
  int32_t zero_point = 0;
};

// Per-tensor parameters (the first scale/zero point); unsupported() when the tensor has none.
inline QParams qparams(const NodeContext& ctx, const TensorBuffer& t, const char* what) {
  const auto& q = t.quant();
  if (q.scales.empty())
    ctx.unsupported(fmt::format("{} tensor '{}' has no quantization scale", what,
                                t.ir ? t.ir->name : std::string()));
  return {q.scales[0], q.zero_points.empty() ? 0 : static_cast<int32_t>(q.zero_points[0])};
}

inline quant::Activation to_quant(FusedActivation a) {
  switch (a) {
    case FusedActivation::Relu:
      return quant::Activation::Relu;
    case FusedActivation::ReluN1To1:
      return quant::Activation::ReluN1To1;
    case FusedActivation::Relu6:
      return quant::Activation::Relu6;
    case FusedActivation::Tanh:
      return quant::Activation::Tanh;
    case FusedActivation::SignBit:
      return quant::Activation::SignBit;
    default:
      return quant::Activation::None;
  }
}

inline int32_t type_min(DType t) {
  switch (t) {
    case DType::Int8:
      return -128;
    case DType::UInt8:
      return 0;
    case DType::Int16:
      return -32768;
    default:
      return std::numeric_limits<int32_t>::min();
  }
}
inline int32_t type_max(DType t) {
  switch (t) {
    case DType::Int8:
      return 127;
    case DType::UInt8:
      return 255;
    case DType::Int16:
      return 32767;
    default:
      return std::numeric_limits<int32_t>::max();
  }
}

// The node's fused activation on the output's integer grid.
inline quant::ActivationRange fused_range(NodeContext& ctx, DType out_type, QParams out) {
  const auto act = to_quant(ctx.activation());
  if (act == quant::Activation::Tanh || act == quant::Activation::SignBit)
    ctx.unsupported("fused TANH/SIGN_BIT activation on a quantized op");
  return quant::activation_range(act, out.scale, out.zero_point, type_min(out_type),
                                 type_max(out_type));
}

inline bool is_quant_type(DType t) {
  return t == DType::Int8 || t == DType::UInt8 || t == DType::Int16;
}
inline bool is_requant_type(DType t) {
  return is_quant_type(t) || t == DType::Int32;
}

// The output dtype the model declares (quantized kernels never change it).
inline DType declared_dtype(NodeContext& ctx, size_t i) {
  const auto& o = ctx.output(i);
  return o.ir ? o.ir->dtype : o.dtype;
}

inline void require_rank(const NodeContext& ctx, const TensorBuffer& t, int rank,
                         const char* what) {
  if (t.rank() != rank)
    ctx.unsupported(
        fmt::format("{} must have rank {}, has shape {}", what, rank, shape_string(t.shape)));
}

// Calls fn.template operator()<T>() for the integer element type of `t`.
template <class Fn>
void dispatch_int(const NodeContext& ctx, DType t, Fn&& fn) {
  switch (t) {
    case DType::Int8:
      fn.template operator()<int8_t>();
      break;
    case DType::UInt8:
      fn.template operator()<uint8_t>();
      break;
    case DType::Int16:
      fn.template operator()<int16_t>();
      break;
    default:
      ctx.unsupported(fmt::format("dtype {} is not a quantized type", dtype_name(t)));
  }
}
// dispatch_int plus int32 (QUANTIZE requantizes int16 <-> int32).
template <class Fn>
void dispatch_int_or_int32(const NodeContext& ctx, DType t, Fn&& fn) {
  if (t == DType::Int32)
    fn.template operator()<int32_t>();
  else
    dispatch_int(ctx, t, std::forward<Fn>(fn));
}

// Window geometry and requantization shared by quantized CONV_2D and DEPTHWISE_CONV_2D: both read
// the same options and turn input/filter/output scales into one multiplier per output channel.
struct ConvRequant {
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_h = 0, pad_w = 0;
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<quant::Multiplier> multipliers;  // one per output channel
  quant::ActivationRange range;
};

// Reads strides/dilations/padding, fills st's geometry and returns the output {height, width}.
inline std::pair<int, int> prepare_conv_window(NodeContext& ctx, const TensorBuffer& input,
                                               const TensorBuffer& filter, ConvRequant& st) {
  st.stride_h = static_cast<int>(ctx.attr_int("stride_h", 1));
  st.stride_w = static_cast<int>(ctx.attr_int("stride_w", 1));
  st.dilation_h = static_cast<int>(ctx.attr_int("dilation_h_factor", 1));
  st.dilation_w = static_cast<int>(ctx.attr_int("dilation_w_factor", 1));
  if (st.stride_h <= 0 || st.stride_w <= 0 || st.dilation_h <= 0 || st.dilation_w <= 0)
    ctx.unsupported("stride and dilation must be positive");
  const bool same = ctx.padding() == Padding::Same;
  const int in_h = static_cast<int>(input.dim(1)), in_w = static_cast<int>(input.dim(2));
  const int k_h = static_cast<int>(filter.dim(1)), k_w = static_cast<int>(filter.dim(2));
  const int out_h = quant::out_size(same, in_h, k_h, st.stride_h, st.dilation_h);
  const int out_w = quant::out_size(same, in_w, k_w, st.stride_w, st.dilation_w);
  st.pad_h = quant::padding_before(st.stride_h, st.dilation_h, in_h, k_h, out_h);
  st.pad_w = quant::padding_before(st.stride_w, st.dilation_w, in_w, k_w, out_w);
  return {out_h, out_w};
}

// Offsets, per-channel multipliers and the fused-activation range. A per-channel filter must be
// quantized along `channel_axis` with one scale per output channel, else `axis_problem` is
// reported.
inline void prepare_conv_requant(NodeContext& ctx, const TensorBuffer& input,
                                 const TensorBuffer& filter, int64_t out_channels,
                                 int32_t channel_axis, const char* axis_problem, ConvRequant& st) {
  const DType in_type = input.dtype;
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  const auto& fq = filter.quant();
  if (fq.scales.empty()) ctx.unsupported("filter has no quantization");
  const bool per_channel = fq.scales.size() > 1;
  if (per_channel &&
      (fq.axis != channel_axis || static_cast<int64_t>(fq.scales.size()) != out_channels))
    ctx.unsupported(axis_problem);
  st.input_offset = -in_q.zero_point;
  st.output_offset = out_q.zero_point;
  st.filter_offset = in_type == DType::UInt8 && !fq.zero_points.empty()
                         ? -static_cast<int32_t>(fq.zero_points[0])
                         : 0;
  st.multipliers.resize(static_cast<size_t>(out_channels));
  for (int64_t c = 0; c < out_channels; ++c) {
    double real = 0;
    if (in_type == DType::UInt8) {
      // Legacy uint8 path: the scale product is formed in float (GetQuantizedConvolutionMultipler).
      real = static_cast<double>(in_q.scale * fq.scales[0]) / static_cast<double>(out_q.scale);
    } else {
      const float fs = per_channel ? fq.scales[static_cast<size_t>(c)] : fq.scales[0];
      real = static_cast<double>(in_q.scale) * static_cast<double>(fs) /
             static_cast<double>(out_q.scale);
    }
    st.multipliers[static_cast<size_t>(c)] = quant::quantize_multiplier(real);
  }
  st.range = fused_range(ctx, in_type, out_q);
}

}  // namespace edgelens::runtime::qkernel
