// The side-by-side compare window on the offscreen platform, on the hello_world float/int8 pair:
// selecting a node on one side selects the node producing the same tensor name on the other (names
// read from the files by tflite_facts.h, not by our reader), changed nodes are highlighted on both
// canvases, and the numeric-diff overlay colours the nodes whose matched outputs were compared.
#include <gtest/gtest.h>
#include <QApplication>
#include <QStandardPaths>

#include <cmath>
#include <filesystem>

#include "compare_window.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "shared_dir.h"
#include "tflite_facts.h"

namespace {

namespace fs = std::filesystem;
using edgelens::gui::CompareOverlay;
using edgelens::gui::CompareSide;
using edgelens::gui::CompareWindow;
using edgelens::testing::fixture;
using edgelens::testing::gui_app;
using edgelens::testing::TfliteFacts;

std::string output_name(const TfliteFacts& facts, size_t op) {
  return facts.tensors[static_cast<size_t>(facts.ops.at(op).outputs.at(0))].name;
}

class CompareWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gui_app();
    EDGELENS_REQUIRE_SHARED();
    a_path_ = fixture("tflite/micro/hello_world_float.tflite");
    b_path_ = fixture("tflite/micro/hello_world_int8.tflite");
    QString error;
    window_ = CompareWindow::open(QString::fromStdString(a_path_.string()),
                                  QString::fromStdString(b_path_.string()), &error);
    ASSERT_TRUE(window_) << error.toStdString();
    window_->resize(1200, 700);
    window_->show();
    ASSERT_TRUE(window_->waitForLayout());
  }

  fs::path a_path_, b_path_;
  std::unique_ptr<CompareWindow> window_;
};

TEST_F(CompareWindowTest, SelectionFollowsTheMappingBothWays) {
  const TfliteFacts a(a_path_.string()), b(b_path_.string());
  for (size_t op = 0; op < a.ops.size(); ++op) {
    // The node of B producing the tensor A's op produces, found in B's file.
    int expected = -1;
    for (size_t k = 0; k < b.ops.size(); ++k)
      if (output_name(b, k) == output_name(a, op)) expected = static_cast<int>(k);
    ASSERT_GE(expected, 0) << output_name(a, op);
    window_->context(CompareSide::A).setCurrentNode(static_cast<int>(op));
    EXPECT_EQ(window_->context(CompareSide::B).currentNode(), expected) << "A node " << op;
    window_->context(CompareSide::B).setCurrentNode(expected);
    EXPECT_EQ(window_->context(CompareSide::A).currentNode(), static_cast<int>(op));
  }
  // The mapped node is centred on the other canvas.
  window_->context(CompareSide::A).setCurrentNode(0);
  auto* canvas_b = window_->canvas(CompareSide::B);
  const auto item = canvas_b->itemForNode(window_->context(CompareSide::B).currentNode());
  ASSERT_TRUE(item);
  const auto& r = canvas_b->view().scene->items[*item].rect;
  const QPointF centre = canvas_b->worldToScreen(QPointF(r.x + r.w / 2, r.y + r.h / 2));
  EXPECT_NEAR(centre.x(), canvas_b->width() / 2.0, 2.0);
  EXPECT_NEAR(centre.y(), canvas_b->height() / 2.0, 2.0);
}

// Every FULLY_CONNECTED of the int8 model computes in another dtype than its float twin, so every
// node is "changed" and drawn with the change colour on both sides.
TEST_F(CompareWindowTest, ChangedNodesAreHighlighted) {
  const TfliteFacts a(a_path_.string()), b(b_path_.string());
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (size_t op = 0; op < a.ops.size(); ++op)
    ASSERT_NE(a.tensors[static_cast<size_t>(a.ops[op].outputs[0])].type,
              b.tensors[static_cast<size_t>(b.ops[op].outputs[0])].type);
  EXPECT_EQ(window_->structure().changed, static_cast<int>(a.ops.size()));
  for (CompareSide side : {CompareSide::A, CompareSide::B})
    for (uint32_t n = 0; n < a.ops.size(); ++n) {
      const auto fill = window_->canvas(side)->nodeFill(n);
      ASSERT_TRUE(fill) << "node " << n;
      EXPECT_EQ(*fill, QColor(255, 196, 110));
    }
}

// Numeric overlay: both models run on the same ramp; the last op's output is the model output, so
// its colour value is the output's max |b - a|, and int8 hello_world stays within a few
// quantization steps of float (its output scale is in the file).
TEST_F(CompareWindowTest, NumericDiffOverlayColoursComparedNodes) {
  window_->setOverlay(CompareOverlay::MaxAbs);
  const auto* numeric = window_->numeric();
  ASSERT_NE(numeric, nullptr);
  ASSERT_TRUE(numeric->ran) << numeric->why_not;
  ASSERT_EQ(numeric->outputs.size(), 1u);
  const double max_abs = numeric->outputs[0].metrics.max_abs;
  const TfliteFacts b(b_path_.string());
  const auto& out = b.tensors[static_cast<size_t>(b.ops.back().outputs[0])];
  ASSERT_EQ(out.scales.size(), 1u);
  EXPECT_LT(max_abs, 8 * out.scales[0]);
  const uint32_t last = static_cast<uint32_t>(b.ops.size() - 1);
  for (CompareSide side : {CompareSide::A, CompareSide::B}) {
    const auto* coloring =
        dynamic_cast<const edgelens::gui::CompareColoring*>(window_->canvas(side)->nodeColoring());
    ASSERT_NE(coloring, nullptr);
    ASSERT_TRUE(coloring->valueOf(last));
    EXPECT_DOUBLE_EQ(*coloring->valueOf(last), max_abs);
    EXPECT_TRUE(window_->canvas(side)->nodeFill(last));
  }
  EXPECT_NE(window_->summary().indexOf("max |b − a|"), -1);
}

}  // namespace
