// The XNNPACK delegate on the conformance grid (tests/runtime/conformance_cases.h: single-op models
// over ops x dtypes x parameters: paddings, strides, dilations, transposed convolutions, pooling,
// resize ...). Every case the "xnnpack-local" rules claim must build and must agree with our
// reference kernels, which the conformance test checks against TFLite's own runtimes (LiteRT.js,
// tfjs-tflite) on the same grid: float within 1e-4 relative, 8-bit within one quantization step
// (XNNPACK requantizes with a float scale, TFLite's kernels with a fixed-point multiplier).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "arrays.h"
#include "conformance_cases.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;
using edgelens::testing::as_doubles;

TEST(XnnpackGrid, ClaimedCasesMatchReferenceKernels) {
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "xnnpack_grid";
  fs::create_directories(dir);
  int delegated_cases = 0;
  for (const auto& c : conformance::all_cases()) {
    const auto path = dir / "case.tflite";
    conformance::write_case(c, path.string());
    const auto model = open_model(path.string());
    Interpreter reference(*model);
    if (!reference.ready()) continue;
    InterpreterOptions options;
    options.delegate = "xnnpack";
    Interpreter delegated(*model, options);
    const auto& summary = delegated.delegate_summary();
    for (const auto& f : summary.fallbacks) ADD_FAILURE() << c.id() << ": " << f;
    if (summary.delegated_nodes == 0) continue;
    ++delegated_cases;
    ASSERT_TRUE(delegated.ready()) << c.id();
    conformance::Rng rng(7);
    for (size_t k = 0; k < reference.input_count(); ++k) {
      auto& a = reference.input(k);
      if (a.dtype == DType::Float32)
        for (auto& v : a.mutable_view<float>()) v = rng.uniform(-2.5f, 2.5f);
      else
        for (auto& b : a.mutable_raw()) b = std::byte(rng.next() & 0xff);
      auto& b = delegated.input(k);
      ASSERT_EQ(a.byte_size(), b.byte_size());
      std::memcpy(b.data, a.data, a.byte_size());
    }
    reference.invoke();
    delegated.invoke();
    for (size_t k = 0; k < reference.output_count(); ++k) {
      const auto& r = reference.output(k);
      const auto& d = delegated.output(k);
      ASSERT_EQ(r.shape, d.shape) << c.id();
      double max_abs = 0, max_ref = 0;
      const auto rv = as_doubles(r.dtype, r.raw(), r.element_count());
      const auto dv = as_doubles(d.dtype, d.raw(), d.element_count());
      for (size_t i = 0; i < rv.size() && i < dv.size(); ++i) {
        max_ref = std::max(max_ref, std::abs(rv[i]));
        max_abs = std::max(max_abs, std::abs(rv[i] - dv[i]));
      }
      const double tol = dtype_is_float(r.dtype) ? 1e-4 * std::max(1.0, max_ref) : 1.0;
      EXPECT_LE(max_abs, tol) << c.id() << " output " << k << " (max |ref| " << max_ref << ")";
    }
  }
  EXPECT_GT(delegated_cases, 30);
}

}  // namespace
