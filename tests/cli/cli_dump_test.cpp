// `edgelens dump --json` (the IR) and `--format model-explorer` on real fixtures.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "edgelens/model_io/tflite_writer.h"
#include "run_command.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::read_whole_file;
using edgelens::testing::run_edgelens;
using edgelens::testing::TempDir;

namespace {

// Several formats and shapes of graph: multi-subgraph control flow, signatures, sparsity, and
// ExecuTorch programs with and without XNNPACK delegation.
const std::vector<std::string> kDumpFixtures = {
    "tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite",
    "tflite/litert/tflite/testdata/nested_while.bin",
    "tflite/litert/tflite/testdata/call_once_mul.bin",
    "tflite/litert/litert/js/packages/core/testdata/multi_signature_model.tflite",
    "tflite/mediapipe/face_detection_full_range_sparse.tflite",
    "tflite/mediapipe/selfie_segmentation.tflite",
    "executorch/xnnpack/quantized.pte",
    "executorch/xnnpack/lstm/lstm.pte",
    "executorch/examples/arduino/examples/KeywordSpotting/model.pte",
};

nlohmann::json run_json(const std::vector<std::string>& args) {
  const auto r = run_edgelens(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what();
    return nullptr;
  }
}

}  // namespace

TEST(CliDump, JsonParsesAndAgreesWithInfo) {
  EDGELENS_REQUIRE_SHARED();
  for (const auto& rel : kDumpFixtures) {
    SCOPED_TRACE(rel);
    const std::string model = (fixtures_dir() / rel).string();
    const auto dump = run_json({"dump", model, "--json"});
    const auto info = run_json({"info", model, "--json"});
    ASSERT_TRUE(dump.is_object() && info.is_object());
    EXPECT_EQ(dump["edgelens_dump_version"], 1);
    EXPECT_EQ(dump["format"], info["format"]);
    EXPECT_EQ(dump["file_bytes"].get<uint64_t>(), fs::file_size(model));
    ASSERT_EQ(dump["graphs"].size(), info["graphs"].size());
    for (std::size_t g = 0; g < dump["graphs"].size(); ++g) {
      const auto& graph = dump["graphs"][g];
      EXPECT_EQ(graph["nodes"].size(), info["graphs"][g]["node_count"].get<std::size_t>())
          << "graph " << g;
      EXPECT_EQ(graph["tensors"].size(), info["graphs"][g]["tensor_count"].get<std::size_t>())
          << "graph " << g;
      const auto tensor_count = static_cast<int64_t>(graph["tensors"].size());
      for (const auto& node : graph["nodes"]) {
        for (const auto& t : node["inputs"])
          EXPECT_TRUE(t >= -1 && t < tensor_count) << node.dump();
        for (const auto& t : node["outputs"])
          EXPECT_TRUE(t >= 0 && t < tensor_count) << node.dump();
        for (const auto& called : node["called_graphs"])
          EXPECT_LT(called.get<std::size_t>(), dump["graphs"].size());
      }
      // Constant data are described, never inlined: a size and where they sit in the file.
      for (const auto& t : graph["tensors"]) {
        if (!t["data"].is_object()) continue;
        const auto& d = t["data"];
        EXPECT_TRUE(d["bytes"].is_number());
        if (d["file_offset"].is_number()) {
          EXPECT_LE(d["file_offset"].get<uint64_t>() + d["bytes"].get<uint64_t>(),
                    fs::file_size(model));
        }
      }
    }
  }
  // fixtures/README.md: the int8 MobileNetV2 has 84 ops.
  const auto mobilenet = run_json({"dump", (fixtures_dir() / kDumpFixtures[0]).string(), "--json"});
  ASSERT_TRUE(mobilenet.is_object());
  EXPECT_EQ(mobilenet["graphs"][0]["nodes"].size(), 84u);
}

