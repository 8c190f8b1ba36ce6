// `edgelens compare` on the hello_world float/int8 pair. Oracles: TFLite's own outputs of both
// models on the reference input (fixtures/reference/*/output0.npy, meta.json), and the
// quantization report of the same pair (`edgelens quant-report --float`).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>

#include "run_command.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::read_whole_file;
using edgelens::testing::run_edgelens;
using edgelens::testing::TempDir;
using nlohmann::json;

namespace {

fs::path micro(const char* name) {
  return fixtures_dir() / "tflite/micro" / name;
}
fs::path reference(const char* model) {
  return fixtures_dir() / "reference" / model;
}

json parse_or_fail(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    ADD_FAILURE() << what << " is not valid JSON: " << e.what() << "\n" << text;
    return json::object();
  }
}

// The values of a small .npy (v1 header; '<f4' or '|i1'), as double.
std::vector<double> read_npy_values(const fs::path& path) {
  const std::string bytes = read_whole_file(path);
  if (bytes.size() < 10 || bytes.compare(1, 5, "NUMPY") != 0) {
    ADD_FAILURE() << path << " is not .npy";
    return {};
  }
  const size_t header_len = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
  const std::string header = bytes.substr(10, header_len);
  const std::string data = bytes.substr(10 + header_len);
  std::vector<double> out;
  if (header.find("'<f4'") != std::string::npos) {
    for (size_t i = 0; i + 4 <= data.size(); i += 4) {
      float f;
      std::memcpy(&f, data.data() + i, 4);
      out.push_back(f);
    }
  } else if (header.find("'|i1'") != std::string::npos) {
    for (char c : data) out.push_back(double(static_cast<int8_t>(c)));
  } else {
    ADD_FAILURE() << path << ": unexpected dtype in " << header;
  }
  return out;
}

// "%.6g", as the structural diff prints scales.
std::string g6(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

json read_json(const fs::path& path) {
  return parse_or_fail(read_whole_file(path), path.string());
}

// |dequant(int8 output) - float output| on the reference input, from TFLite's own outputs.
double reference_output_gap() {
  const auto f = read_npy_values(reference("hello_world_float") / "output0.npy");
  const auto q = read_npy_values(reference("hello_world_int8") / "output0.npy");
  const json meta = read_json(reference("hello_world_int8") / "meta.json");
  const double scale = meta["outputs"][0]["quantization"]["scale"];
  const double zero_point = meta["outputs"][0]["quantization"]["zero_point"];
  double gap = 0;
  for (size_t i = 0; i < std::min(f.size(), q.size()); ++i)
    gap = std::max(gap, std::abs(scale * (q[i] - zero_point) - f[i]));
  return gap;
}

}  // namespace

