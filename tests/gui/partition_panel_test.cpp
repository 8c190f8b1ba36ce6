// Partition view: the Delegate choice, the partition panel and the canvas colouring, on real
// models. Expected counts come from ../shared/fixtures/MANIFEST.tsv ("fp16 weights, 164 ops, fully
// XNNPACK-delegable") and from the partitioner's own result (the panel must show exactly it);
// clicking a row must select that node; fallback nodes must be drawn in the fallback colour.
#include <gtest/gtest.h>
#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>

#include <filesystem>

#include "edgelens/inspectors/partition_panel.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "partition_controller.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using edgelens::gui::MainWindow;
using edgelens::testing::fixtures_dir;

class PartitionViewTest : public edgelens::testing::MainWindowTest {
 protected:
  edgelens::gui::PartitionController& partitions() { return *window_->partitionController(); }
  edgelens::inspect::PartitionPanel& panel() { return *partitions().panel(); }
};

// Share of the pixels inside a node's box (border excluded) that have exactly `color`.
double box_fill_share(MainWindow& window, int node, const QColor& color) {
  auto* canvas = window.canvas();
  const auto item = canvas->itemForNode(node);
  if (!item) return 0;
  const auto& rect = canvas->view().scene->items[*item].rect;
  canvas->setZoom(1.0);
  canvas->centerOn(QPointF(rect.x + rect.w / 2, rect.y + rect.h / 2));
  const QImage image = canvas->grab().toImage();
  const QPointF top_left = canvas->worldToScreen({rect.x, rect.y});
  const QRect box = QRectF(top_left, QSizeF(rect.w, rect.h)).toRect().adjusted(4, 4, -4, -4);
  int same = 0, total = 0;
  const double ratio = image.devicePixelRatio();
  for (int y = box.top(); y <= box.bottom(); ++y)
    for (int x = box.left(); x <= box.right(); ++x) {
      if (!image.rect().contains(int(x * ratio), int(y * ratio))) continue;
      ++total;
      same += image.pixelColor(int(x * ratio), int(y * ratio)).rgb() == color.rgb() ? 1 : 0;
    }
  return total ? double(same) / total : 0;
}

// MANIFEST: face_detection_short_range is "fp16 weights, 164 ops, fully XNNPACK-delegable".
TEST_F(PartitionViewTest, FullyDelegatedModelShowsOnePartition) {
  EDGELENS_REQUIRE_SHARED();
  open(fixtures_dir() / "tflite/mediapipe/face_detection_short_range.tflite");
  QString error;
  ASSERT_TRUE(partitions().setDelegate("XNNPACK", &error)) << error.toStdString();
  EXPECT_EQ(panel().summaryText(), "XNNPACK: 164 nodes in 1 partition; CPU: 0 nodes");
  ASSERT_EQ(panel().tree()->topLevelItemCount(), 1);
  EXPECT_EQ(panel().tree()->topLevelItem(0)->childCount(), 164);
  EXPECT_EQ(partitions().selector()->currentData().toString(), "xnnpack");
}

