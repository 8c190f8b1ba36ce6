// The 127 int16x8 single-op models of tflite-micro's seanet integration test
// (../shared/fixtures/tflite/seanet): inputs and golden outputs are CSV files produced by TFLite's
// reference kernels. Every model whose ops we run must match its golden output bit for bit; a model
// with an op we do not implement is skipped, naming the op and the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arrays.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;
using edgelens::testing::as_int64s;

namespace {

fs::path seanet_dir() {
  return edgelens::testing::fixtures_dir() / "tflite" / "seanet";
}

std::vector<std::string> seanet_models() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(seanet_dir(), ec))
    if (e.path().extension() == ".tflite") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

// "<stem>_<role>_<dtype>.csv" for role "input0", "golden" ...
fs::path csv_for(const std::string& stem, const std::string& role) {
  for (const char* t : {"int16", "int8", "int32", "float32", "int64"}) {
    auto p = seanet_dir() / fmt::format("{}_{}_{}.csv", stem, role, t);
    if (fs::exists(p)) return p;
  }
  return {};
}

std::vector<int64_t> read_csv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<int64_t> values;
  std::string token;
  while (std::getline(in, token, ',')) {
    std::istringstream s(token);
    int64_t v = 0;
    if (s >> v) values.push_back(v);
  }
  return values;
}

template <class T>
void store(TensorBuffer& t, const std::vector<int64_t>& values) {
  auto out = t.mutable_view<T>();
  ASSERT_EQ(out.size(), values.size()) << "CSV holds a different element count";
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
}

class SeanetGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SeanetGolden, BitExactWithTfliteReferenceKernels) {
  EDGELENS_REQUIRE_SHARED();
  const std::string stem = GetParam();
  auto model = open_model((seanet_dir() / (stem + ".tflite")).string());
  Interpreter interpreter(*model);
  if (!interpreter.ready()) {
    std::string why;
    for (const auto& u : interpreter.unsupported()) why += u.to_string() + "; ";
    GTEST_SKIP() << stem << ": not supported here: " << why;
  }
  for (size_t k = 0; k < interpreter.input_count(); ++k) {
    const auto csv = csv_for(stem, fmt::format("input{}", k));
    ASSERT_FALSE(csv.empty()) << "no CSV for input " << k;
    auto& t = interpreter.input(k);
    const auto values = read_csv(csv);
    switch (t.dtype) {
      case DType::Int8:
        store<int8_t>(t, values);
        break;
      case DType::Int16:
        store<int16_t>(t, values);
        break;
      case DType::Int32:
        store<int32_t>(t, values);
        break;
      case DType::Int64:
        store<int64_t>(t, values);
        break;
      default:
        FAIL() << "unexpected input dtype " << dtype_name(t.dtype);
    }
  }
  interpreter.invoke();
  const auto golden = read_csv(csv_for(stem, "golden"));
  const auto& output = interpreter.output(0);
  const auto got = as_int64s(output.dtype, output.raw(), output.element_count());
  ASSERT_EQ(got.size(), golden.size()) << "output element count";
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != golden[i] && mismatches++ == 0) first = i;
  EXPECT_EQ(mismatches, 0u) << stem << ": " << mismatches << " of " << got.size()
                            << " elements differ; first at " << first << ": got " << got[first]
                            << ", golden " << golden[first];
}

INSTANTIATE_TEST_SUITE_P(Seanet, SeanetGolden, ::testing::ValuesIn(seanet_models()),
                         [](const auto& p) { return p.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SeanetGolden);

}  // namespace
