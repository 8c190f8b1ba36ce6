// MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD REDUCE_ANY REDUCE_ALL over constant axes (float32,
// int32, int64; bool for ANY/ALL). Accumulates in the element type, in input order, like TFLite's
// reference ReduceGeneric; MEAN divides the sum by the reduced count.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

std::vector<bool> reduced_axes(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant axes");
  std::vector<bool> reduced(in.shape.size(), false);
  for (auto a : int_values(ctx.input(1))) {
    if (a < 0) a += in.rank();
    if (a < 0 || a >= in.rank()) ctx.unsupported(fmt::format("axis {} out of range", a));
    reduced[size_t(a)] = true;
  }
  return reduced;
}

void reduce_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto reduced = reduced_axes(ctx);
  const bool keep = ctx.attr_bool("keep_dims", false);
  std::vector<int64_t> shape;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    if (!reduced[d])
      shape.push_back(in.shape[d]);
    else if (keep)
      shape.push_back(1);
  }
  ctx.set_output(0, in.dtype, shape);
}

template <class T, class Init, class Step>
void reduce_eval(NodeContext& ctx, Init init, Step step, bool mean) {
  const auto& t = ctx.input(0);
  const auto in = t.view<T>();
  auto out = ctx.out<T>(0);
  const auto reduced = reduced_axes(ctx);
  const size_t rank = t.shape.size();
  // Output index of each input element: strides over the kept dims.
  std::vector<int64_t> out_strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;)
    if (!reduced[d]) {
      out_strides[d] = stride;
      stride *= t.shape[d];
    }
  const int64_t out_n = stride;
  std::vector<T> acc(size_t(out_n), init);
  const int64_t n = t.element_count();
  std::vector<int64_t> idx(rank, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < n; ++i) {
    acc[size_t(o)] = step(acc[size_t(o)], in[size_t(i)]);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      o += out_strides[d];
      if (idx[d] < t.shape[d]) break;
      o -= out_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  const int64_t count = out_n ? n / out_n : 0;
  for (int64_t k = 0; k < out_n; ++k)
    out[size_t(k)] =
        mean ? static_cast<T>(acc[size_t(k)] / static_cast<T>(std::max<int64_t>(count, 1)))
             : acc[size_t(k)];
}

template <class T>
void register_type(DType dtype, std::vector<RegisterKernel>& keep) {
  keep.emplace_back("SUM", dtype, Kernel{reduce_prepare, [](NodeContext& ctx) {
                                           reduce_eval<T>(
                                               ctx, T(0), [](T a, T b) { return a + b; }, false);
                                         }});
  keep.emplace_back("MEAN", dtype, Kernel{reduce_prepare, [](NodeContext& ctx) {
                                            reduce_eval<T>(
                                                ctx, T(0), [](T a, T b) { return a + b; }, true);
                                          }});
  keep.emplace_back("REDUCE_PROD", dtype, Kernel{reduce_prepare, [](NodeContext& ctx) {
                                                   reduce_eval<T>(
                                                       ctx, T(1), [](T a, T b) { return a * b; },
                                                       false);
                                                 }});
  keep.emplace_back("REDUCE_MAX", dtype, Kernel{reduce_prepare, [](NodeContext& ctx) {
                                                  reduce_eval<T>(
                                                      ctx, std::numeric_limits<T>::lowest(),
                                                      [](T a, T b) { return std::max(a, b); },
                                                      false);
                                                }});
  keep.emplace_back("REDUCE_MIN", dtype, Kernel{reduce_prepare, [](NodeContext& ctx) {
                                                  reduce_eval<T>(
                                                      ctx, std::numeric_limits<T>::max(),
                                                      [](T a, T b) { return std::min(a, b); },
                                                      false);
                                                }});
}

struct Registrar {
  std::vector<RegisterKernel> keep;
  Registrar() {
    register_type<float>(DType::Float32, keep);
    register_type<int32_t>(DType::Int32, keep);
    register_type<int64_t>(DType::Int64, keep);
    keep.emplace_back("REDUCE_ANY", DType::Bool,
                      Kernel{reduce_prepare, [](NodeContext& ctx) {
                               reduce_eval<uint8_t>(
                                   ctx, uint8_t(0),
                                   [](uint8_t a, uint8_t b) { return uint8_t(a || b); }, false);
                             }});
    keep.emplace_back("REDUCE_ALL", DType::Bool,
                      Kernel{reduce_prepare, [](NodeContext& ctx) {
                               reduce_eval<uint8_t>(
                                   ctx, uint8_t(1),
                                   [](uint8_t a, uint8_t b) { return uint8_t(a && b); }, false);
                             }});
  }
};
const Registrar kRegistrar;

}  // namespace
}  // namespace edgelens::runtime::kernels
