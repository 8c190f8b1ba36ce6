// Helpers shared by the quantized kernel families (kernels/quantized/*.cpp): reading a tensor's
// affine parameters, fused activation bounds, NHWC indexing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
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

}  // namespace edgelens::runtime::qkernel
