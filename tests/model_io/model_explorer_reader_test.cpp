// Model Explorer graph JSON read back into the IR: dump -> read -> dump is the same JSON on every
// small real fixture, the IR read back keeps the graph (nodes, ops, namespaces, edges, graph
// inputs/outputs), a file written the way Model Explorer's graph_builder.py documents it reads as
// documented, and broken files fail with the JSON pointer of the broken place.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::ModelError;
using edgelens::testing::fixtures_dir;

namespace {

std::unique_ptr<edgelens::Model> open_text(const std::string& text,
                                           const std::string& name = "g.json") {
  return edgelens::open_model_bytes(
      std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()), name);
}

// Every .tflite/.pte fixture under 512 kB that our readers open: several hundred graphs of every
// shape the readers produce (control flow, delegate blobs, signatures, sparse and quantized
// tensors).
std::vector<fs::path> small_model_fixtures() {
  std::vector<fs::path> out;
  for (const char* dir : {"tflite", "executorch"})
    for (const auto& e : fs::recursive_directory_iterator(fixtures_dir() / dir)) {
      if (!e.is_regular_file() || e.file_size() > 512 * 1024 || e.file_size() < 8) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::array<char, 16> head{};
      in.read(head.data(), head.size());
      const auto fmt = edgelens::detect_format(std::span(
          reinterpret_cast<const std::byte*>(head.data()), static_cast<size_t>(in.gcount())));
      if (fmt == edgelens::DetectedFormat::TFLite || fmt == edgelens::DetectedFormat::ExecuTorch)
        out.push_back(e.path());
    }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t edge_count(const edgelens::Graph& g) {
  std::size_t n = 0;
  for (const auto& node : g.nodes)
    for (int32_t t : node.inputs) n += t >= 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST(ModelExplorerReader, DumpReadDumpIsTheSameOnRealFixtures) {
  EDGELENS_REQUIRE_SHARED();
  std::size_t converted = 0, nodes = 0;
  for (const auto& path : small_model_fixtures()) {
    std::unique_ptr<edgelens::Model> original;
    try {
      original = edgelens::open_model(path.string());
    } catch (const ModelError&) {
      continue;  // the corrupt-file fixtures: other tests cover their errors
    }
    SCOPED_TRACE(path.string());
    const auto first = edgelens::model_explorer_json(*original, path.filename().string());
    const std::string text = first.dump();
    std::unique_ptr<edgelens::Model> back;
    ASSERT_NO_THROW(back = open_text(text, path.filename().string() + ".json"));
    EXPECT_EQ(back->format, edgelens::ModelFormat::ModelExplorerJson);
    const auto second = edgelens::model_explorer_json(*back, path.filename().string());
    ASSERT_EQ(first, second) << "first difference: "
                             << nlohmann::ordered_json::diff(first, second).dump().substr(0, 400);

    // The graph itself, compared on the IR the file was read into.
    ASSERT_EQ(back->graphs.size(), original->graphs.size());
    for (std::size_t g = 0; g < original->graphs.size(); ++g) {
      const auto& a = original->graphs[g];
      const auto& b = back->graphs[g];
      ASSERT_EQ(b.nodes.size(), a.nodes.size()) << "graph " << g;
      EXPECT_EQ(edge_count(b), edge_count(a)) << "graph " << g;
      EXPECT_EQ(b.inputs, a.inputs) << "graph " << g;
      EXPECT_EQ(b.outputs, a.outputs) << "graph " << g;
      EXPECT_EQ(b.kind, a.kind);
      std::set<int32_t> produced;
      for (const auto& node : a.nodes) produced.insert(node.outputs.begin(), node.outputs.end());
      produced.insert(a.inputs.begin(), a.inputs.end());  // GraphInputs is their source then
      for (std::size_t n = 0; n < a.nodes.size(); ++n) {
        EXPECT_EQ(b.nodes[n].ns, a.nodes[n].ns) << "graph " << g << " node " << n;
        EXPECT_EQ(b.nodes[n].op.name, a.nodes[n].op.name);
        EXPECT_EQ(b.nodes[n].op.domain, a.nodes[n].op.domain);
        EXPECT_EQ(b.nodes[n].called_graphs, a.nodes[n].called_graphs);
        for (std::size_t i = 0; i < a.nodes[n].inputs.size() && i < b.nodes[n].inputs.size(); ++i) {
          const int32_t t = a.nodes[n].inputs[i];
          if (t < 0) continue;
          EXPECT_EQ(b.nodes[n].inputs[i], t);
          const auto& ta = a.tensors[static_cast<size_t>(t)];
          const auto& tb = b.tensors[static_cast<size_t>(t)];
          EXPECT_EQ(tb.name, ta.name);
          EXPECT_EQ(tb.dtype, ta.dtype);
          // The JSON says "constant" only through the pseudo_const node of an unproduced tensor.
          if (!produced.count(t)) {
            EXPECT_EQ(tb.is_constant, ta.is_constant);
          }
          if (ta.has_rank) {
            EXPECT_EQ(tb.shape, ta.shape);
          }
        }
      }
      nodes += a.nodes.size();
    }
    ++converted;
  }
  // The fixture set is large; a handful converting would mean the walk went wrong.
  EXPECT_GT(converted, 100u);
  EXPECT_GT(nodes, 1000u);
}

// The example of graph_builder.py's GraphNode.namespace documentation (nodes N1 and N2 in a/b, N3
// in a) with string ids, no tensor metadata at all, and an edge given before its source node.
TEST(ModelExplorerReader, ReadsAForeignGraphAsDocumented) {
  const std::string text = R"({
    "label": "from another adapter",
    "graphs": [{"id": "g", "nodes": [
      {"id": "N3", "label": "Mul", "namespace": "a",
       "incomingEdges": [{"sourceNodeId": "N1"},
                         {"sourceNodeId": "N2", "sourceNodeOutputId": "1", "targetNodeInputId": "1"}],
       "attrs": [{"key": "alpha", "value": "0.5"}]},
      {"id": "N1", "label": "Conv", "namespace": "a/b"},
      {"id": "N2", "label": "Split", "namespace": "a/b", "subgraphIds": ["body"],
       "outputsMetadata": [{"id": "0", "attrs": [{"key": "tensor_name", "value": "split:0"},
                                                  {"key": "tensor_shape", "value": "float32[1,-1,8]"}]},
                           {"id": "1", "attrs": [{"key": "tensor_name", "value": "split:1"}]}]}
    ]}, {"id": "body", "nodes": []}]})";
  const auto model = open_text(text);
  ASSERT_EQ(model->graphs.size(), 2u);
  const auto& g = model->graphs[0];
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(model->description, "from another adapter");
  EXPECT_EQ(g.nodes[0].op.name, "Mul");
  EXPECT_EQ(g.nodes[0].ns, "a");
  EXPECT_EQ(g.nodes[1].ns, "a/b");
  EXPECT_EQ(g.nodes[2].ns, "a/b");
  EXPECT_EQ(g.nodes[0].attr_string("alpha"), "0.5");
  EXPECT_EQ(g.nodes[0].attr_string("node_id"), "N3");  // what node data keys refer to
  EXPECT_EQ(g.nodes[2].called_graphs, std::vector<uint32_t>{1});
  // Mul reads Conv's output 0 and Split's output 1.
  ASSERT_EQ(g.nodes[0].inputs.size(), 2u);
  ASSERT_EQ(g.nodes[1].outputs.size(), 1u);
  ASSERT_EQ(g.nodes[2].outputs.size(), 2u);
  EXPECT_EQ(g.nodes[0].inputs[0], g.nodes[1].outputs[0]);
  EXPECT_EQ(g.nodes[0].inputs[1], g.nodes[2].outputs[1]);
  const auto& split0 = g.tensors[static_cast<size_t>(g.nodes[2].outputs[0])];
  EXPECT_EQ(split0.name, "split:0");
  EXPECT_EQ(split0.dtype, edgelens::DType::Float32);
  EXPECT_EQ(split0.shape_signature, (std::vector<int64_t>{1, -1, 8}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.nodes[2].outputs[1])].name, "split:1");
}

