// `edgelens bench`: whole-inference statistics, the per-node profile (one row per graph node, each
// naming a real node id: that node's op and first output tensor), the summary by op type, CSV and
// JSON, and the exit codes. Timing values are only checked for sanity (non-negative, consistent
// sums); the node set is checked against TFLite's own list of the tensors its nodes produced
// (fixtures/reference/<model>/tensors/tensors.tsv).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "reference_tensors.h"
#include "run_command.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::run_edgelens;
using edgelens::testing::tflite_produced_names;
using nlohmann::json;

namespace {

json bench_json(const fs::path& model, std::vector<std::string> extra) {
  std::vector<std::string> args{"bench", model.string(), "--json", "--op-profile"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_edgelens(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << "no progress bar when stderr is not a terminal: " << r.err;
  return json::parse(r.out);
}

// Rows: one per graph-0 node, node ids are real (op and first output name match the model), and
// the names are exactly the tensors TFLite's nodes produced.
void expect_rows_map_to_nodes(const std::string& fixture, const std::string& reference,
                              int iterations) {
  const fs::path model_path = fixtures_dir() / fixture;
  const auto model = edgelens::open_model(model_path.string());
  const auto& graph = model->graphs.at(0);
  const json report =
      bench_json(model_path, {"--warmup", "1", "--iterations", std::to_string(iterations)});
  const auto& rows = report["op_profile"];
  ASSERT_EQ(rows.size(), graph.nodes.size());
  EXPECT_EQ(report["nodes"].get<size_t>(), graph.nodes.size());
  EXPECT_EQ(report["profiled_invokes"].get<int>(), iterations);
  std::set<uint32_t> ids;
  std::set<std::string> names;
  double percent = 0, avg_sum = 0, previous_avg = 1e300;
  for (const auto& row : rows) {
    const auto id = row["node"].get<uint32_t>();
    ASSERT_LT(id, graph.nodes.size());
    ids.insert(id);
    const auto& node = graph.nodes[id];
    EXPECT_EQ(row["op"].get<std::string>(), node.op.name) << "node " << id;
    ASSERT_FALSE(node.outputs.empty());
    EXPECT_EQ(row["name"].get<std::string>(),
              graph.tensors.at(static_cast<size_t>(node.outputs[0])).name)
        << "node " << id;
    names.insert(row["name"].get<std::string>());
    EXPECT_EQ(row["covers"], json::array({id}));
    EXPECT_FALSE(row["partition"].get<bool>());
    const double avg = row["avg_ms"].get<double>();
    EXPECT_GE(avg, 0.0);
    EXPECT_GE(row["first_ms"].get<double>(), 0.0);
    EXPECT_LE(row["min_ms"].get<double>(), row["max_ms"].get<double>() + 1e-12);
    EXPECT_LE(avg, previous_avg) << "sorted by average, largest first";
    previous_avg = avg;
    EXPECT_DOUBLE_EQ(row["times_called"].get<double>(), 1.0);
    percent += row["percent"].get<double>();
    avg_sum += avg;
    EXPECT_NEAR(row["cdf_percent"].get<double>(), std::min(percent, 100.0), 1e-6);
  }
  EXPECT_EQ(ids.size(), graph.nodes.size()) << "every node exactly once";
  if (avg_sum > 0) {
    EXPECT_NEAR(percent, 100.0, 1e-6);
  }
  if (!reference.empty()) {
    EXPECT_EQ(names, tflite_produced_names(reference, graph.tensors.size()));
  }

  // Summary by op type: counts add up to the node count, per op as in the model.
  std::map<std::string, int> model_ops;
  for (const auto& n : graph.nodes) ++model_ops[n.op.name];
  std::map<std::string, int> summary_ops;
  double type_avg = 0;
  for (const auto& t : report["by_op_type"]) {
    summary_ops[t["op"].get<std::string>()] = t["count"].get<int>();
    type_avg += t["avg_ms"].get<double>();
  }
  EXPECT_EQ(summary_ops, model_ops);
  EXPECT_NEAR(type_avg, avg_sum, 1e-9 + 1e-9 * avg_sum);

  // Whole inference: count as asked, min <= avg <= max, and the node times fit inside it.
  const auto& inference = report["inference"];
  EXPECT_EQ(inference["count"].get<int>(), iterations);
  EXPECT_LE(inference["min_ms"].get<double>(), inference["avg_ms"].get<double>() + 1e-12);
  EXPECT_LE(inference["avg_ms"].get<double>(), inference["max_ms"].get<double>() + 1e-12);
  EXPECT_GE(inference["std_ms"].get<double>(), 0.0);
  EXPECT_LE(avg_sum, inference["avg_ms"].get<double>() * 1.5 + 0.05)
      << "node evals are a part of the inference";
  EXPECT_EQ(report["warmup"]["count"].get<int>(), 1);
  EXPECT_GE(report["init_ms"].get<double>(), 0.0);
}

TEST(CliBench, HelloWorldFloatRowsAreTheModelsNodes) {
  EDGELENS_REQUIRE_SHARED();
  expect_rows_map_to_nodes("tflite/micro/hello_world_float.tflite", "hello_world_float", 5);
}

TEST(CliBench, HelloWorldInt8RowsAreTheModelsNodes) {
  EDGELENS_REQUIRE_SHARED();
  expect_rows_map_to_nodes("tflite/micro/hello_world_int8.tflite", "hello_world_int8", 5);
}

TEST(CliBench, FaceDetectionRowsAreTheModelsNodes) {
  EDGELENS_REQUIRE_SHARED();
  expect_rows_map_to_nodes("tflite/mediapipe/face_detection_short_range.tflite",
                           "face_detection_short_range", 2);
}

// Delegated: partition rows cover their nodes, and with the CPU rows every graph node is covered
// exactly once; with --per-node every node has its own row again.
TEST(CliBench, DelegatedRowsCoverEveryNodeOnce) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path model_path = fixtures_dir() / "tflite/micro/person_detect.tflite";
  const auto model = edgelens::open_model(model_path.string());
  const size_t nodes = model->graphs.at(0).nodes.size();
  for (const bool per_node : {false, true}) {
    std::vector<std::string> extra{"--delegate", "xnnpack", "--threads",    "2",
                                   "--warmup",   "0",       "--iterations", "2"};
    if (per_node) extra.push_back("--per-node");
    const json report = bench_json(model_path, extra);
    std::vector<int> covered(nodes, 0);
    size_t partition_rows = 0;
    for (const auto& row : report["op_profile"]) {
      if (row["partition"].get<bool>()) ++partition_rows;
      for (const auto& n : row["covers"]) {
        ASSERT_LT(n.get<size_t>(), nodes);
        ++covered[n.get<size_t>()];
      }
      EXPECT_GE(row["avg_ms"].get<double>(), 0.0);
    }
    for (size_t n = 0; n < nodes; ++n) EXPECT_EQ(covered[n], 1) << "node " << n;
    ASSERT_TRUE(report.contains("partitions")) << "person_detect has XNNPACK-claimable convs";
    EXPECT_EQ(partition_rows, report["partitions"].size());
    if (per_node) {
      EXPECT_EQ(report["op_profile"].size(), nodes);
      for (const auto& p : report["partitions"]) EXPECT_EQ(p.size(), 1u);
    }
  }
}

TEST(CliBench, TextTablesListEveryNodeAndOpType) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path model_path = fixtures_dir() / "tflite/micro/person_detect.tflite";
  const auto model = edgelens::open_model(model_path.string());
  const auto& graph = model->graphs.at(0);
  const auto r = run_edgelens(
      {"bench", model_path.string(), "--op-profile", "--warmup", "0", "--iterations", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Inference timings in ms: Init:"), std::string::npos) << r.out;
  const auto top = r.out.find("Top by Computation Time");
  const auto summary = r.out.find("Summary by node type");
  ASSERT_NE(top, std::string::npos);
  ASSERT_NE(summary, std::string::npos);
  // Per-node table: header + one line per node, each ending with its output tensor's name.
  std::istringstream lines(r.out.substr(top, summary - top));
  std::string line;
  std::getline(lines, line);  // banner
  std::getline(lines, line);  // header
  EXPECT_NE(line.find("[node type]"), std::string::npos);
  EXPECT_NE(line.find("[cdf%]"), std::string::npos);
  size_t rows = 0;
  while (std::getline(lines, line) && !line.empty()) ++rows;
  EXPECT_EQ(rows, graph.nodes.size());
  for (const auto& node : graph.nodes) {
    const auto& name = graph.tensors.at(static_cast<size_t>(node.outputs.at(0))).name;
    EXPECT_NE(r.out.find(" " + name + "\n", top), std::string::npos) << name;
  }
  std::set<std::string> ops;
  for (const auto& node : graph.nodes) ops.insert(node.op.name);
  const std::string summary_text = r.out.substr(summary);
  for (const auto& op : ops) EXPECT_NE(summary_text.find(op), std::string::npos) << op;
}

TEST(CliBench, CsvHasOneRowPerNodeAndParses) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path model_path = fixtures_dir() / "tflite/micro/hello_world_float.tflite";
  const auto r =
      run_edgelens({"bench", model_path.string(), "--op-profile", "--csv", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("node,covers,op,name,", 0), 0u) << header;
  const auto columns = std::count(header.begin(), header.end(), ',');
  std::string line;
  std::set<std::string> nodes;
  while (std::getline(lines, line)) {
    // hello_world's names hold ';' but no ',' or '"', so plain splitting is exact here.
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), columns) << line;
    nodes.insert(line.substr(0, line.find(',')));
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"0", "1", "2"}));

  const auto plain = run_edgelens({"bench", model_path.string(), "--csv", "--iterations", "2"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(std::count(plain.out.begin(), plain.out.end(), '\n'), 2) << plain.out;
}

TEST(CliBench, UnsupportedOpsAreReportedBeforeRunning) {
  EDGELENS_REQUIRE_SHARED();
  // A MediaTek vendor custom op that no CPU runtime implements.
  const fs::path model_path =
      fixtures_dir() / "tflite/litert/litert/test/testdata/MTKEXT_CONV_2D.tflite";
  const auto r = run_edgelens({"bench", model_path.string(), "--op-profile"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot run"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("node 0"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Inference"), std::string::npos) << "nothing ran: " << r.out;
}

TEST(CliBench, BadArgumentsAndFiles) {
  EXPECT_EQ(run_edgelens({"bench"}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"bench", "/nonexistent/model.tflite"}).exit_code, 2);
  EDGELENS_REQUIRE_SHARED();
  const auto model = (fixtures_dir() / "tflite/micro/hello_world_float.tflite").string();
  EXPECT_EQ(run_edgelens({"bench", model, "--iterations", "0"}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"bench", model, "--json", "--csv"}).exit_code, 1);
  const auto bad_delegate = run_edgelens({"bench", model, "--delegate", "tpu"});
  EXPECT_EQ(bad_delegate.exit_code, 2);
  EXPECT_NE(bad_delegate.err.find("tpu"), std::string::npos) << bad_delegate.err;
  const auto bad_input = run_edgelens({"bench", model, "--input", "/nonexistent/in.npy"});
  EXPECT_EQ(bad_input.exit_code, 2);
}

}  // namespace
