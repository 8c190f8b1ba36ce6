// GUI profile (Run > Profile): the panel lists one row per graph-0 node, naming that node (op and
// first output tensor as the model has them, the set TFLite's nodes produced per
// fixtures/reference/<model>/tensors/tensors.tsv), sorts by a column, a click goes to the node,
// the canvas gets a latency colouring with every node that ran coloured, and unsupported models
// are reported before running. Timings are only sanity-checked.
#include <gtest/gtest.h>
#include <QApplication>
#include <QDockWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "edgelens/inspectors/profile_panel.h"
#include "edgelens/model_io/tflite_writer.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "profile_controller.h"
#include "shared_dir.h"

namespace {

using edgelens::DType;
using edgelens::TfliteBuilder;
using edgelens::gui::MainWindow;
using edgelens::inspect::ProfilePanel;
namespace fs = std::filesystem;

class GuiProfileTest : public edgelens::testing::MainWindowTest {
 protected:
  GuiProfileTest() : MainWindowTest({1000, 700}) {}
};

// TFLite's list of the tensors it computed, minus the inputs and the temporaries it adds at run
// time (ids past the model's own tensors).
std::set<std::string> tflite_produced_names(const fs::path& reference_dir,
                                            const std::set<std::string>& inputs,
                                            size_t model_tensors) {
  std::ifstream tsv(reference_dir / "tensors/tensors.tsv");
  std::string line;
  std::getline(tsv, line);
  std::set<std::string> names;
  while (std::getline(tsv, line)) {
    std::istringstream fields(line);
    std::string idx, name;
    std::getline(fields, idx, '\t');
    std::getline(fields, name, '\t');
    if (std::stoul(idx) >= model_tensors) continue;
    if (!inputs.count(name)) names.insert(name);
  }
  return names;
}

TEST_F(GuiProfileTest, PanelRowsAreTheModelsNodesAndClickGoesToTheNode) {
  EDGELENS_REQUIRE_SHARED();
  open(edgelens::testing::fixtures_dir() / "tflite/micro/hello_world_int8.tflite");
  auto* controller = window_->profileController();
  edgelens::gui::ProfileRequest request;
  request.iterations = 3;
  ASSERT_TRUE(controller->start(request));
  ASSERT_TRUE(controller->wait(60000));
  const auto& outcome = controller->lastOutcome();
  ASSERT_TRUE(outcome.profile) << controller->lastMessage().toStdString();
  EXPECT_EQ(outcome.profile->invokes, 3);

  const auto* graph = window_->context().graph();
  ASSERT_NE(graph, nullptr);
  ProfilePanel* panel = controller->panel();
  QTableWidget* table = panel->nodeTable();
  ASSERT_EQ(table->rowCount(), static_cast<int>(graph->nodes.size()));
  std::set<std::string> names;
  std::set<std::string> inputs;
  for (int32_t id : graph->inputs) inputs.insert(graph->tensors.at(static_cast<size_t>(id)).name);
  double previous = 1e300;
  for (int row = 0; row < table->rowCount(); ++row) {
    const int node = table->item(row, ProfilePanel::ColNode)->text().toInt();
    ASSERT_GE(node, 0);
    ASSERT_LT(node, static_cast<int>(graph->nodes.size()));
    const auto& n = graph->nodes[static_cast<size_t>(node)];
    EXPECT_EQ(table->item(row, ProfilePanel::ColOp)->text().toStdString(), n.op.name);
    const std::string name = table->item(row, ProfilePanel::ColName)->text().toStdString();
    EXPECT_EQ(name, graph->tensors.at(static_cast<size_t>(n.outputs.at(0))).name);
    names.insert(name);
    const double avg = table->item(row, ProfilePanel::ColAvg)->text().toDouble();
    EXPECT_GE(avg, 0.0);
    EXPECT_LE(avg, previous) << "sorted by average, largest first";
    previous = avg;
  }
  EXPECT_EQ(names,
            tflite_produced_names(edgelens::testing::fixtures_dir() / "reference/hello_world_int8",
                                  inputs, graph->tensors.size()));

  // Sort by node id, then click the last row: the inspector shows that node.
  table->sortByColumn(ProfilePanel::ColNode, Qt::AscendingOrder);
  for (int row = 0; row < table->rowCount(); ++row)
    EXPECT_EQ(table->item(row, ProfilePanel::ColNode)->text().toInt(), row);
  const int last = table->rowCount() - 1;
  emit table->cellClicked(last, ProfilePanel::ColOp);
  EXPECT_EQ(window_->context().currentNode(), last);

  // The canvas colours every node that ran, by latency, with the profile's legend.
  auto coloring = controller->coloring();
  ASSERT_TRUE(coloring);
  EXPECT_EQ(window_->canvas()->nodeColoring(), coloring.get());
  EXPECT_GE(coloring->lo(), 0.0);
  EXPECT_LE(coloring->lo(), coloring->hi());
  for (uint32_t n = 0; n < graph->nodes.size(); ++n)
    EXPECT_TRUE(coloring->colorForNode(n).has_value()) << "node " << n;
  EXPECT_TRUE(panel->summaryText().contains("3 runs")) << panel->summaryText().toStdString();
  EXPECT_TRUE(controller->dock()->isVisible());
}

TEST_F(GuiProfileTest, UnsupportedOpIsReportedBeforeRunning) {
  QTemporaryDir tmp;
  ASSERT_TRUE(tmp.isValid());
  const std::string path = (fs::path(tmp.path().toStdString()) / "custom.tflite").string();
  {
    TfliteBuilder b;
    const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {1, 4}});
    const int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {1, 4}});
    b.add_op({.op = "EdgeLensNoSuchOp", .custom = true, .inputs = {x}, .outputs = {y}});
    b.set_inputs({x});
    b.set_outputs({y});
    b.write_file(path);
  }
  open(path);
  const auto& outcome = window_->profileController()->runBlocking({});
  EXPECT_FALSE(outcome.profile);
  ASSERT_EQ(outcome.unsupported.size(), 1u);
  const QString message = window_->profileController()->lastMessage();
  EXPECT_TRUE(message.contains("EdgeLensNoSuchOp")) << message.toStdString();
  EXPECT_EQ(window_->profileController()->panel()->nodeTable()->rowCount(), 0);
  EXPECT_EQ(window_->canvas()->nodeColoring(), nullptr);
}

}  // namespace
