// ExecuTorch .pte DelegateCalls to XnnpackBackend run through the decoded XNNGraph on XNNPACK. No
// ExecuTorch output is stored with these fixtures, so the oracle is the XNNGraph's arithmetic
// written out here independently of the runtime: float addition (add.pte) and the statically
// quantized linear layer of quantized.pte (quantize -> int8 x int8 GEMM + int32 bias -> requantize
// -> dequantize), within one output quantization step (rounding of ties may differ).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "shared_dir.h"

namespace {

using namespace edgelens;
using namespace edgelens::runtime;

std::unique_ptr<Model> open_pte(const std::string& name) {
  return open_model((edgelens::testing::fixtures_dir() / "executorch" / "xnnpack" / name).string());
}

TEST(XnnpackPte, AddRunsThroughXnnpack) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_pte("add.pte");
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready()) << interp.unsupported().front().to_string();
  ASSERT_EQ(interp.input_count(), 2u);
  const std::vector<float> a = {1.5f, -2.25f, 3.0f}, b = {0.25f, 4.0f, -7.5f};
  std::memcpy(interp.input(0).data, a.data(), 12);
  std::memcpy(interp.input(1).data, b.data(), 12);
  interp.invoke();
  const auto out = interp.output(0).view<float>();
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out[i], a[i] + b[i]);
}

TEST(XnnpackPte, StaticallyQuantizedLinear) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_pte("quantized.pte");
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready()) << interp.unsupported().front().to_string();
  // The XNNGraph: v0 f32 [2,8] -> Convert -> v1 qint8 -> FullyConnected(v2 int8 [8,8], v3 qint32)
  // -> v4 qint8 -> Convert -> v5 f32.
  const Graph& blob = model->graphs.at(1);
  ASSERT_EQ(blob.nodes.size(), 3u);
  const Tensor &xq_t = blob.tensors[1], &w_t = blob.tensors[2], &b_t = blob.tensors[3],
               &yq_t = blob.tensors[4];
  const double s_in = xq_t.quant.scales[0], s_w = w_t.quant.scales[0], s_out = yq_t.quant.scales[0];
  const int64_t zp_in = xq_t.quant.zero_points[0], zp_out = yq_t.quant.zero_points[0];
  std::vector<float> x(16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -0.9f + 0.12f * float(i);
  std::memcpy(interp.input(0).data, x.data(), x.size() * 4);
  interp.invoke();
  const auto y = interp.output(0).view<float>();
  ASSERT_EQ(y.size(), 16u);
  auto clamp8 = [](double v) { return std::min(127.0, std::max(-128.0, v)); };
  for (int row = 0; row < 2; ++row)
    for (int o = 0; o < 8; ++o) {
      int64_t acc = 0;
      int32_t bias = 0;
      std::memcpy(&bias, b_t.data.data() + o * 4, 4);
      for (int i = 0; i < 8; ++i) {
        const double xq = clamp8(std::nearbyint(x[size_t(row * 8 + i)] / s_in) + double(zp_in));
        const auto w = static_cast<int8_t>(w_t.data[size_t(o * 8 + i)]);
        acc += (int64_t(xq) - zp_in) * w;
      }
      const double yq =
          clamp8(std::nearbyint(double(acc + bias) * s_in * s_w / s_out) + double(zp_out));
      const double expected = (yq - double(zp_out)) * s_out;
      EXPECT_NEAR(y[size_t(row * 8 + o)], expected, s_out * 1.001) << "row " << row << " out " << o;
    }
}

}  // namespace
