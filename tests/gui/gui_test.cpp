// GUI tests: the real main window on the offscreen platform, driven like a user would (clicks,
// shortcuts) where that is reliable, and checked against facts read from the model files by an
// independent flatbuffer walker (tflite_facts.h).
#include <gtest/gtest.h>
#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "edgelens/inspectors/node_inspector.h"
#include "edgelens/inspectors/search_panel.h"
#include "edgelens/inspectors/tensor_viewer.h"
#include "edgelens/inspectors/value_widgets.h"
#include "edgelens/layout/synthetic_graph.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "layout_controller.h"
#include "main_window.h"
#include "shared_dir.h"
#include "tflite_facts.h"

namespace {

using edgelens::gui::MainWindow;
using edgelens::testing::fixture;
using edgelens::testing::gui_app;
using edgelens::testing::TfliteFacts;
namespace fs = std::filesystem;

constexpr int32_t kConv2D = 3;  // BuiltinOperator codes from TFLite's schema.fbs
constexpr int32_t kDepthwiseConv2D = 4;
constexpr int kTypeFloat32 = 0, kTypeInt8 = 9;

class GuiTest : public edgelens::testing::MainWindowTest {
 protected:
  // Opens a fixture (skipping visibly when ../shared or the file is absent) and waits for layout;
  // hides MainWindowTest::open, which asserts instead.
  bool open(const fs::path& path) {
    if (!fs::exists(path)) return false;
    QString error;
    EXPECT_TRUE(window_->openFile(QString::fromStdString(path.string()), &error))
        << error.toStdString();
    EXPECT_TRUE(window_->waitForLayout(60000)) << "layout did not finish";
    return true;
  }
  std::set<std::pair<int, uint32_t>> visibleSet() const {
    std::set<std::pair<int, uint32_t>> out;
    const auto& scene = window_->canvas()->view().scene;
    if (scene)
      for (const auto& item : scene->items) out.insert({static_cast<int>(item.kind), item.ref});
    return out;
  }
};

#define OPEN_OR_SKIP(path)                                                           \
  do {                                                                               \
    EDGELENS_REQUIRE_SHARED();                                                       \
    if (!open(path)) GTEST_SKIP() << (path) << " is absent from ../shared/fixtures"; \
  } while (0)

TEST_F(GuiTest, NodeInspectorShowsConvStrideAndTensorsFromTheFile) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  const TfliteFacts facts(path.string());
  // The first strided convolution in the file (person_detect starts with a stride-2 depthwise).
  const auto it = std::find_if(facts.ops.begin(), facts.ops.end(), [&](const auto& op) {
    return (op.builtin == kConv2D || op.builtin == kDepthwiseConv2D) && facts.stride_w(op) == 2;
  });
  ASSERT_NE(it, facts.ops.end()) << "person_detect has a stride-2 convolution";
  const int index = static_cast<int>(it - facts.ops.begin());

  window_->context().setCurrentNode(index);
  auto* inspector = window_->nodeInspector();
  EXPECT_EQ(inspector->attributeText("stride_w"), QString::number(facts.stride_w(*it)));
  EXPECT_EQ(inspector->attributeText("stride_h"), QString::number(facts.stride_h(*it)));
  EXPECT_EQ(inspector->tree()->topLevelItem(0)->text(1),
            it->builtin == kConv2D ? "CONV_2D" : "DEPTHWISE_CONV_2D");
  const QList<int> inputs = inspector->inputTensors();
  ASSERT_EQ(inputs.size(), static_cast<qsizetype>(it->inputs.size()));
  for (qsizetype i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(inputs[i], it->inputs[static_cast<size_t>(i)]);
  const QList<int> outputs = inspector->outputTensors();
  ASSERT_EQ(outputs.size(), static_cast<qsizetype>(it->outputs.size()));
  EXPECT_EQ(outputs[0], it->outputs[0]);
  // The output row names the tensor as the file does.
  const auto* out_section = inspector->tree()->findItems("outputs", Qt::MatchExactly).value(0);
  ASSERT_NE(out_section, nullptr);
  EXPECT_EQ(out_section->child(0)->text(1).toStdString(),
            facts.tensors[static_cast<size_t>(it->outputs[0])].name);
}

TEST_F(GuiTest, ClickingABoxOnTheCanvasSelectsThatNode) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  auto* canvas = window_->canvas();
  window_->layoutController()->expandAll();
  ASSERT_TRUE(window_->waitForLayout(60000));
  const auto& scene = *canvas->view().scene;
  const auto node_item = std::find_if(scene.items.begin(), scene.items.end(), [](const auto& item) {
    return item.kind == edgelens::layout::ItemKind::Node;
  });
  ASSERT_NE(node_item, scene.items.end());
  canvas->centerOn(QPointF(node_item->rect.center().x, node_item->rect.center().y));
  QTest::mouseClick(canvas, Qt::LeftButton, {}, canvas->rect().center());
  EXPECT_EQ(window_->context().currentNode(), static_cast<int>(node_item->ref));
}

