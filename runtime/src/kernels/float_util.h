// Helpers shared by the float kernels: activation clamps, padding arithmetic and broadcasting, each
// written the way TFLite's reference kernels compute them.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime::kernels {

struct FloatRange {
  float min = std::numeric_limits<float>::lowest();
  float max = std::numeric_limits<float>::max();
};

// CalculateActivationRange (float); TANH / SIGN_BIT are not valid fused activations there.
inline FloatRange activation_range(NodeContext& ctx) {
  switch (ctx.activation()) {
    case FusedActivation::None:
      return {};
    case FusedActivation::Relu:
      return {0.f, std::numeric_limits<float>::max()};
    case FusedActivation::ReluN1To1:
      return {-1.f, 1.f};
    case FusedActivation::Relu6:
      return {0.f, 6.f};
    default:
      ctx.unsupported("fused activation TANH/SIGN_BIT is not supported");
  }
}

// ApplyActivationToVector (LSTM, SVDF): every fused activation, TANH and SIGN_BIT included.
inline float apply_activation(FusedActivation a, float x) {
  switch (a) {
    case FusedActivation::None:
      return x;
    case FusedActivation::Relu:
      return std::max(0.f, x);
    case FusedActivation::ReluN1To1:
      return std::min(std::max(-1.f, x), 1.f);
    case FusedActivation::Relu6:
      return std::min(std::max(0.f, x), 6.f);
    case FusedActivation::Tanh:
      return std::tanh(x);
    case FusedActivation::SignBit:
      return std::signbit(x) ? 1.f : 0.f;
  }
  return x;
}

// ActivationFunctionWithMinMax: min(max(x, lo), hi) in this order (NaN passes through).
inline float clamp_activation(float x, FloatRange r) {
  return std::min(std::max(x, r.min), r.max);
}

inline int64_t conv_output_size(Padding padding, int64_t in, int64_t filter, int64_t stride,
                                int64_t dilation) {
  const int64_t effective = (filter - 1) * dilation + 1;
  if (padding == Padding::Same) return (in + stride - 1) / stride;
  return (in - effective + stride) / stride;
}
// ComputePaddingWithOffset's `padding` (the smaller half; reference kernels pad the rest
// implicitly).
inline int64_t conv_padding(int64_t stride, int64_t dilation, int64_t in, int64_t filter,
                            int64_t out) {
  const int64_t effective = (filter - 1) * dilation + 1;
  const int64_t total = (out - 1) * stride + effective - in;
  return total > 0 ? total / 2 : 0;
}

inline void require_rank(NodeContext& ctx, size_t input, int rank) {
  if (ctx.input(input).rank() != rank)
    ctx.unsupported(
        fmt::format("input {} has rank {}, expected {}", input, ctx.input(input).rank(), rank));
}
inline void require_dtype(NodeContext& ctx, size_t input, DType dtype) {
  if (ctx.input(input).dtype != dtype)
    ctx.unsupported(fmt::format("input {} is {}, expected {}", input,
                                dtype_name(ctx.input(input).dtype), dtype_name(dtype)));
}

// Integer contents of a constant (or already computed) int32/int64 tensor.
inline std::vector<int64_t> int_values(const TensorBuffer& t) {
  std::vector<int64_t> out;
  const auto n = static_cast<size_t>(t.element_count());
  if (t.dtype == DType::Int32) {
    auto v = t.view<int32_t>();
    for (size_t i = 0; i < n && i < v.size(); ++i) out.push_back(v[i]);
  } else if (t.dtype == DType::Int64) {
    auto v = t.view<int64_t>();
    for (size_t i = 0; i < n && i < v.size(); ++i) out.push_back(v[i]);
  }
  return out;
}

// Element offsets of an input broadcast to `out_shape`: strides with 0 on broadcast dimensions.
inline std::vector<int64_t> broadcast_strides(std::span<const int64_t> in_shape,
                                              std::span<const int64_t> out_shape) {
  const size_t rank = out_shape.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in_shape.size(); ++k) {
    const size_t in_dim = in_shape.size() - 1 - k;
    const size_t out_dim = rank - 1 - k;
    strides[out_dim] = in_shape[in_dim] == 1 ? 0 : stride;
    stride *= in_shape[in_dim];
  }
  return strides;
}

// out[i] = fn(a[ia], b[ib]) over the broadcast of a and b.
template <class TA, class TB, class TO, class Fn>
void broadcast_apply(std::span<const TA> a, std::span<const int64_t> a_shape, std::span<const TB> b,
                     std::span<const int64_t> b_shape, std::span<TO> out,
                     std::span<const int64_t> out_shape, Fn&& fn) {
  const int64_t n = element_count(out_shape);
  if (a_shape.size() == b_shape.size() &&
      std::equal(a_shape.begin(), a_shape.end(), b_shape.begin())) {
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = fn(a[size_t(i)], b[size_t(i)]);
    return;
  }
  if (element_count(b_shape) == 1) {
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = fn(a[size_t(i)], b[0]);
    return;
  }
  if (element_count(a_shape) == 1) {
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = fn(a[0], b[size_t(i)]);
    return;
  }
  const auto sa = broadcast_strides(a_shape, out_shape);
  const auto sb = broadcast_strides(b_shape, out_shape);
  const size_t rank = out_shape.size();
  std::vector<int64_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[size_t(i)] = fn(a[size_t(ia)], b[size_t(ib)]);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < out_shape[d]) break;
      ia -= sa[d] * idx[d];
      ib -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace edgelens::runtime::kernels
