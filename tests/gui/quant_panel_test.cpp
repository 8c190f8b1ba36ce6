// Quantization panel: the report run from the GUI (QuantController) on real quantized fixtures.
// Oracles: TFLite's debugger notebook threshold (rmse/scale > 0.7 is suspicious; a well-behaved
// layer sits at 1/sqrt(12)), the model's own tensor shapes (the histogram holds every element),
// the fixtures' nature (MANIFEST: keyword_scrambled_8bit has scrambled weights, so some layers are
// far off; hello_world_float/int8 are a float/int8 pair); a second report must come from the cache
// in $XDG_CACHE_HOME/edgelens/quant, where `edgelens quant-report` keeps its entries too.
#include <gtest/gtest.h>
#include <QApplication>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "../cli/run_command.h"
#include "edgelens/inspectors/histogram_overlay.h"
#include "edgelens/inspectors/quant_panel.h"
#include "edgelens/runtime/quant/metrics.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "quant_controller.h"
#include "quant_overlay.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
namespace rq = edgelens::runtime::quant;
using edgelens::gui::MainWindow;
using edgelens::inspect::QuantPanel;
using edgelens::testing::fixtures_dir;
using edgelens::testing::TempDir;

class QuantPanelTest : public edgelens::testing::MainWindowTest {
 protected:
  QuantPanelTest() : MainWindowTest({1300, 900}) {}
  void SetUp() override {
    MainWindowTest::SetUp();
    quant().setCacheDir(cache_.path / "cache");
  }
  // The window (and its report worker) goes before the cache directory it writes to.
  void TearDown() override { window_.reset(); }
  edgelens::gui::QuantController& quant() { return *window_->quantController(); }
  QuantPanel& panel() { return *quant().panel(); }
  // Clicks table row `view_row` like a user.
  void click_row(int view_row) {
    auto* table = panel().table();
    edgelens::testing::click_index(table, table->model()->index(view_row, QuantPanel::kOpName));
  }
  int64_t element_count(int32_t tensor) const {
    const auto& shape = window_->context().model()->graphs[0].tensors.at(size_t(tensor)).shape;
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  }
  TempDir cache_;
};

int total(const std::vector<int>& counts) {
  return std::accumulate(counts.begin(), counts.end(), 0);
}

TEST_F(QuantPanelTest, FlaggedLayersSortClickAndOverlay) {
  EDGELENS_REQUIRE_SHARED();
  open(fixtures_dir() / "tflite/micro/keyword_scrambled_8bit.tflite");
  const auto& outcome = quant().runBlocking();
  ASSERT_NE(outcome.report, nullptr) << quant().lastMessage().toStdString();
  EXPECT_FALSE(outcome.from_cache);
  const auto& rows = panel().rows();
  ASSERT_EQ(rows.size(), outcome.report->layers.size());
  ASSERT_FALSE(rows.empty());

  // Flags: exactly the rows above the notebook's 0.7, and the scrambled weights produce some.
  int above = 0;
  for (const auto& r : rows) above += r.metrics.rmse_scale > 0.7 ? 1 : 0;
  EXPECT_GT(above, 0);
  EXPECT_EQ(panel().flaggedCount(), above);

  // Worst first by rmse/scale; sorting by tensor index orders the rows by it.
  double worst = -1;
  for (const auto& r : rows)
    if (std::isfinite(r.metrics.rmse_scale)) worst = std::max(worst, r.metrics.rmse_scale);
  ASSERT_NE(panel().rowAtViewRow(0), nullptr);
  EXPECT_EQ(panel().rowAtViewRow(0)->metrics.rmse_scale, worst);
  panel().table()->sortByColumn(QuantPanel::kTensorIdx, Qt::AscendingOrder);
  for (int v = 1; v < int(rows.size()); ++v)
    EXPECT_LE(panel().rowAtViewRow(v - 1)->tensor_idx, panel().rowAtViewRow(v)->tensor_idx);

  // Click a flagged row: its node is selected and its histograms hold every element.
  int flagged_view_row = -1;
  for (int v = 0; v < int(rows.size()) && flagged_view_row < 0; ++v)
    if (panel().rowAtViewRow(v)->flagged) flagged_view_row = v;
  ASSERT_GE(flagged_view_row, 0);
  const auto row = *panel().rowAtViewRow(flagged_view_row);
  click_row(flagged_view_row);
  EXPECT_EQ(window_->context().currentNode(), int(row.node));
  const auto* histogram = panel().histogram();
  ASSERT_TRUE(histogram->hasData()) << histogram->title().toStdString();
  const auto& bins = histogram->histogram();
  EXPECT_EQ(total(bins.quantized) + bins.quantized_nonfinite, element_count(row.tensor_idx));
  EXPECT_EQ(total(bins.reference) + bins.reference_nonfinite, element_count(row.tensor_idx));

  // The canvas colours every flagged node, hot end of the ramp (red dominates) for rmse/scale.
  ASSERT_TRUE(window_->waitForLayout(60000));
  auto* canvas = window_->canvas();
  ASSERT_NE(canvas->nodeColoring(), nullptr);
  for (const auto& r : rows) {
    const auto fill = canvas->nodeFill(r.node);
    if (!std::isfinite(r.metrics.rmse_scale)) continue;
    ASSERT_TRUE(fill.has_value()) << "node " << r.node;
    if (r.flagged) {
      EXPECT_GT(fill->red(), fill->blue()) << "node " << r.node;
      EXPECT_GT(fill->red(), fill->green()) << "node " << r.node;
    }
  }
  // ... and draws it: the node's box is filled with that colour on screen.
  const auto item = canvas->itemForNode(int(row.node));
  ASSERT_TRUE(item.has_value());
  const auto& rect = canvas->view().scene->items[*item].rect;
  canvas->setZoom(1.0);
  canvas->centerOn(QPointF(rect.x + rect.w / 2, rect.y + rect.h / 2));
  const QImage image = canvas->grab().toImage();
  const QPointF corner = canvas->worldToScreen({rect.x, rect.y});
  const QRect box = QRectF(corner, QSizeF(rect.w, rect.h)).toRect().adjusted(5, 5, -5, -5);
  const QColor want = *canvas->nodeFill(row.node);
  int same = 0, count = 0;
  const double ratio = image.devicePixelRatio();
  for (int y = box.top(); y <= box.bottom(); ++y)
    for (int x = box.left(); x <= box.right(); ++x, ++count)
      same += image.pixelColor(int(x * ratio), int(y * ratio)).rgb() == want.rgb() ? 1 : 0;
  EXPECT_GT(same, count / 3) << same << " of " << count;

  // Another metric re-colours.
  panel().setMetric("snr_db");
  ASSERT_NE(quant().coloring(), nullptr);
  EXPECT_EQ(quant().coloring()->metric(), "snr_db");
}