TEST_F(GuiTest, TensorViewerStatsOfAFloatConstantMatchTheFileBytes) {
  const fs::path path = fixture("tflite/derived/face_detection_short_range_fp32.tflite");
  OPEN_OR_SKIP(path);
  const TfliteFacts facts(path.string());
  // The largest float32 constant whose last two axes are both > 1 (a conv filter).
  int best = -1;
  size_t best_size = 0;
  for (size_t t = 0; t < facts.tensors.size(); ++t) {
    const auto& shape = facts.tensors[t].shape;
    if (facts.tensors[t].type != kTypeFloat32 || shape.size() < 2 || shape.back() < 2 ||
        shape[shape.size() - 2] < 2)
      continue;
    const size_t n = facts.buffer_data(facts.tensors[t]).size();
    if (n > best_size) best = static_cast<int>(t), best_size = n;
  }
  ASSERT_GE(best, 0);
  const auto bytes = facts.buffer_data(facts.tensors[static_cast<size_t>(best)]);
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  double lo = v[0], hi = v[0], sum = 0, zeros = 0;
  for (float x : v)
    lo = std::min<double>(lo, x), hi = std::max<double>(hi, x), sum += x, zeros += x == 0;
  const double mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (float x : v) sq += (x - mean) * (x - mean);
  const double std_dev = std::sqrt(sq / static_cast<double>(v.size()));

  window_->context().setCurrentTensor(best);
  const auto& stats = window_->tensorViewer()->stats();
  EXPECT_EQ(stats.count, static_cast<int64_t>(v.size()));
  EXPECT_EQ(stats.min, lo);
  EXPECT_EQ(stats.max, hi);
  EXPECT_NEAR(stats.mean, mean, 1e-9 * std::max(1.0, std::abs(mean)));
  EXPECT_NEAR(stats.std, std_dev, 1e-9 * std::max(1.0, std_dev));
  EXPECT_DOUBLE_EQ(stats.zero_fraction(), zeros / static_cast<double>(v.size()));
  EXPECT_EQ(stats.nan_count, 0);

  // The 2-D slice of the last two axes at index 0 of the others is the file's first elements.
  const auto& shape = facts.tensors[static_cast<size_t>(best)].shape;
  ASSERT_GE(shape.size(), 2u);
  window_->tensorViewer()->setSliceAxes(static_cast<int>(shape.size()) - 2, -1);
  const auto& slice = window_->tensorViewer()->slice();
  ASSERT_EQ(slice.rows, shape[shape.size() - 2]);
  ASSERT_EQ(slice.cols, shape.back());
  EXPECT_EQ(slice.at(0, 1), v[1]);
  EXPECT_EQ(slice.at(1, 0), v[static_cast<size_t>(shape.back())]);
  // Fixing axis 0 at 1 moves the slice by the product of the other dims (row-major file order).
  if (shape.size() >= 3 && shape[0] > 1) {
    size_t stride0 = 1;
    for (size_t d = 1; d < shape.size(); ++d) stride0 *= static_cast<size_t>(shape[d]);
    window_->tensorViewer()->setFixedIndex(0, 1);
    EXPECT_EQ(window_->tensorViewer()->slice().at(0, 0), v[stride0]);
    window_->tensorViewer()->setFixedIndex(0, 0);
  }
  // The heatmap shows the same slice, one pixel per value.
  const auto* heatmap = window_->tensorViewer()->findChild<edgelens::inspect::HeatmapWidget*>();
  ASSERT_NE(heatmap, nullptr);
  EXPECT_EQ(heatmap->image().width(), shape.back());
  EXPECT_EQ(heatmap->image().height(), shape[shape.size() - 2]);

  // Export to .npy: the payload after the header is the file's bytes.
  QTemporaryDir dir;
  const QString npy = dir.filePath("t.npy");
  ASSERT_TRUE(window_->tensorViewer()->exportNpy(npy));
  std::ifstream in(npy.toStdString(), std::ios::binary);
  const std::vector<uint8_t> written((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(written.size(), bytes.size());
  EXPECT_TRUE(
      std::equal(bytes.begin(), bytes.end(), written.end() - static_cast<long>(bytes.size())));
  EXPECT_EQ(std::string(written.begin() + 1, written.begin() + 6), "NUMPY");
}

TEST_F(GuiTest, TensorViewerDequantizesPerChannelInt8WeightsLikeTheFileSays) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  const TfliteFacts facts(path.string());
  int best = -1;
  for (size_t t = 0; t < facts.tensors.size() && best < 0; ++t)
    if (facts.tensors[t].type == kTypeInt8 && facts.tensors[t].scales.size() > 1 &&
        !facts.buffer_data(facts.tensors[t]).empty())
      best = static_cast<int>(t);
  if (best < 0) GTEST_SKIP() << "person_detect has no per-channel int8 constant";
  const auto& t = facts.tensors[static_cast<size_t>(best)];
  const auto bytes = facts.buffer_data(t);
  // Independent dequantization: channel = (flat index / inner) % channels.
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(t.quantized_dimension) + 1; d < t.shape.size(); ++d)
    inner *= static_cast<size_t>(t.shape[d]);
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t c = (i / inner) % t.scales.size();
    const double zp = t.zero_points.empty() ? 0.0 : static_cast<double>(t.zero_points[c]);
    const double x = t.scales[c] * (static_cast<int8_t>(bytes[i]) - zp);
    lo = std::min(lo, x), hi = std::max(hi, x), sum += x;
  }
  window_->context().setCurrentTensor(best);
  const auto& stats = window_->tensorViewer()->stats();
  EXPECT_EQ(stats.count, static_cast<int64_t>(bytes.size()));
  EXPECT_DOUBLE_EQ(stats.min, lo);
  EXPECT_DOUBLE_EQ(stats.max, hi);
  EXPECT_NEAR(stats.mean, sum / static_cast<double>(bytes.size()), 1e-9);
  EXPECT_TRUE(window_->tensorViewer()->values().dequantized);
}