TEST(CliDump, WritesFileAtomicallyWithOutputOption) {
  EDGELENS_REQUIRE_SHARED();
  TempDir dir;
  const fs::path out = dir.path / "dump.json";
  std::ofstream(out) << "old contents";
  const auto r = run_edgelens(
      {"dump", (fixtures_dir() / kDumpFixtures[0]).string(), "--json", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  const auto j = nlohmann::json::parse(read_whole_file(out));
  EXPECT_EQ(j["graphs"][0]["nodes"].size(), 84u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file left behind";
  // A failed open leaves an existing output alone.
  const auto bad =
      run_edgelens({"dump", (dir.path / "missing.tflite").string(), "--json", "-o", out.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(read_whole_file(out))["graphs"][0]["nodes"].size(), 84u);
}

// Model Explorer's JSON loader takes a GraphCollection {label, graphs}; every incoming edge must
// name a node of the same graph and one of its outputs, or the visualizer drops it.
TEST(CliDump, ModelExplorerGraphsAreClosed) {
  EDGELENS_REQUIRE_SHARED();
  for (const auto& rel : kDumpFixtures) {
    SCOPED_TRACE(rel);
    const std::string model = (fixtures_dir() / rel).string();
    const auto me = run_json({"dump", model, "--json", "--format", "model-explorer"});
    const auto dump = run_json({"dump", model, "--json"});
    ASSERT_TRUE(me.is_object() && dump.is_object());
    ASSERT_TRUE(me["label"].is_string());
    ASSERT_TRUE(me["graphs"].is_array());
    ASSERT_EQ(me["graphs"].size(), dump["graphs"].size());
    std::set<std::string> graph_ids;
    for (const auto& g : me["graphs"])
      EXPECT_TRUE(graph_ids.insert(g["id"].get<std::string>()).second);
    for (std::size_t gi = 0; gi < me["graphs"].size(); ++gi) {
      const auto& g = me["graphs"][gi];
      std::map<std::string, std::set<std::string>> outputs_of;  // node id -> output ids
      for (const auto& n : g["nodes"]) {
        ASSERT_TRUE(n["id"].is_string() && n["label"].is_string() && n["namespace"].is_string());
        std::set<std::string> outs;
        for (const auto& m : n["outputsMetadata"]) outs.insert(m["id"].get<std::string>());
        EXPECT_TRUE(outputs_of.emplace(n["id"].get<std::string>(), outs).second)
            << "duplicate id " << n["id"];
      }
      // Every IR node appears as an op node with its index as id and its op as label.
      const auto& ir_nodes = dump["graphs"][gi]["nodes"];
      ASSERT_GE(g["nodes"].size(), ir_nodes.size());
      for (std::size_t i = 0; i < ir_nodes.size(); ++i) {
        EXPECT_EQ(g["nodes"][i]["id"], std::to_string(i));
        EXPECT_EQ(g["nodes"][i]["label"], ir_nodes[i]["op"]["name"]);
        std::size_t present_inputs = 0;
        for (const auto& t : ir_nodes[i]["inputs"]) present_inputs += t.get<int>() >= 0 ? 1 : 0;
        EXPECT_EQ(g["nodes"][i]["incomingEdges"].size(), present_inputs);
      }
      for (const auto& n : g["nodes"]) {
        for (const auto& e : n["incomingEdges"]) {
          const auto src = outputs_of.find(e["sourceNodeId"].get<std::string>());
          ASSERT_NE(src, outputs_of.end())
              << "edge into " << n["id"] << " from missing node " << e.dump();
          EXPECT_TRUE(src->second.count(e["sourceNodeOutputId"].get<std::string>())) << e.dump();
          EXPECT_TRUE(e["targetNodeInputId"].is_string());
        }
        for (const auto& m : n["outputsMetadata"]) {
          std::set<std::string> keys;
          for (const auto& a : m["attrs"]) {
            EXPECT_TRUE(a["key"].is_string() && a["value"].is_string()) << a.dump();
            keys.insert(a["key"].get<std::string>());
          }
          for (const char* key : {"tensor_name", "tensor_shape", "shape", "dtype"})
            EXPECT_TRUE(keys.count(key)) << key;
        }
        for (const auto& sub : n["subgraphIds"])
          EXPECT_TRUE(graph_ids.count(sub.get<std::string>())) << sub;
      }
    }
  }
}

// Tensor names are raw bytes in a .tflite; the JSON written must still be valid UTF-8.
TEST(CliDump, NonUtf8NamesStillGiveValidJson) {
  TempDir dir;
  const fs::path model = dir.path / "latin1.tflite";
  {
    edgelens::TfliteBuilder b;
    const int x =
        b.add_tensor({.name = "caf\xe9 in", .dtype = edgelens::DType::Float32, .shape = {1, 4}});
    const int y =
        b.add_tensor({.name = "\xff\xfe out", .dtype = edgelens::DType::Float32, .shape = {1, 4}});
    b.add_op({.op = "RELU", .inputs = {x}, .outputs = {y}});
    b.set_inputs({x});
    b.set_outputs({y});
    b.write_file(model.string());
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"info", model.string(), "--json"},
        std::vector<std::string>{"dump", model.string(), "--json"},
        std::vector<std::string>{"dump", model.string(), "--json", "--format", "model-explorer"}}) {
    const auto j = run_json(args);
    EXPECT_FALSE(j.is_null()) << args[0];
  }
  const auto info = run_json({"info", model.string(), "--json"});
  ASSERT_TRUE(info.is_object());
  EXPECT_EQ(info["inputs"][0]["name"], "caf\xef\xbf\xbd in");  // U+FFFD replaces the bad byte
}
