// Node data over the canvas (offscreen): a Model Explorer node-data file keyed by node id and by
// output tensor name (names read by tflite_facts.h) colours hello_world's nodes with the file's
// gradient, a broken file is refused with the JSON place, and the graph JSON of the same model
// (Model Explorer format) takes the same data.
#include <gtest/gtest.h>
#include <QApplication>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/open.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "node_data_overlay.h"
#include "shared_dir.h"
#include "tflite_facts.h"

namespace {

namespace fs = std::filesystem;
using edgelens::testing::gui_app;

TEST(NodeDataOverlay, ColoursNodesWithTheFilesGradient) {
  gui_app();
  EDGELENS_REQUIRE_SHARED();
  const fs::path model =
      edgelens::testing::fixtures_dir() / "tflite/micro/hello_world_float.tflite";
  const edgelens::testing::TfliteFacts facts(model.string());
  ASSERT_EQ(facts.ops.size(), 3u);
  const std::string last_output = facts.tensors[static_cast<size_t>(facts.ops[2].outputs[0])].name;
  QTemporaryDir dir;
  const std::string data_path = dir.filePath("nd.json").toStdString();
  // Node 0 the minimum (stop 0: red), node 1 the maximum (stop 1: blue), the last op by tensor
  // name in the middle (stop 0.5: the mix of both).
  std::ofstream(data_path) << R"({"main": {"results": {"0": {"value": 1}, "1": {"value": 5}, ")"
                           << last_output << R"(": {"value": 3}},
      "gradient": [{"stop": 0, "bgColor": "#ff0000"}, {"stop": 1, "bgColor": "#0000ff"}]}})";

  edgelens::gui::MainWindow window;
  window.setInteractiveErrors(false);
  edgelens::gui::NodeDataController controller(window);
  ASSERT_TRUE(window.openFile(QString::fromStdString(model.string())));
  ASSERT_TRUE(window.waitForLayout());
  QString error;
  ASSERT_TRUE(controller.load(QString::fromStdString(data_path), &error)) << error.toStdString();
  auto* canvas = window.canvas();
  ASSERT_NE(controller.coloring(), nullptr);
  EXPECT_EQ(controller.coloring()->matchedNodes(), 3);
  EXPECT_EQ(canvas->nodeFill(0), QColor(255, 0, 0));
  EXPECT_EQ(canvas->nodeFill(1), QColor(0, 0, 255));
  const auto middle = canvas->nodeFill(2);
  ASSERT_TRUE(middle);
  EXPECT_NEAR(middle->redF(), 0.5, 0.01);
  EXPECT_NEAR(middle->blueF(), 0.5, 0.01);

  // A broken file: refused with the place; the shown colouring stays.
  const std::string broken = dir.filePath("broken.json").toStdString();
  std::ofstream(broken) << R"({"main": {"results": {"0": {"value": [1]}}}})";
  EXPECT_FALSE(controller.load(QString::fromStdString(broken), &error));
  EXPECT_NE(error.indexOf("JSON /main/results/0/value"), -1) << error.toStdString();
  EXPECT_EQ(canvas->nodeFill(0), QColor(255, 0, 0));

  // The same model as Model Explorer graph JSON takes the same node data.
  const std::string graph_json = dir.filePath("hw.json").toStdString();
  std::ofstream(graph_json)
      << edgelens::model_explorer_json(*edgelens::open_model(model.string()), "hw").dump();
  ASSERT_TRUE(window.openFile(QString::fromStdString(graph_json)));
  ASSERT_TRUE(window.waitForLayout());
  ASSERT_TRUE(controller.load(QString::fromStdString(data_path), &error)) << error.toStdString();
  EXPECT_EQ(controller.coloring()->matchedNodes(), 3);
  EXPECT_EQ(canvas->nodeFill(1), QColor(0, 0, 255));

  controller.clear();
  EXPECT_FALSE(canvas->nodeFill(1));
}

}  // namespace