TEST(CliCompare, HelloWorldStructureShowsWhereQuantizationWasAdded) {
  EDGELENS_REQUIRE_SHARED();
  const auto r =
      run_edgelens({"compare", micro("hello_world_float.tflite").string(),
                    micro("hello_world_int8.tflite").string(), "--structure-only", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = parse_or_fail(r.out, "compare --json");
  const json meta_f = read_json(reference("hello_world_float") / "meta.json");
  const json meta_q = read_json(reference("hello_world_int8") / "meta.json");
  // Both models run the same three FULLY_CONNECTED ops (fixtures/MANIFEST.tsv: "3 FC"): every node
  // is matched, and every one changed (float32 -> int8 weights and activations).
  const json& s = j["structure"];
  EXPECT_EQ(s["summary"]["changed"], 3) << s.dump(1);
  EXPECT_EQ(s["summary"]["added"], 0);
  EXPECT_EQ(s["summary"]["removed"], 0);
  for (const json& n : s["nodes"]) {
    EXPECT_EQ(n["op_a"], "FULLY_CONNECTED");
    EXPECT_EQ(n["op_b"], "FULLY_CONNECTED");
    bool quantized_output = false;
    for (const json& d : n["differences"])
      if (d.get<std::string>().find("output 0 float32") == 0 &&
          d.get<std::string>().find("-> int8") != std::string::npos)
        quantized_output = true;
    EXPECT_TRUE(quantized_output) << n.dump();
  }
  // The model boundary is where a float graph quantizes its input and dequantizes its output:
  // the interface diff shows both, with the scale and zero point TFLite reports (meta.json).
  const std::string interface = s["interface"].dump();
  const std::string in_dtype_a = meta_f["inputs"][0]["dtype"],
                    in_dtype_b = meta_q["inputs"][0]["dtype"];
  EXPECT_NE(interface.find("input 0: " + in_dtype_a), std::string::npos) << interface;
  EXPECT_NE(interface.find("-> " + in_dtype_b), std::string::npos) << interface;
  const double in_scale = meta_q["inputs"][0]["quantization"]["scale"];
  const double out_zp = meta_q["outputs"][0]["quantization"]["zero_point"];
  EXPECT_NE(interface.find("scale " + g6(in_scale)), std::string::npos) << interface;
  EXPECT_NE(interface.find("zp " + std::to_string(int(out_zp))), std::string::npos) << interface;
  EXPECT_FALSE(j.contains("numeric"));
}

TEST(CliCompare, HelloWorldNumericDiffMatchesTfliteAndTheQuantReport) {
  EDGELENS_REQUIRE_SHARED();
  TempDir tmp;
  // The float reference input (x = 0); the int8 model gets it quantized, as TFLite's reference did.
  const std::string inputs = reference("hello_world_float").string();
  const auto r =
      run_edgelens({"compare", micro("hello_world_float.tflite").string(),
                    micro("hello_world_int8.tflite").string(), "--inputs", inputs, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = parse_or_fail(r.out, "compare --json");
  const json& num = j["numeric"];
  ASSERT_TRUE(num["ran"].get<bool>()) << num.dump(1);
  ASSERT_EQ(num["outputs"].size(), 1u);
  const double max_abs = num["outputs"][0]["metrics"]["max_abs"];

  // External oracle: TFLite's own outputs of the two models on this input.
  const double tflite_gap = reference_output_gap();
  const json meta_f = read_json(reference("hello_world_float") / "meta.json");
  const double float_tol = std::max(1e-4, 2.0 * meta_f["oracle_spread"][0].get<double>());
  EXPECT_NEAR(max_abs, tflite_gap, float_tol);

  // Prediction of the quantization report on the same pair and input: the output error vs the
  // float model. The compare gap must not exceed it (plus float noise).
  const fs::path report_path = tmp.path / "quant.json";
  const auto q = run_edgelens({"quant-report", micro("hello_world_int8.tflite").string(), "--float",
                               micro("hello_world_float.tflite").string(), "--inputs", inputs,
                               "--json", report_path.string(), "--no-cache", "--quiet"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const json report = read_json(report_path);
  ASSERT_EQ(report["outputs_vs_float"].size(), 1u) << report.dump(1);
  const double predicted = report["outputs_vs_float"][0]["max_abs_error"];
  EXPECT_LE(max_abs, predicted + float_tol);
  EXPECT_NEAR(max_abs, predicted, float_tol);

  // Matched intermediates: the hidden FULLY_CONNECTED outputs pair up and are compared.
  EXPECT_GE(num["intermediates"].size(), 2u) << num.dump(1);
  for (const json& t : num["intermediates"]) EXPECT_FALSE(t.contains("skipped")) << t.dump();
}

TEST(CliCompare, ThresholdsGateWithExitCodeThree) {
  EDGELENS_REQUIRE_SHARED();
  const double gap = reference_output_gap();
  ASSERT_GT(gap, 1e-3) << "the pair's outputs should differ by more than float noise";
  const std::string a = micro("hello_world_float.tflite").string();
  const std::string b = micro("hello_world_int8.tflite").string();
  const std::string inputs = reference("hello_world_float").string();
  const auto fail = run_edgelens({"compare", a, b, "--inputs", inputs, "--max-abs", g6(gap / 2)});
  EXPECT_EQ(fail.exit_code, 3) << fail.out << fail.err;
  EXPECT_NE(fail.out.find("Thresholds: FAILED"), std::string::npos) << fail.out;
  const auto pass = run_edgelens({"compare", a, b, "--inputs", inputs, "--max-abs", g6(gap * 2)});
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  // Relative: |B - A| / |A| with A = TFLite's float output.
  const double ref = std::abs(read_npy_values(reference("hello_world_float") / "output0.npy")[0]);
  const auto rel =
      run_edgelens({"compare", a, b, "--inputs", inputs, "--max-rel", g6(gap / ref / 2), "--json"});
  EXPECT_EQ(rel.exit_code, 3) << rel.out << rel.err;
  const json j = parse_or_fail(rel.out, "compare --json");
  EXPECT_FALSE(j["thresholds"]["passed"].get<bool>());
}

TEST(CliCompare, SameModelIsAllSameAndZeroDiff) {
  EDGELENS_REQUIRE_SHARED();
  const std::string m = micro("hello_world_int8.tflite").string();
  const auto r = run_edgelens({"compare", m, m, "--samples", "3", "--json", "--max-abs", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = parse_or_fail(r.out, "compare --json");
  EXPECT_EQ(j["structure"]["summary"]["same"], 3);
  EXPECT_EQ(j["structure"]["summary"]["changed"], 0);
  EXPECT_EQ(j["numeric"]["samples"], 3);
  EXPECT_EQ(j["numeric"]["all_outputs"]["max_abs"], 0.0);
  EXPECT_EQ(j["coverage"]["a"]["delegated"], j["coverage"]["b"]["delegated"]);
}

TEST(CliCompare, PteAgainstTfliteGivesStructureAndSaysWhyNoNumbers) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path pte = fixtures_dir() / "executorch/xnnpack/add.pte";
  if (!fs::exists(pte)) GTEST_SKIP() << pte << " is absent";
  const auto r =
      run_edgelens({"compare", pte.string(), micro("hello_world_float.tflite").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = parse_or_fail(r.out, "compare --json");
  const json& s = j["structure"]["summary"];
  EXPECT_EQ(s["added"].get<int>() + s["changed"].get<int>() + s["same"].get<int>(), 3);
  EXPECT_FALSE(j["coverage"]["a"]["available"].get<bool>());
  // A threshold on numbers that cannot be computed must fail the gate, not pass silently.
  const auto gated = run_edgelens(
      {"compare", pte.string(), micro("hello_world_float.tflite").string(), "--max-abs", "1"});
  EXPECT_EQ(gated.exit_code, 3) << gated.out << gated.err;
}

TEST(CliCompare, BadInputExitsTwoUsageExitsOne) {
  EDGELENS_REQUIRE_SHARED();
  TempDir tmp;
  const fs::path junk = tmp.path / "junk.tflite";
  std::ofstream(junk) << "not a model at all";
  const std::string good = micro("hello_world_float.tflite").string();
  EXPECT_EQ(run_edgelens({"compare", good, junk.string()}).exit_code, 2);
  EXPECT_EQ(run_edgelens({"compare", good, (tmp.path / "missing.tflite").string()}).exit_code, 2);
  EXPECT_EQ(run_edgelens({"compare", good, good, "--inputs", tmp.path.string()}).exit_code, 2);
  EXPECT_EQ(run_edgelens({"compare", good, good, "--samples", "2", "--inputs", "x"}).exit_code, 1);
}
