// Model Explorer node data (node_data_builder.py): write -> read gives the same data, the
// documented shapes (ModelNodeData keyed by graph id, a bare GraphNodeData, thresholds, gradient,
// string values) read as documented, keys resolve by node id and by output tensor name, and broken
// files name the JSON pointer of the broken place.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/node_data.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

using edgelens::GraphNodeData;
using edgelens::ModelError;
using edgelens::ModelNodeData;

TEST(ModelExplorerNodeData, WriteThenReadIsEqual) {
  GraphNodeData main;
  main.results = {{"0", 1.5, "", "", ""},
                  {"12", -3e-7, "", "#ff0000", "white"},
                  {"conv/out:0", std::nullopt, "slow", "", ""},
                  {"7", std::nullopt, "", "", ""}};
  main.thresholds = {{10, "red", ""}, {50, "#0000ff", "#ffffff"}};
  main.gradient = {{0, "#2e7d32", ""}, {0.5, "", "black"}, {1, "#c62828", ""}};
  GraphNodeData body;
  body.results = {{"3", 42, "", "", ""}};
  body.name = "latency (ms)";
  ModelNodeData data;
  data.graphs = {{"main", main}, {"while_body", body}};

  const std::string text = edgelens::node_data_json(data).dump(1);
  const ModelNodeData back = edgelens::read_node_data(text, "nd.json");
  EXPECT_EQ(back, data);
  EXPECT_EQ(edgelens::node_data_json(back).dump(1), text);

  ModelNodeData bare;
  bare.graphs = {{"", main}};
  const std::string bare_text = edgelens::node_data_json(bare).dump();
  EXPECT_EQ(bare_text.rfind(R"({"results":)", 0), 0u) << bare_text;  // a bare GraphNodeData
  EXPECT_EQ(edgelens::read_node_data(bare_text, "nd.json"), bare);
}

// The file shape node_data_builder.py's ModelNodeData.to_json_string() writes (asdict of
// GraphNodeData, with its default fields), read field by field.
TEST(ModelExplorerNodeData, ReadsTheDocumentedFormat) {
  const std::string text = R"({"main": {
      "results": {"0": {"value": 10}, "1": {"value": 55.5, "bgColor": "yellow"}, "2": {"value": "int8"}},
      "thresholds": [{"value": 10, "bgColor": "red"}, {"value": 50, "bgColor": "blue"},
                     {"value": 100, "bgColor": "yellow"}],
      "gradient": [],
      "hideInAggregatedStatsTable": false, "hideInChildrenStatsTable": false,
      "showExpandedSummaryOnGroupNode": false, "showLabelCountColumnsInChildrenStatsTable": false}})";
  const auto data = edgelens::read_node_data(text, "nd.json");
  ASSERT_EQ(data.graphs.size(), 1u);
  EXPECT_EQ(data.graphs[0].first, "main");
  const auto& g = data.graphs[0].second;
  ASSERT_EQ(g.results.size(), 3u);
  EXPECT_EQ(g.results[0].key, "0");
  EXPECT_EQ(g.results[0].value, 10.0);
  EXPECT_EQ(g.results[1].bg_color, "yellow");
  EXPECT_FALSE(g.results[2].value.has_value());
  EXPECT_EQ(g.results[2].label, "int8");
  ASSERT_EQ(g.thresholds.size(), 3u);
  EXPECT_EQ(g.thresholds[1].value, 50.0);
  EXPECT_EQ(g.thresholds[1].bg_color, "blue");
  EXPECT_TRUE(g.gradient.empty());
}

// Keys name nodes by Model Explorer id (the op index in our dump) or by an output tensor name; on
// hello_world (three FULLY_CONNECTED ops) the graph output is produced by the last op.
TEST(ModelExplorerNodeData, KeysResolveByNodeIdAndTensorName) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = edgelens::open_model(
      (edgelens::testing::fixtures_dir() / "tflite/micro/hello_world_float.tflite").string());
  const auto& g = model->graphs[0];
  ASSERT_EQ(g.nodes.size(), 3u);
  const std::string output_name = g.tensors[static_cast<size_t>(g.outputs[0])].name;
  ASSERT_FALSE(output_name.empty());
  GraphNodeData data;
  data.results = {
      {"0", 1.0, "", "", ""}, {output_name, 3.0, "", "", ""}, {"nope", 9.0, "", "", ""}};
  std::vector<std::string> unmatched;
  const auto results = edgelens::node_data_results(data, *model, 0, &unmatched);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0] && results[2]);
  EXPECT_EQ(results[0]->value, 1.0);
  EXPECT_EQ(results[1], nullptr);
  EXPECT_EQ(results[2]->value, 3.0);
  EXPECT_EQ(unmatched, std::vector<std::string>{"nope"});

  ModelNodeData file;
  file.graphs = {{edgelens::model_explorer_graph_id(*model, 0), data}};
  EXPECT_EQ(file.for_graph(*model, 0), &file.graphs[0].second);

  // The same keys work on the model read back from its Model Explorer dump.
  const std::string me = edgelens::model_explorer_json(*model, "hw").dump();
  const auto back = edgelens::open_model_bytes(
      std::span(reinterpret_cast<const std::byte*>(me.data()), me.size()), "hw.json");
  const auto values = edgelens::node_data_values(data, *back, 0);
  EXPECT_EQ(values, (std::vector<std::optional<double>>{1.0, std::nullopt, 3.0}));
}

TEST(ModelExplorerNodeData, BrokenFilesNameThePlace) {
  struct Case {
    std::string text, place, problem;
  };
  const std::vector<Case> cases = {
      {R"({"main": {"results": {"0": {"value": true}}}})", "JSON /main/results/0/value",
       "number or a string"},
      {R"({"main": {"results": {"0": {}}}})", "JSON /main/results/0", "\"value\""},
      {R"({"main": {"results": []}})", "JSON /main/results", "object of node keys"},
      {R"({"a/b": {"nope": 1}})", "JSON /a~1b", "\"results\""},
      {R"({"results": {}, "gradient": [{"bgColor": "red"}]})", "JSON /gradient/0", "\"stop\""},
      {R"({"results": {"0": {"value": 1, "bgColor": 3}}})", "JSON /results/0/bgColor", "colour"},
      {R"({"label": "x", "graphs": []})", "JSON /", "graph, not node data"},
      {R"([1, 2])", "JSON /", "expected an object"},
      {R"({"main": )", "byte ", "not valid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      edgelens::read_node_data(c.text, "nd.json");
      ADD_FAILURE() << "accepted";
    } catch (const ModelError& e) {
      EXPECT_EQ(e.place().rfind(c.place, 0), 0u) << e.what();
      EXPECT_NE(e.problem().find(c.problem), std::string::npos) << e.what();
    }
  }
}
