// Quantized PAD / PADV2: the padding value is the output zero point (the quantized 0.0) for PAD,
// the given constant for PADV2.
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct PadState {
  std::vector<int64_t> before;
};

void pad_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("PAD with non-constant paddings");
  const auto& p = ctx.input(1);
  std::vector<int64_t> values;
  if (p.dtype == DType::Int32)
    for (auto v : p.view<int32_t>()) values.push_back(v);
  else if (p.dtype == DType::Int64)
    for (auto v : p.view<int64_t>()) values.push_back(v);
  else
    ctx.unsupported("paddings must be int32 or int64");
  const int rank = input.rank();
  if (static_cast<int>(values.size()) != 2 * rank)
    ctx.unsupported(fmt::format("paddings hold {} values for rank {}", values.size(), rank));
  auto& st = ctx.state<PadState>();
  st.before.clear();
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d) {
    const int64_t lo = values[static_cast<size_t>(2 * d)],
                  hi = values[static_cast<size_t>(2 * d + 1)];
    if (lo < 0 || hi < 0) ctx.unsupported("negative padding");
    st.before.push_back(lo);
    shape.push_back(input.dim(d) + lo + hi);
  }
  ctx.set_output(0, input.dtype, std::move(shape));
}

template <class T>
void pad_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<PadState>();
  const auto& input = ctx.input(0);
  auto& output = ctx.output(0);
  T fill = static_cast<T>(qparams(ctx, output, "output").zero_point);
  if (ctx.has_input(2)) fill = ctx.input(2).view<T>()[0];
  auto out = output.mutable_view<T>();
  std::fill(out.begin(), out.end(), fill);
  const auto in = input.view<T>();
  const int rank = input.rank();
  std::vector<int64_t> out_stride(static_cast<size_t>(rank), 1), idx(static_cast<size_t>(rank), 0);
  for (int d = rank - 2; d >= 0; --d)
    out_stride[static_cast<size_t>(d)] = out_stride[static_cast<size_t>(d + 1)] * output.dim(d + 1);
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < rank; ++d)
      o += (idx[static_cast<size_t>(d)] + st.before[static_cast<size_t>(d)]) *
           out_stride[static_cast<size_t>(d)];
    out[static_cast<size_t>(o)] = in[i];
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < input.dim(d)) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

void pad_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() { pad_eval_typed<T>(ctx); });
}

const RegisterKernel kPadQ({"PAD", "PADV2"}, {DType::Int8, DType::UInt8, DType::Int16},
                           {pad_prepare, pad_eval});

}  // namespace
}  // namespace edgelens::runtime