// person_detect's convolutions carry a bias quantized along axis 3, which XNNPACK refuses
// (MANIFEST: "legacy quantized_dimension=3 on bias"), so it has fallback nodes with reasons.
TEST_F(PartitionViewTest, PanelMatchesThePartitionerAndClicksSelectNodes) {
  EDGELENS_REQUIRE_SHARED();
  open(fixtures_dir() / "tflite/micro/person_detect.tflite");
  QString error;
  ASSERT_TRUE(partitions().setDelegate("xnnpack", &error)) << error.toStdString();
  const auto* model = window_->context().model();
  const auto expected = edgelens::delegate::analyze_partitions(
      *model, 0, *edgelens::delegate::make_delegate_rules("xnnpack"), {});
  ASSERT_GT(expected.cpu_ops, 0);
  const auto* shown = panel().report();
  ASSERT_NE(shown, nullptr);
  EXPECT_EQ(shown->cpu_ops, expected.cpu_ops);
  EXPECT_EQ(shown->delegate_ops, expected.delegate_ops);
  EXPECT_EQ(shown->delegate_partitions, expected.delegate_partitions);
  EXPECT_EQ(panel().summaryText(), edgelens::inspect::partition_summary(expected));
  EXPECT_NE(panel().summaryText().indexOf(QString("CPU: %1 node").arg(expected.cpu_ops)), -1);

  // One top-level row per subset, children = the subset's nodes; every fallback row says why.
  auto* tree = panel().tree();
  ASSERT_EQ(tree->topLevelItemCount(), static_cast<int>(expected.subsets.size()));
  int fallback = -1;
  for (size_t s = 0; s < expected.subsets.size(); ++s) {
    const auto& subset = expected.subsets[s];
    ASSERT_EQ(tree->topLevelItem(int(s))->childCount(), static_cast<int>(subset.nodes.size()));
    for (uint32_t n : subset.nodes) {
      auto* item = panel().itemForNode(int(n));
      ASSERT_NE(item, nullptr) << n;
      EXPECT_EQ(item->parent(), tree->topLevelItem(int(s)));
      if (!expected.nodes[n].verdict.claimed) {
        EXPECT_EQ(item->text(1).toStdString(), expected.nodes[n].verdict.reason);
        EXPECT_FALSE(item->text(1).isEmpty());
        if (fallback < 0) fallback = int(n);
      }
    }
  }
  ASSERT_GE(fallback, 0);

  // Click a fallback row: the node becomes current and the canvas selects it.
  auto* item = panel().itemForNode(fallback);
  edgelens::testing::click_index(tree, tree->indexFromItem(item));
  EXPECT_EQ(window_->context().currentNode(), fallback);
  EXPECT_EQ(window_->context().currentGraph(), 0);

  // The canvas: fallback nodes in the fallback colour, delegated ones in their partition's.
  ASSERT_TRUE(window_->waitForLayout(60000));
  auto* canvas = window_->canvas();
  ASSERT_NE(canvas->nodeColoring(), nullptr);
  int delegated_node = -1;
  for (const auto& p : expected.nodes) {
    const auto fill = canvas->nodeFill(p.node);
    ASSERT_TRUE(fill.has_value()) << p.node;
    if (!p.delegated) {
      EXPECT_EQ(*fill, edgelens::inspect::cpu_fallback_color()) << p.node;
    }
    if (p.delegated && delegated_node < 0) delegated_node = int(p.node);
  }
  ASSERT_GE(delegated_node, 0);
  EXPECT_NE(*canvas->nodeFill(uint32_t(delegated_node)), edgelens::inspect::cpu_fallback_color());
  EXPECT_GT(box_fill_share(*window_, fallback, edgelens::inspect::cpu_fallback_color()), 0.3);

  // None turns it all off.
  ASSERT_TRUE(partitions().setDelegate("none"));
  EXPECT_EQ(canvas->nodeColoring(), nullptr);
  EXPECT_EQ(panel().report(), nullptr);
  EXPECT_FALSE(canvas->nodeFill(uint32_t(fallback)).has_value());
}

TEST_F(PartitionViewTest, ProfileFilesAndUnknownNames) {
  EDGELENS_REQUIRE_SHARED();
  open(fixtures_dir() / "tflite/micro/person_detect.tflite");
  const QString profile = EDGELENS_SOURCE_DIR "/resources/delegates/ethos-u.json";
  QString error;
  ASSERT_TRUE(partitions().setDelegate(profile, &error)) << error.toStdString();
  const auto expected = edgelens::delegate::analyze_partitions(
      *window_->context().model(), 0,
      *edgelens::delegate::make_delegate_rules(profile.toStdString()),
      {.greedy = true,
       .preserve_all_tensors = false,
       .limits = edgelens::delegate::make_delegate_rules(profile.toStdString())->default_limits()});
  ASSERT_NE(panel().report(), nullptr);
  EXPECT_EQ(panel().report()->delegate_ops, expected.delegate_ops);
  EXPECT_EQ(panel().report()->cpu_ops, expected.cpu_ops);
  EXPECT_EQ(panel().summaryText(), edgelens::inspect::partition_summary(expected));

  EXPECT_FALSE(partitions().setDelegate("no-such-delegate", &error));
  EXPECT_NE(error.indexOf("no-such-delegate"), -1) << error.toStdString();
  EXPECT_EQ(partitions().delegateName(), profile);  // the old choice stays
}

}  // namespace