TEST_F(GuiTest, SearchFindsANodeByRegexOverTensorNamesAndOps) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  const TfliteFacts facts(path.string());
  auto* search = window_->searchPanel();
  // By op type: every depthwise conv of the file, nothing else.
  search->setQuery("^DEPTHWISE_CONV_2D$");
  std::set<int> expected;
  for (size_t i = 0; i < facts.ops.size(); ++i)
    if (facts.ops[i].builtin == kDepthwiseConv2D) expected.insert(static_cast<int>(i));
  std::set<int> found;
  for (const auto& hit : search->hits()) found.insert(hit.node.node);
  EXPECT_EQ(found, expected);
  // By output tensor name, as a regex built from the middle of the name.
  const size_t target = facts.ops.size() / 2;
  const std::string name = facts.tensors[static_cast<size_t>(facts.ops[target].outputs[0])].name;
  search->setQuery("^" + QRegularExpression::escape(QString::fromStdString(name)) + "$");
  ASSERT_FALSE(search->hits().empty()) << name;
  EXPECT_EQ(search->hits().front().node.node, static_cast<int>(target));
  // F3 goes to the hit: the context's node becomes it.
  window_->activateWindow();
  search->next();
  EXPECT_EQ(window_->context().currentNode(), static_cast<int>(target));
  EXPECT_FALSE(window_->context().highlights().empty());
}

