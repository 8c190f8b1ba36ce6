// `edgelens info` on real fixtures, checked against what TFLite itself reports
// (fixtures/reference/*/meta.json) and against fixtures/README.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "run_command.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::run_edgelens;
using edgelens::testing::shared_dir;

namespace {

const char* const kMobilenet = "tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite";

nlohmann::json parse_or_fail(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << what << " is not valid JSON: " << e.what();
    return nullptr;
  }
}

}  // namespace

TEST(CliInfo, MobilenetTextReportsItsOps) {
  EDGELENS_REQUIRE_SHARED();
  const auto r = run_edgelens({"info", (fixtures_dir() / kMobilenet).string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // fixtures/README.md: "an int8 MobileNetV2 (84 ops)"; meta.json names its input and output.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\b84 nodes\b)"))) << r.out;
  EXPECT_NE(r.out.find("input.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Xq.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tflite"), std::string::npos) << r.out;
}

TEST(CliInfo, MobilenetJsonCountsEightyFourOps) {
  EDGELENS_REQUIRE_SHARED();
  const auto r = run_edgelens({"info", (fixtures_dir() / kMobilenet).string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_or_fail(r.out, "info --json");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["format"], "tflite");
  ASSERT_GE(j["graphs"].size(), 1u);
  EXPECT_EQ(j["graphs"][0]["node_count"], 84);
  std::size_t histogram_total = 0;
  for (const auto& [op, count] : j["graphs"][0]["op_histogram"].items())
    histogram_total += count.get<std::size_t>();
  EXPECT_EQ(histogram_total, 84u);
  // An int8 model keeps its weights as int8 constants.
  bool has_int8_parameters = false;
  for (const auto& p : j["parameters"]["by_dtype"])
    if (p["dtype"] == "int8" && p["bytes"].get<uint64_t>() > 1'000'000) has_int8_parameters = true;
  EXPECT_TRUE(has_int8_parameters) << j["parameters"].dump();
}

// Inputs and outputs (names, shapes, dtypes, quantization) agree with TFLite's own meta.json.
TEST(CliInfo, JsonInputsAndOutputsAgreeWithTfliteReference) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path reference = fixtures_dir() / "reference";
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(reference)) {
    const fs::path meta_path = entry.path() / "meta.json";
    if (!fs::exists(meta_path)) continue;
    std::ifstream meta_file(meta_path);
    const auto meta = nlohmann::json::parse(meta_file);
    const fs::path model = shared_dir() / meta["model"].get<std::string>();
    SCOPED_TRACE(model.string());
    const auto r = run_edgelens({"info", model.string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto info = parse_or_fail(r.out, "info --json");
    ASSERT_TRUE(info.is_object());
    for (const char* side : {"inputs", "outputs"}) {
      const auto& expected = meta[side];
      const auto& actual = info[side];
      ASSERT_EQ(actual.size(), expected.size()) << side;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(std::string(side) + " " + std::to_string(i));
        EXPECT_EQ(actual[i]["name"], expected[i]["name"]);
        EXPECT_EQ(actual[i]["dtype"], expected[i]["dtype"]);
        EXPECT_EQ(actual[i]["static_shape"], expected[i]["shape"]);
        if (expected[i].contains("shape_signature") && !expected[i]["shape_signature"].is_null()) {
          EXPECT_EQ(actual[i]["shape"], expected[i]["shape_signature"]);
        }
        const auto& q = expected[i]["quantization"];
        if (q.is_object() && q.contains("scale") && q["scale"].get<double>() != 0.0) {
          ASSERT_TRUE(actual[i]["quantization"].is_object()) << actual[i].dump();
          EXPECT_FLOAT_EQ(actual[i]["quantization"]["scale"].get<float>(), q["scale"].get<float>());
          EXPECT_EQ(actual[i]["quantization"]["zero_point"], q["zero_point"]);
        }
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 10u) << "expected the reference set of fixtures/README.md";
}

TEST(CliInfo, ExecuTorchXnnpackProgramShowsItsDelegate) {
  EDGELENS_REQUIRE_SHARED();
  const auto r =
      run_edgelens({"info", (fixtures_dir() / "executorch/xnnpack/add.pte").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_or_fail(r.out, "info --json");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["format"], "executorch");
  // The fixture folder holds XNNPACK-delegated programs (fixtures/README.md).
  ASSERT_GE(j["delegates"].size(), 1u);
  EXPECT_EQ(j["delegates"][0]["backend"], "XnnpackBackend");
}
