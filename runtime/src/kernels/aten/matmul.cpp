// ExecuTorch matrix kernels: aten::addmm.out (out = beta * self + alpha * (mat1 @ mat2), the form
// torch.nn.Linear exports to) and aten::mm.out (mat1 @ mat2).
//
// As the portable kernels (op_addmm.cpp -> vec_addmm, op_mm.cpp): float32/float64 only, all
// tensors of one dtype, the dot products accumulated in that dtype in k order, and
// out = sum * alpha + self * beta — self is multiplied by beta even when beta is 0 (so a NaN in
// self still shows, unlike PyTorch's CPU addmm). self broadcasts to [m, n].
#include "../float_util.h"
#include "aten_util.h"

namespace edgelens::runtime::kernels::aten {
namespace {

void check_matrices(NodeContext& ctx, size_t first) {
  const auto& m1 = ctx.input(first);
  const auto& m2 = ctx.input(first + 1);
  if (m1.rank() != 2 || m2.rank() != 2)
    ctx.unsupported(fmt::format("mat1 {} and mat2 {} must both be 2-D", shape_string(m1.shape),
                                shape_string(m2.shape)));
  if (m1.dim(1) != m2.dim(0))
    ctx.unsupported(fmt::format("mat1 {} and mat2 {} cannot be multiplied", shape_string(m1.shape),
                                shape_string(m2.shape)));
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const DType d = ctx.input(i).dtype;
    if (d != DType::Float32 && d != DType::Float64)
      ctx.unsupported(
          fmt::format("input {} is {}; only float32/float64 are implemented", i, dtype_name(d)));
    if (d != ctx.input(0).dtype)
      ctx.unsupported(
          fmt::format("input {} is {} but input 0 is {}; the portable kernel needs "
                      "one dtype",
                      i, dtype_name(d), dtype_name(ctx.input(0).dtype)));
  }
  if (declared_output_dtype(ctx, 0) != ctx.input(0).dtype)
    ctx.unsupported(fmt::format("output dtype {} differs from the inputs' {}",
                                dtype_name(declared_output_dtype(ctx, 0)),
                                dtype_name(ctx.input(0).dtype)));
}

void addmm_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 3) ctx.unsupported("expects self, mat1, mat2");
  require_defined_inputs(ctx);
  check_matrices(ctx, 1);
  const std::vector<int64_t> shape{ctx.input(1).dim(0), ctx.input(2).dim(1)};
  const auto& self = ctx.input(0);
  const auto b = broadcast_shapes(self.shape, shape);
  if (!b || *b != shape)
    ctx.unsupported(fmt::format("self {} does not broadcast to the product's shape {}",
                                shape_string(self.shape), shape_string(shape)));
  ctx.set_output(0, self.dtype, shape);
}

void mm_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 2) ctx.unsupported("expects self, mat2");
  require_defined_inputs(ctx);
  check_matrices(ctx, 0);
  ctx.set_output(0, ctx.input(0).dtype, {ctx.input(0).dim(0), ctx.input(1).dim(1)});
}

// out[i, j] = sum_k m1[i, k] * m2[k, j], then combine(i * n + j, sum).
template <class T, class Combine>
void matmul(const TensorBuffer& m1, const TensorBuffer& m2, TensorBuffer& out, Combine combine) {
  const auto a = m1.view<T>();
  const auto b = m2.view<T>();
  auto o = out.mutable_view<T>();
  const auto rows = static_cast<size_t>(m1.dim(0)), inner = static_cast<size_t>(m1.dim(1));
  const auto cols = static_cast<size_t>(m2.dim(1));
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      T sum = 0;
      for (size_t k = 0; k < inner; ++k) sum += a[i * inner + k] * b[k * cols + j];
      o[i * cols + j] = combine(i * cols + j, sum);
    }
}

template <class T>
void addmm_eval_typed(NodeContext& ctx) {
  const auto& self = ctx.input(0);
  auto& out = ctx.output(0);
  const T beta = static_cast<T>(ctx.attr_float("beta", 1.0));
  const T alpha = static_cast<T>(ctx.attr_float("alpha", 1.0));
  // self broadcast to the output: zero strides on its broadcast dimensions.
  const auto strides = broadcast_strides(self.shape, out.shape);
  const auto s = self.view<T>();
  const auto cols = static_cast<size_t>(out.dim(1));
  matmul<T>(ctx.input(1), ctx.input(2), out, [&](size_t flat, T sum) {
    const size_t i = flat / cols, j = flat % cols;
    const auto at = static_cast<size_t>(int64_t(i) * strides[0] + int64_t(j) * strides[1]);
    return sum * alpha + s[at] * beta;
  });
}

void addmm_eval(NodeContext& ctx) {
  if (ctx.input(0).dtype == DType::Float64) return addmm_eval_typed<double>(ctx);
  addmm_eval_typed<float>(ctx);
}

void mm_eval(NodeContext& ctx) {
  const auto identity = [](size_t, auto sum) { return sum; };
  if (ctx.input(0).dtype == DType::Float64)
    return matmul<double>(ctx.input(0), ctx.input(1), ctx.output(0), identity);
  matmul<float>(ctx.input(0), ctx.input(1), ctx.output(0), identity);
}

const RegisterKernel kAddmm("aten::addmm.out", DType::Unknown, {addmm_prepare, addmm_eval});
const RegisterKernel kMm("aten::mm.out", DType::Unknown, {mm_prepare, mm_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels::aten