TEST_F(GuiTest, BookmarksToggleAndJumpWithShortcuts) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  auto& context = window_->context();
  ASSERT_GE(context.graph()->nodes.size(), 6u);
  window_->activateWindow();
  QApplication::setActiveWindow(window_.get());
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  context.setCurrentNode(2);
  QTest::keyClick(window_.get(), Qt::Key_B, Qt::ControlModifier);
  context.setCurrentNode(5);
  QTest::keyClick(window_.get(), Qt::Key_B, Qt::ControlModifier);
  ASSERT_EQ(context.bookmarks().size(), 2u);
  context.setCurrentNode(0);
  QTest::keyClick(window_.get(), Qt::Key_1, Qt::ControlModifier);
  EXPECT_EQ(context.currentNode(), 2);
  QTest::keyClick(window_.get(), Qt::Key_2, Qt::ControlModifier);
  EXPECT_EQ(context.currentNode(), 5);
  // Ctrl+B again on node 5 removes it; Ctrl+2 then has nowhere to go.
  QTest::keyClick(window_.get(), Qt::Key_B, Qt::ControlModifier);
  EXPECT_EQ(context.bookmarks().size(), 1u);
  context.setCurrentNode(0);
  QTest::keyClick(window_.get(), Qt::Key_2, Qt::ControlModifier);
  EXPECT_EQ(context.currentNode(), 0);
  EXPECT_EQ(window_->bookmarksPanel()->list()->count(), 1);
}

TEST_F(GuiTest, ArrowKeysWalkToProducerAndConsumerOfTheFile) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  const TfliteFacts facts(path.string());
  auto& context = window_->context();
  const int node = 3;
  ASSERT_GT(facts.ops.size(), 5u);
  // Oracle: the op that writes node 3's first input, and the first op reading its output.
  int producer = -1, consumer = -1;
  for (size_t i = 0; i < facts.ops.size(); ++i) {
    for (int32_t o : facts.ops[i].outputs)
      if (o == facts.ops[node].inputs[0]) producer = static_cast<int>(i);
    for (int32_t in : facts.ops[i].inputs)
      if (consumer < 0 && in == facts.ops[node].outputs[0]) consumer = static_cast<int>(i);
  }
  ASSERT_GE(producer, 0);
  ASSERT_GE(consumer, 0);
  auto* canvas = window_->canvas();
  canvas->setFocus();
  context.setCurrentNode(node);
  QTest::keyClick(canvas, Qt::Key_Up);
  EXPECT_EQ(context.currentNode(), producer);
  context.setCurrentNode(node);
  QTest::keyClick(canvas, Qt::Key_Down);
  EXPECT_EQ(context.currentNode(), consumer);
}

