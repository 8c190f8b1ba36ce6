// DEQUANTIZE (FLOAT16 -> float32 exactly; int8/uint8/int16 -> float32 as reference_ops::Dequantize)
// and QUANTIZE float32 -> int8/uint8/int16 (reference_ops::AffineQuantize: round half away from
// zero, add the zero point, clamp). Integer-to-integer requantization lives in kernels/quantized/.
#include <cstring>

#include "../tensor_values.h"
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void dequantize_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (in.dtype != DType::Float16 && in.quant().scales.empty())
    ctx.unsupported("input has no quantization parameters");
  if (ctx.output(0).dtype != DType::Float32 && ctx.output(0).ir->dtype != DType::Float32)
    ctx.unsupported("output must be float32");
  ctx.set_output(0, DType::Float32, in.shape);
}

void dequantize_f16(NodeContext& ctx) {
  const auto in = ctx.in<uint16_t>(0);
  auto out = ctx.out<float>(0);
  const auto n = static_cast<size_t>(ctx.input(0).element_count());
  for (size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

template <class T>
void dequantize_int(NodeContext& ctx) {
  const auto& t = ctx.input(0);
  const auto in = t.view<T>();
  auto out = ctx.out<float>(0);
  const auto& q = t.quant();
  const auto n = static_cast<size_t>(t.element_count());
  if (q.scales.size() == 1) {
    // DequantizationParams keeps the scale as double: float(double(scale) * (q - zp)).
    const double scale = q.scales[0];
    const int32_t zp = q.zero_points.empty() ? 0 : static_cast<int32_t>(q.zero_points[0]);
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<float>(scale * (static_cast<int32_t>(in[i]) - zp));
    return;
  }
  // PerChannelDequantize: float arithmetic per channel along the quantized dimension.
  const auto axis = static_cast<size_t>(q.axis);
  int64_t inner = 1;
  for (size_t d = axis + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  const int64_t channels = t.shape.at(axis);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<size_t>((int64_t(i) / inner) % channels);
    const int32_t zp = c < q.zero_points.size() ? static_cast<int32_t>(q.zero_points[c]) : 0;
    out[i] = static_cast<float>(static_cast<int32_t>(in[i]) - zp) * q.scales.at(c);
  }
}

void quantize_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto& out = ctx.output(0);
  const DType target = out.ir->dtype;
  if (target != DType::Int8 && target != DType::UInt8 && target != DType::Int16)
    ctx.unsupported(fmt::format("QUANTIZE to {} is not supported", dtype_name(target)));
  if (out.quant().scales.empty()) ctx.unsupported("output has no quantization parameters");
  ctx.set_output(0, target, in.shape);
}

template <class T>
void quantize_to(NodeContext& ctx) {
  const auto& t = ctx.input(0);
  const auto in = t.view<float>();
  auto& o = ctx.output(0);
  auto out = o.mutable_view<T>();
  const auto& q = o.quant();
  const auto n = static_cast<size_t>(t.element_count());
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  int64_t inner = 1, channels = 1;
  if (q.per_channel()) {
    for (size_t d = size_t(q.axis) + 1; d < o.shape.size(); ++d) inner *= o.shape[d];
    channels = o.shape.at(size_t(q.axis));
  }
  for (size_t i = 0; i < n; ++i) {
    const auto c = q.per_channel() ? static_cast<size_t>((int64_t(i) / inner) % channels) : 0;
    const float scale = q.scales.at(c);
    const int32_t zp = c < q.zero_points.size() ? static_cast<int32_t>(q.zero_points[c]) : 0;
    const int32_t unclamped = static_cast<int32_t>(std::round(in[i] / scale)) + zp;
    out[i] = static_cast<T>(std::min(std::max(unclamped, lo), hi));
  }
}

void quantize_eval(NodeContext& ctx) {
  switch (ctx.output(0).dtype) {
    case DType::Int8:
      return quantize_to<int8_t>(ctx);
    case DType::UInt8:
      return quantize_to<uint8_t>(ctx);
    case DType::Int16:
      return quantize_to<int16_t>(ctx);
    default:
      ctx.unsupported("unsupported QUANTIZE output");
  }
}

const RegisterKernel kDeqF16("DEQUANTIZE", DType::Float16, {dequantize_prepare, dequantize_f16});
const RegisterKernel kDeqI8("DEQUANTIZE", DType::Int8,
                            {dequantize_prepare, dequantize_int<int8_t>});
const RegisterKernel kDeqU8("DEQUANTIZE", DType::UInt8,
                            {dequantize_prepare, dequantize_int<uint8_t>});
const RegisterKernel kDeqI16("DEQUANTIZE", DType::Int16,
                             {dequantize_prepare, dequantize_int<int16_t>});
const RegisterKernel kQuant("QUANTIZE", DType::Float32, {quantize_prepare, quantize_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
