// `edgelens quant-report` layer-wise errors against an independent recomputation: the tensors
// `edgelens run --dump-tensors` wrote, quantization from `edgelens dump --json`, and numpy
// reference ops in tests/quantdebug/check_layer_errors.py (no EdgeLens kernel involved).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../cli/run_command.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::run_edgelens;
using edgelens::testing::TempDir;

struct ScriptResult {
  int exit_code = -1;
  std::string out;
};

ScriptResult run_checker(const std::vector<std::string>& args) {
  TempDir dir;
  std::string command =
      "/usr/bin/python3 " EDGELENS_SOURCE_DIR "/tests/quantdebug/check_layer_errors.py";
  for (const auto& a : args) command += " '" + a + "'";
  command += " > '" + (dir.path / "out").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  ScriptResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = edgelens::testing::read_whole_file(dir.path / "out");
  return r;
}

bool have_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0;
}

// Runs the three commands and the checker on one fixture with its reference input.
nlohmann::json check_fixture(const std::string& name) {
  const fs::path model = fixtures_dir() / "tflite/micro" / (name + ".tflite");
  const fs::path inputs = fixtures_dir() / "reference" / name;
  TempDir dir;
  const auto dump_dir = dir.path / "tensors", dump_json = dir.path / "dump.json",
             report_json = dir.path / "report.json";
  auto r = run_edgelens({"run", model.string(), "--input", "0=" + (inputs / "input0.npy").string(),
                         "--dump-tensors", dump_dir.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_edgelens({"dump", "--json", model.string(), "-o", dump_json.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_edgelens({"quant-report", model.string(), "--inputs", inputs.string(), "-q", "--json",
                    report_json.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto check =
      run_checker({model.string(), dump_json.string(), dump_dir.string(), report_json.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find(" 0 mismatched"), std::string::npos) << check.out;
  return nlohmann::json::parse(edgelens::testing::read_whole_file(report_json));
}

class QuantDebugLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantDebugLayer, AgreesWithNumpyFromDumpedTensors) {
  EDGELENS_REQUIRE_SHARED();
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is needed for the checker";
  const auto report = check_fixture(GetParam());
  EXPECT_FALSE(report["layers"].empty());
}

// Every quantized micro fixture whose ops the interpreter runs (trained_lstm_int8's
// UNIDIRECTIONAL_SEQUENCE_LSTM has no kernel yet). keyword_scrambled* have scrambled weights:
// their FULLY_CONNECTED rows are huge (and flagged), which numpy confirms.
INSTANTIATE_TEST_SUITE_P(Fixtures, QuantDebugLayer,
                         ::testing::Values("hello_world_int8", "micro_speech_quantized",
                                           "person_detect", "keyword_scrambled",
                                           "keyword_scrambled_8bit",
                                           "mobilenet_v2_quantized_1x3x224x224"));

// TFLite's guide: pure rounding error has rmse/scale = 1/sqrt(12) ~ 0.289. The int8 MobileNetV2
// convolutions are well behaved, so their median sits near it and none is flagged.
TEST(QuantDebugLayerStats, MobilenetConvolutionsShowRoundingError) {
  EDGELENS_REQUIRE_SHARED();
  const std::string name = "mobilenet_v2_quantized_1x3x224x224";
  TempDir dir;
  const auto json = dir.path / "r.json";
  const auto r = run_edgelens(
      {"quant-report", (fixtures_dir() / "tflite/micro" / (name + ".tflite")).string(), "--inputs",
       (fixtures_dir() / "reference" / name).string(), "-q", "--json", json.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(edgelens::testing::read_whole_file(json));
  std::vector<double> ratios;
  for (const auto& row : report["layers"]) {
    const auto op = row["op_name"].get<std::string>();
    if (op != "CONV_2D" && op != "DEPTHWISE_CONV_2D") continue;
    ratios.push_back(row["rmse_scale"].get<double>());
    EXPECT_FALSE(row["flagged"].get<bool>()) << row.dump();
  }
  ASSERT_GT(ratios.size(), 40u);
  std::sort(ratios.begin(), ratios.end());
  const double median = ratios[ratios.size() / 2];
  EXPECT_NEAR(median, 1.0 / std::sqrt(12.0), 0.05);
}

TEST(QuantDebugCli, CsvHasTfliteColumnOrderAndExitCodes) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = (fixtures_dir() / "tflite/micro/hello_world_int8.tflite").string();
  TempDir dir;
  const auto csv = dir.path / "layers.csv", nd = dir.path / "nd.json";
  auto r = run_edgelens({"quant-report", model, "--samples", "3", "-q", "--csv", csv.string(),
                         "--node-data", nd.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto text = edgelens::testing::read_whole_file(csv);
  // QuantizationDebugger.layer_statistics_dump(): op_name, tensor_idx, the default metrics in
  // dict order, user metrics, scale, zero_point, tensor_name.
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "op_name,tensor_idx,num_elements,stddev,mean_error,max_abs_error,mean_squared_error,"
            "rmse_scale,snr_db,cosine_similarity,scale,zero_point,tensor_name");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);  // header + 3 FULLY_CONNECTED
  // Model Explorer node data: graph id -> results keyed by node id, value per node.
  const auto node_data = nlohmann::json::parse(edgelens::testing::read_whole_file(nd));
  ASSERT_TRUE(node_data.contains("main"));
  EXPECT_EQ(node_data["main"]["results"].size(), 3u);
  EXPECT_TRUE(node_data["main"]["results"]["0"]["value"].is_number());

  r = run_edgelens({"quant-report", model, "-q", "--keep-float-top", "1", "--target", "1e-12"});
  EXPECT_EQ(r.exit_code, 3) << r.out
                            << r.err;  // one layer in float cannot remove the output's rounding
  r = run_edgelens({"quant-report", model, "-q", "--inputs", dir.path.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // no input0.npy there
  r = run_edgelens({"quant-report", model, "--mode", "sideways"});
  EXPECT_EQ(r.exit_code, 1);
  r = run_edgelens({"quant-report", (dir.path / "layers.csv").string(), "-q"});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // not a model
  // A model `edgelens run` cannot run is refused the same way, naming the node.
  const auto lstm = (fixtures_dir() / "tflite/micro/trained_lstm_int8.tflite").string();
  const auto plain = run_edgelens({"run", lstm});
  r = run_edgelens({"quant-report", lstm, "-q"});
  if (plain.exit_code == 2) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("UNIDIRECTIONAL_SEQUENCE_LSTM"), std::string::npos) << r.err;
  } else {
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

}  // namespace