TEST_F(GuiTest, ExpandAndCollapseChangeTheVisibleSet) {
  const fs::path path = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(path);
  auto* layout = window_->layoutController();
  ASSERT_NE(layout->tree(), nullptr);
  if (layout->tree()->size() < 2) GTEST_SKIP() << "the grouping found no namespaces in this model";
  layout->collapseAll();
  ASSERT_TRUE(window_->waitForLayout(60000));
  const auto collapsed = visibleSet();
  layout->expandAll();
  ASSERT_TRUE(window_->waitForLayout(60000));
  const auto expanded = visibleSet();
  EXPECT_NE(collapsed, expanded);
  // Expanded everything: every node of the graph has its own box.
  size_t node_boxes = 0;
  for (const auto& [kind, ref] : expanded)
    node_boxes += kind == static_cast<int>(edgelens::layout::ItemKind::Node);
  EXPECT_EQ(node_boxes, window_->context().graph()->nodes.size());
  EXPECT_LT(collapsed.size(), expanded.size());

  // A double-click on a closed group opens it (the canvas asks, the worker lays out).
  layout->collapseAll();
  ASSERT_TRUE(window_->waitForLayout(60000));
  auto* canvas = window_->canvas();
  const auto& scene = *canvas->view().scene;
  const auto group = std::find_if(scene.items.begin(), scene.items.end(), [](const auto& item) {
    return item.kind == edgelens::layout::ItemKind::CollapsedGroup;
  });
  ASSERT_NE(group, scene.items.end());
  const uint32_t group_id = group->ref;
  canvas->centerOn(QPointF(group->rect.center().x, group->rect.center().y));
  QTest::mouseDClick(canvas, Qt::LeftButton, {}, canvas->rect().center());
  ASSERT_TRUE(window_->waitForLayout(60000));
  EXPECT_TRUE(layout->expansion().is_expanded(group_id));
  EXPECT_NE(visibleSet(), collapsed);
  EXPECT_TRUE(canvas->view().scene->find_item(edgelens::layout::ItemKind::ExpandedGroup, group_id));
}

TEST_F(GuiTest, OpeningABrokenFileReportsTheReadersMessage) {
  QTemporaryDir dir;
  const QString bad = dir.filePath("broken.tflite");
  {
    std::ofstream out(bad.toStdString(), std::ios::binary);
    out << "\x10\x00\x00\x00TFL3 this is not a flatbuffer";
  }
  QString error;
  EXPECT_FALSE(window_->openFile(bad, &error));
  EXPECT_TRUE(error.contains("broken.tflite")) << error.toStdString();
  EXPECT_EQ(window_->context().modelCount(), 0);
}

TEST_F(GuiTest, BundledSampleModelOpensWithGroups) {
  const fs::path sample = fs::path(EDGELENS_BINARY_DIR) / "resources/samples/sample_cnn.tflite";
  if (!fs::exists(sample)) GTEST_SKIP() << sample << " not built (target edgelens_samples)";
  ASSERT_TRUE(open(sample));
  const TfliteFacts facts(sample.string());
  EXPECT_EQ(window_->context().graph()->nodes.size(), facts.ops.size());
  ASSERT_NE(window_->layoutController()->tree(), nullptr);
  EXPECT_GT(window_->layoutController()->tree()->size(), 3u) << "stem, blocks and head are groups";
  EXPECT_FALSE(window_->canvas()->visibleItems().empty());
}

TEST_F(GuiTest, GraphSelectorListsEveryGraph) {
  const fs::path path =
      fixture("tflite/litert/litert/js/packages/core/testdata/multi_signature_model.tflite");
  OPEN_OR_SKIP(path);
  const auto* model = window_->context().model();
  EXPECT_EQ(window_->graphSelector()->count(), static_cast<int>(model->graphs.size()));
  if (model->graphs.size() < 2) GTEST_SKIP() << "fixture has one graph";
  window_->graphSelector()->setCurrentIndex(1);
  emit window_->graphSelector()->activated(1);
  EXPECT_EQ(window_->context().currentGraph(), 1);
  ASSERT_TRUE(window_->waitForLayout(60000));
  EXPECT_EQ(window_->canvas()->view().graph, 1);
}

