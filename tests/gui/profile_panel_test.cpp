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
#include <set>

#include "edgelens/inspectors/profile_panel.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "profile_controller.h"
#include "reference_tensors.h"
#include "shared_dir.h"

namespace {

using edgelens::gui::MainWindow;
using edgelens::inspect::ProfilePanel;
namespace fs = std::filesystem;

class GuiProfileTest : public edgelens::testing::MainWindowTest {
 protected:
  GuiProfileTest() : MainWindowTest({1000, 700}) {}
};

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
            edgelens::testing::tflite_produced_names("hello_world_int8", graph->tensors.size()));

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
  const std::string path =
      edgelens::testing::write_unknown_custom_op_model(tmp.path().toStdString());
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
