// Quantized TRANSPOSE_CONV as TFLite's reference kernels compute it
// (reference_integer_ops::TransposeConv, reference_ops::TransposeConv for uint8): every input pixel
// is scattered through the filter into a zeroed accumulator, then the bias is added and each
// accumulator requantized with its output channel's multiplier.
//   int8  x int8 (per-channel) -> int32 accumulator, gemmlowp MultiplyByQuantizedMultiplier;
//   int16 x int8 (per-channel) -> int64 accumulator (int32 when the bias is int32, as tflite-micro
//                                  allows), zero points 0, no output offset;
//   uint8 x uint8 (per-tensor, legacy) -> int32 accumulator with input and filter offsets.
// Inputs: 0 output_shape (int32, constant or computed/fed: then read at eval), 1 filter
// [out_channels, height, width, in_channels], 2 data, 3 optional bias.
#include <cstring>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

constexpr size_t kShapeInput = 0, kFilterInput = 1, kDataInput = 2, kBiasInput = 3;

struct TransposeConvState {
  ConvRequant rq;
  int stride_h = 1, stride_w = 1;
  bool same = false;
  bool dynamic_shape = false;  // output_shape is not a constant
  int pad_h = 0, pad_w = 0;
};

std::vector<int64_t> output_shape_values(const NodeContext& ctx) {
  const auto& t = ctx.input(kShapeInput);
  std::vector<int64_t> out;
  if (t.dtype == DType::Int32)
    for (auto v : t.view<int32_t>().first(static_cast<size_t>(t.element_count()))) out.push_back(v);
  else if (t.dtype == DType::Int64)
    for (auto v : t.view<int64_t>().first(static_cast<size_t>(t.element_count()))) out.push_back(v);
  else
    ctx.unsupported(fmt::format("output_shape has dtype {}", dtype_name(t.dtype)));
  return out;
}

// Checks `shape` against the input and filter and computes the padding TFLite derives from it
// (ComputePaddingHeightWidth on the output size, as if convolving the output back).
std::vector<int64_t> checked_geometry(const NodeContext& ctx, TransposeConvState& st,
                                      std::vector<int64_t> shape) {
  const auto& in = ctx.input(kDataInput);
  const auto& f = ctx.input(kFilterInput);
  if (shape.size() != 4 || shape[0] != in.dim(0) || shape[1] <= 0 || shape[2] <= 0 ||
      shape[3] != f.dim(0))
    ctx.unsupported(fmt::format(
        "output_shape {} does not match input {} and filter {} (want [{}, h, w, {}])",
        shape_string(shape), shape_string(in.shape), shape_string(f.shape), in.dim(0), f.dim(0)));
  const int out_h = static_cast<int>(shape[1]), out_w = static_cast<int>(shape[2]);
  const int k_h = static_cast<int>(f.dim(1)), k_w = static_cast<int>(f.dim(2));
  const int back_h = quant::out_size(st.same, out_h, k_h, st.stride_h, 1);
  const int back_w = quant::out_size(st.same, out_w, k_w, st.stride_w, 1);
  if (back_h != in.dim(1) || back_w != in.dim(2))
    ctx.unsupported(fmt::format("output_shape {} does not convolve back to the input's {}x{}",
                                shape_string(shape), in.dim(1), in.dim(2)));
  st.pad_h = quant::padding_before(st.stride_h, 1, out_h, k_h, back_h);
  st.pad_w = quant::padding_before(st.stride_w, 1, out_w, k_w, back_w);
  return shape;
}

void transpose_conv_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(kDataInput);
  const auto& f = ctx.input(kFilterInput);
  auto& st = ctx.state<TransposeConvState>();
  st = {};
  require_rank(ctx, in, 4, "input");
  require_rank(ctx, f, 4, "filter");
  if (f.dim(3) != in.dim(3))
    ctx.unsupported(
        fmt::format("filter input channels {} differ from the input's {}", f.dim(3), in.dim(3)));
  const DType expect_filter = in.dtype == DType::UInt8 ? DType::UInt8 : DType::Int8;
  if (f.dtype != expect_filter)
    ctx.unsupported(
        fmt::format("{} input with a {} filter", dtype_name(in.dtype), dtype_name(f.dtype)));
  if (ctx.has_input(kBiasInput)) {
    const DType b = ctx.input(kBiasInput).dtype;
    const bool ok = in.dtype == DType::Int16
                        ? (b == DType::Int64 || b == DType::Int32 || b == DType::Int16)
                        : b == DType::Int32;
    if (!ok)
      ctx.unsupported(fmt::format("{} bias with {} input", dtype_name(b), dtype_name(in.dtype)));
    if (ctx.input(kBiasInput).element_count() != f.dim(0))
      ctx.unsupported("bias length differs from the output channels");
  }
  st.stride_h = static_cast<int>(ctx.attr_int("stride_h", 1));
  st.stride_w = static_cast<int>(ctx.attr_int("stride_w", 1));
  if (st.stride_h <= 0 || st.stride_w <= 0) ctx.unsupported("strides must be positive");
  st.same = ctx.padding() == Padding::Same;
  prepare_conv_requant(ctx, in, f, f.dim(0), 0,
                       "per-channel filter must be quantized along axis 0 (output channels)",
                       st.rq);
  if (in.dtype == DType::Int16 && (st.rq.input_offset != 0 || st.rq.output_offset != 0))
    ctx.unsupported("int16 TRANSPOSE_CONV needs zero points 0");
  if (!ctx.input_is_constant(kShapeInput)) {
    if (ctx.input(kShapeInput).element_count() != 4)
      ctx.unsupported("output_shape must hold 4 values");
    st.dynamic_shape = true;
    ctx.set_output_dynamic(0, in.dtype);
    return;
  }
  ctx.set_output(0, in.dtype, checked_geometry(ctx, st, output_shape_values(ctx)));
}