TEST(ModelExplorerReader, BrokenFilesNameThePlace) {
  struct Case {
    std::string text, place, problem;
  };
  const std::vector<Case> cases = {
      {R"({"graphs": [{"id": "g", "nodes": [{"id": "0", "label": "A"},)", "byte ",
       "not valid JSON"},
      {R"({"graphs": [{"id": "g", "nodes": [{"id": "0", "label": "A",
          "incomingEdges": [{"sourceNodeId": "7"}]}]}]})",
       "JSON /graphs/0/nodes/0/incomingEdges/0/sourceNodeId", "\"7\""},
      {R"({"graphs": [{"id": "g", "nodes": [{"id": "0", "label": "A"}, {"id": "0", "label": "B"}]}]})",
       "JSON /graphs/0/nodes/1/id", "used twice"},
      {R"({"graphs": [{"id": "g", "nodes": [{"id": "0"}]}]})", "JSON /graphs/0/nodes/0",
       "\"label\""},
      {R"({"graphs": [{"id": "g", "nodes": {}}]})", "JSON /graphs/0/nodes", "expected an array"},
      {R"({"graphs": [{"id": "g", "nodes": [{"id": "0", "label": "A",
          "outputsMetadata": [{"id": "x"}]}]}]})",
       "JSON /graphs/0/nodes/0/outputsMetadata/0/id", "not an input/output index"},
      {R"({"graphs": []})", "JSON /", "no graphs"},
      {R"({"main": {"results": {"0": {"value": 1}}}})", "JSON /", "node data"},
      {R"({"something": 1})", "JSON /", "no \"graphs\""},
      {std::string(100, '[') + std::string(100, ']'), "byte 64", "nested deeper"},
      // Found by fuzz_model_explorer: valid syntax, but the number overflows a double.
      {R"({"label": 333333333333334e33334})", "", "number overflow"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      open_text(c.text);
      ADD_FAILURE() << "accepted";
    } catch (const ModelError& e) {
      EXPECT_EQ(e.file(), "g.json");
      EXPECT_EQ(e.place().rfind(c.place, 0), 0u) << e.what();
      EXPECT_NE(e.problem().find(c.problem), std::string::npos) << e.what();
    }
  }
}