TEST_F(QuantPanelTest, FloatPairRowsShowTheFloatModel) {
  EDGELENS_REQUIRE_SHARED();
  open(fixtures_dir() / "tflite/micro/hello_world_int8.tflite");
  quant().setFloatModel(
      QString::fromStdString((fixtures_dir() / "tflite/micro/hello_world_float.tflite").string()));
  const auto& outcome = quant().runBlocking();
  ASSERT_NE(outcome.report, nullptr) << quant().lastMessage().toStdString();
  ASSERT_FALSE(outcome.report->pairs.empty());
  ASSERT_TRUE(panel().setRowSet("pairs"));
  ASSERT_EQ(panel().rows().size(), outcome.report->pairs.size());
  click_row(0);
  const auto row = *panel().rowAtViewRow(0);
  EXPECT_EQ(window_->context().currentNode(), int(row.node));
  ASSERT_TRUE(panel().histogram()->hasData());
  const auto& bins = panel().histogram()->histogram();
  EXPECT_EQ(total(bins.reference) + bins.reference_nonfinite, element_count(row.tensor_idx));
}

TEST_F(QuantPanelTest, WorkerCancelsAndUsesTheCache) {
  EDGELENS_REQUIRE_SHARED();
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CACHE_HOME", (cache_.path / "xdg").c_str(), 1);
  quant().setCacheDir(std::nullopt);  // the default location, as the CLI uses it
  const fs::path model = fixtures_dir() / "tflite/micro/person_detect.tflite";
  open(model);

  panel().setSamples(3);
  ASSERT_TRUE(quant().start());
  EXPECT_FALSE(quant().start());  // one at a time
  quant().cancel();
  ASSERT_TRUE(quant().wait());
  EXPECT_TRUE(quant().lastOutcome().cancelled);
  EXPECT_EQ(panel().report(), nullptr);
  EXPECT_NE(panel().statusText().indexOf("cancelled"), -1) << panel().statusText().toStdString();

  panel().setSamples(1);
  ASSERT_TRUE(quant().start());
  ASSERT_TRUE(quant().wait());
  ASSERT_NE(panel().report(), nullptr) << quant().lastMessage().toStdString();
  const auto first_rows = panel().rows();
  ASSERT_TRUE(quant().start());
  ASSERT_TRUE(quant().wait());
  EXPECT_TRUE(quant().lastOutcome().from_cache);
  ASSERT_EQ(panel().rows().size(), first_rows.size());
  for (size_t i = 0; i < first_rows.size(); ++i)
    EXPECT_EQ(panel().rows()[i].metrics.mean_squared_error,
              first_rows[i].metrics.mean_squared_error);
  EXPECT_NE(panel().statusText().indexOf("cached report"), -1);

  const fs::path dir = cache_.path / "xdg" / "edgelens" / "quant";
  const auto entries = [&dir] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".json";
    return n;
  };
  const size_t gui_entries = entries();
  EXPECT_GE(gui_entries, 1u);
  const auto cli =
      edgelens::testing::run_edgelens({"quant-report", model.string(), "--samples", "1"});
  if (old)
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(entries(), gui_entries + 1);  // same directory, its own entry (another program)
}

}  // namespace