// Scatter-accumulate then requantize; In/Filter the element types, Acc the accumulator.
template <class In, class Filter, class Acc>
void transpose_conv_typed(NodeContext& ctx, const TransposeConvState& st) {
  const auto& it = ctx.input(kDataInput);
  const auto& ft = ctx.input(kFilterInput);
  auto& ot = ctx.output(0);
  const auto in = it.view<In>();
  const auto filter = ft.view<Filter>();
  auto out = ot.mutable_view<In>();
  const int64_t B = it.dim(0), H = it.dim(1), W = it.dim(2), IC = it.dim(3);
  const int64_t FH = ft.dim(1), FW = ft.dim(2);
  const int64_t OH = ot.dim(1), OW = ot.dim(2), OC = ot.dim(3);
  const auto& rq = st.rq;
  std::vector<Acc> acc(static_cast<size_t>(ot.element_count()), Acc{0});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t ic = 0; ic < IC; ++ic) {
          const Acc v = static_cast<Acc>(in[size_t(((b * H + y) * W + x) * IC + ic)]) +
                        static_cast<Acc>(rq.input_offset);
          const int64_t oy0 = y * st.stride_h - st.pad_h, ox0 = x * st.stride_w - st.pad_w;
          for (int64_t fy = 0; fy < FH; ++fy)
            for (int64_t fx = 0; fx < FW; ++fx) {
              const int64_t oy = oy0 + fy, ox = ox0 + fx;
              if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
              Acc* dst = &acc[size_t(((b * OH + oy) * OW + ox) * OC)];
              for (int64_t oc = 0; oc < OC; ++oc)
                dst[oc] +=
                    v * (static_cast<Acc>(filter[size_t(((oc * FH + fy) * FW + fx) * IC + ic)]) +
                         static_cast<Acc>(rq.filter_offset));
            }
        }
  std::vector<Acc> bias(static_cast<size_t>(OC), Acc{0});
  if (ctx.has_input(kBiasInput)) {
    const auto& bt = ctx.input(kBiasInput);
    for (int64_t oc = 0; oc < OC; ++oc) {
      const auto c = static_cast<size_t>(oc);
      switch (bt.dtype) {
        case DType::Int64:
          bias[c] = static_cast<Acc>(bt.view<int64_t>()[c]);
          break;
        case DType::Int32:
          bias[c] = static_cast<Acc>(bt.view<int32_t>()[c]);
          break;
        default:
          bias[c] = static_cast<Acc>(bt.view<int16_t>()[c]);
      }
    }
  }
  const size_t n = acc.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t c = i % static_cast<size_t>(OC);
    const Acc total = acc[i] + bias[c];
    const auto& m = rq.multipliers[c];
    // The reference kernel's gemmlowp rounding. TFLite's builtin int8 kernel (the optimized
    // TransposeConvV2) can round differently by one step (see docs/conformance.md).
    int32_t v = quant::multiply_by_quantized_multiplier(total, m.multiplier, m.shift);
    if constexpr (!std::is_same_v<In, int16_t>) v += rq.output_offset;
    out[i] = static_cast<In>(std::clamp(v, rq.range.min, rq.range.max));
  }
}

void transpose_conv_eval(NodeContext& ctx) {
  auto& st = ctx.state<TransposeConvState>();
  if (st.dynamic_shape) ctx.resize_output(0, checked_geometry(ctx, st, output_shape_values(ctx)));
  switch (ctx.input(kDataInput).dtype) {
    case DType::Int8:
      transpose_conv_typed<int8_t, int8_t, int32_t>(ctx, st);
      break;
    case DType::UInt8:
      transpose_conv_typed<uint8_t, uint8_t, int32_t>(ctx, st);
      break;
    case DType::Int16:
      // tflite-micro keeps an int32 accumulator when the bias is int32; int64 otherwise.
      if (ctx.has_input(kBiasInput) && ctx.input(kBiasInput).dtype == DType::Int32)
        transpose_conv_typed<int16_t, int8_t, int32_t>(ctx, st);
      else
        transpose_conv_typed<int16_t, int8_t, int64_t>(ctx, st);
      break;
    default:
      ctx.unsupported("TRANSPOSE_CONV input dtype");
  }
}

const RegisterKernel kTransposeConvQ({"TRANSPOSE_CONV"}, {DType::Int8, DType::UInt8, DType::Int16},
                                     {transpose_conv_prepare, transpose_conv_eval});

}  // namespace
}  // namespace edgelens::runtime