TEST_F(GuiTest, LayoutRunsOffTheUiThreadAndCancelKeepsThePreviousView) {
  // A synthetic 3k-node transformer: opening every group takes Graphviz long enough to cancel.
  auto model = std::make_shared<edgelens::Model>();
  model->path = "synthetic";
  model->graphs.push_back(edgelens::layout::make_transformer_graph(3000));
  window_->context().addModel(model);
  ASSERT_TRUE(window_->waitForLayout(60000));
  auto* layout = window_->layoutController();
  const auto before = layout->expansion();
  const auto shown = window_->canvas()->view().scene;
  QSignalSpy cancelled(layout, &edgelens::gui::LayoutController::cancelled);
  layout->expandAll();
  EXPECT_TRUE(layout->busy()) << "the request returns at once; the work is on a worker thread";
  layout->cancel();
  ASSERT_TRUE(window_->waitForLayout(60000));
  if (cancelled.isEmpty()) GTEST_SKIP() << "the layout finished before the cancel reached it";
  EXPECT_EQ(layout->expansion(), before);
  EXPECT_EQ(window_->canvas()->view().scene, shown);
}

TEST_F(GuiTest, TensorViewerDecodesFloat16WeightsExactlyAsTheFp32TwinStoresThem) {
  // MediaPipe's face detector keeps FLOAT16 weights behind DEQUANTIZE ops; its derived fp32 twin
  // stores each DEQUANTIZE output as a float32 constant (bit-exact widening, see fixtures/README).
  const fs::path fp16 = fixture("tflite/mediapipe/face_detection_short_range.tflite");
  const fs::path fp32 = fixture("tflite/derived/face_detection_short_range_fp32.tflite");
  if (edgelens::testing::have_shared() && !fs::exists(fp32)) GTEST_SKIP() << fp32 << " is absent";
  OPEN_OR_SKIP(fp16);
  const TfliteFacts half(fp16.string()), twin(fp32.string());
  constexpr int32_t kDequantize = 6;
  constexpr int kTypeFloat16 = 1;
  int checked = 0;
  for (const auto& op : half.ops) {
    if (op.builtin != kDequantize || checked == 4) continue;
    const auto& in = half.tensors[static_cast<size_t>(op.inputs[0])];
    const auto& out = half.tensors[static_cast<size_t>(op.outputs[0])];
    if (in.type != kTypeFloat16) continue;
    const auto match = std::find_if(twin.tensors.begin(), twin.tensors.end(), [&](const auto& t) {
      return t.name == out.name && t.type == kTypeFloat32;
    });
    if (match == twin.tensors.end()) continue;
    const auto bytes = twin.buffer_data(*match);
    std::vector<float> expected(bytes.size() / 4);
    std::memcpy(expected.data(), bytes.data(), expected.size() * 4);
    window_->context().setCurrentTensor(op.inputs[0]);
    const auto& values = window_->tensorViewer()->values().values;
    ASSERT_EQ(values.size(), expected.size()) << in.name;
    for (size_t i = 0; i < values.size(); ++i)
      ASSERT_EQ(values[i], static_cast<double>(expected[i])) << in.name << " element " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 4) << "expected four float16 constants with fp32 twins";
}

TEST_F(GuiTest, SeveralModelsOpenSideBySideAndClose) {
  const fs::path a = fixture("tflite/micro/hello_world_float.tflite");
  const fs::path b = fixture("tflite/micro/person_detect.tflite");
  OPEN_OR_SKIP(a);
  OPEN_OR_SKIP(b);
  auto& context = window_->context();
  ASSERT_EQ(context.modelCount(), 2);
  EXPECT_EQ(context.currentModelIndex(), 1);
  const TfliteFacts facts_a(a.string()), facts_b(b.string());
  EXPECT_EQ(context.graph()->nodes.size(), facts_b.ops.size());
  // Bookmarks belong to their model.
  context.setCurrentNode(1);
  context.toggleBookmark({0, 1});
  context.setCurrentModel(0);
  EXPECT_TRUE(context.bookmarks().empty());
  ASSERT_TRUE(window_->waitForLayout(60000));
  EXPECT_EQ(window_->canvas()->view().model.get(), context.model());
  EXPECT_EQ(context.graph()->nodes.size(), facts_a.ops.size());
  context.closeModel(0);
  EXPECT_EQ(context.modelCount(), 1);
  EXPECT_EQ(context.bookmarks().size(), 1u);
}

}  // namespace
