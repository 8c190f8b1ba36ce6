// GUI Run: the interpreter run from the main window (RunController), its values in the tensor
// viewer against TFLite's own outputs (fixtures/reference), NaN/Inf marks on the canvas and the
// unsupported-op report.
#include <gtest/gtest.h>
#include <QApplication>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "edgelens/inspectors/run_result.h"
#include "edgelens/inspectors/tensor_viewer.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/npy.h"
#include "graph_canvas.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "run_controller.h"
#include "run_dialog.h"
#include "shared_dir.h"

namespace {

using edgelens::DType;
using edgelens::TfliteBuilder;
using edgelens::gui::MainWindow;
namespace fs = std::filesystem;

class GuiRunTest : public edgelens::testing::MainWindowTest {
 protected:
  GuiRunTest() : MainWindowTest({1000, 700}) {}
};

std::vector<float> floats_of(const edgelens::runtime::NpyArray& array) {
  std::vector<float> out(array.data.size() / sizeof(float));
  std::memcpy(out.data(), array.data.data(), out.size() * sizeof(float));
  return out;
}

void expect_viewer_matches_reference(MainWindow& window, const fs::path& reference) {
  const auto expected = edgelens::runtime::read_npy(reference);
  ASSERT_EQ(expected.dtype, DType::Float32);
  const auto* graph = window.context().graph();
  ASSERT_NE(graph, nullptr);
  window.context().setCurrentTensor(graph->outputs.at(0));
  const auto& shown = window.tensorViewer()->values();
  const std::vector<float> want = floats_of(expected);
  ASSERT_EQ(shown.values.size(), want.size()) << shown.problem;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(shown.values[i], want[i], 1e-4) << "element " << i;
}

TEST_F(GuiRunTest, HelloWorldOutputInTheTensorViewerMatchesTflite) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir = edgelens::testing::fixtures_dir();
  const fs::path model = dir / "tflite/micro/hello_world_float.tflite";
  const fs::path reference = dir / "reference/hello_world_float/output0.npy";
  if (!fs::exists(model) || !fs::exists(reference))
    GTEST_SKIP() << "hello_world_float or its reference output is absent from ../shared";
  open(model);
  // Before a run the output tensor has no values (it is an activation, not a constant).
  window_->context().setCurrentTensor(window_->context().graph()->outputs.at(0));
  EXPECT_TRUE(window_->tensorViewer()->values().values.empty());

  const auto& outcome = window_->runController()->runBlocking({});  // ramp = reference input
  ASSERT_TRUE(outcome.result) << window_->runController()->lastMessage().toStdString();
  ASSERT_NE(window_->context().runResult(), nullptr);
  expect_viewer_matches_reference(*window_, reference);
  for (size_t n = 0; n < window_->context().graph()->nodes.size(); ++n) {
    const auto item = window_->canvas()->itemForNode(static_cast<int>(n));
    ASSERT_TRUE(item.has_value()) << "node " << n << " is on the canvas";
    EXPECT_FALSE(window_->canvas()->itemMarkedNonFinite(*item)) << "node " << n;
  }

  // The same through the worker thread (what Ctrl+R does after the dialog).
  window_->context().setRunResult(nullptr);
  ASSERT_TRUE(window_->runController()->start({}));
  ASSERT_TRUE(window_->runController()->wait(60000));
  ASSERT_NE(window_->context().runResult(), nullptr);
  expect_viewer_matches_reference(*window_, reference);

  // The overlay colours nodes and has a range.
  window_->canvas()->setOverlay(edgelens::inspect::RunStatistic::MaxAbs);
  EXPECT_TRUE(window_->canvas()->overlay().active());
}

TEST_F(GuiRunTest, DialogWithNpyInputRunsAndCancelStopsBetweenNodes) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir = edgelens::testing::fixtures_dir();
  const fs::path model = dir / "tflite/micro/hello_world_float.tflite";
  const fs::path ref_dir = dir / "reference/hello_world_float";
  if (!fs::exists(model) || !fs::exists(ref_dir / "input0.npy"))
    GTEST_SKIP() << "hello_world_float or its reference input is absent from ../shared";
  open(model);
  // The dialog's .npy source: TFLite's own input gives TFLite's own output.
  edgelens::gui::RunDialog dialog(*window_->context().graph());
  dialog.setSource(0, edgelens::gui::RunDialog::File,
                   QString::fromStdString((ref_dir / "input0.npy").string()));
  const auto specs = dialog.specs();
  ASSERT_EQ(specs.size(), 1u);
  ASSERT_TRUE(window_->runController()->runBlocking(specs).result)
      << window_->runController()->lastMessage().toStdString();
  expect_viewer_matches_reference(*window_, ref_dir / "output0.npy");

  // A cancel request stops the run after the node that is running: no result.
  auto progress = std::make_shared<edgelens::gui::RunProgress>();
  progress->cancel = true;
  const auto outcome =
      edgelens::gui::RunController::execute(window_->context().modelPtr(), {}, progress);
  EXPECT_TRUE(outcome.cancelled) << outcome.error.toStdString();
  EXPECT_FALSE(outcome.result);
  EXPECT_EQ(progress->done.load(), 1);
}

TEST_F(GuiRunTest, LogOfNegativeConstantMarksTheNodeNaN) {
  QTemporaryDir tmp;
  ASSERT_TRUE(tmp.isValid());
  const std::string path = (fs::path(tmp.path().toStdString()) / "log_nan.tflite").string();
  {
    TfliteBuilder b;
    const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {1, 4}});
    const int c = b.add_tensor({.name = "c",
                                .dtype = DType::Float32,
                                .shape = {1, 4},
                                .data = TfliteBuilder::bytes_of<float>({-1.f, -2.f, 3.f, 4.f})});
    const int l = b.add_tensor({.name = "log_c", .dtype = DType::Float32, .shape = {1, 4}});
    const int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {1, 4}});
    const int z = b.add_tensor({.name = "z", .dtype = DType::Float32, .shape = {1, 4}});
    b.add_op({.op = "LOG", .inputs = {c}, .outputs = {l}});
    b.add_op({.op = "ADD", .inputs = {x, l}, .outputs = {y}});
    b.add_op({.op = "MUL", .inputs = {x, x}, .outputs = {z}});
    b.set_inputs({x});
    b.set_outputs({y, z});
    b.write_file(path);
  }
  open(path);
  const auto& outcome = window_->runController()->runBlocking({});
  ASSERT_TRUE(outcome.result) << window_->runController()->lastMessage().toStdString();
  auto* canvas = window_->canvas();
  const auto item = [&](int node) {
    auto found = canvas->itemForNode(node);
    EXPECT_TRUE(found.has_value()) << "node " << node << " is on the canvas";
    return found.value_or(0);
  };
  EXPECT_TRUE(canvas->itemMarkedNonFinite(item(0))) << "LOG(-1) is NaN";
  EXPECT_TRUE(canvas->itemMarkedNonFinite(item(1))) << "x + NaN is NaN";
  EXPECT_FALSE(canvas->itemMarkedNonFinite(item(2))) << "x * x is finite";
  // The NaN count overlay sees two NaNs in LOG's output.
  const auto& run = *window_->context().runResult();
  EXPECT_EQ(run.nodeStatistic(0, edgelens::inspect::RunStatistic::NanCount).value_or(-1), 2.0);
  EXPECT_EQ(run.nodeStatistic(2, edgelens::inspect::RunStatistic::NanCount).value_or(-1), 0.0);
}

TEST_F(GuiRunTest, UnsupportedOpIsReportedWithNodeAndReason) {
  QTemporaryDir tmp;
  ASSERT_TRUE(tmp.isValid());
  const std::string path =
      edgelens::testing::write_unknown_custom_op_model(tmp.path().toStdString());
  open(path);
  const auto& outcome = window_->runController()->runBlocking({});
  EXPECT_FALSE(outcome.result);
  ASSERT_EQ(outcome.unsupported.size(), 1u);
  const QString message = window_->runController()->lastMessage();
  EXPECT_TRUE(message.contains("EdgeLensNoSuchOp")) << message.toStdString();
  EXPECT_TRUE(message.contains("node 0")) << message.toStdString();
  EXPECT_EQ(window_->context().runResult(), nullptr);
}

}  // namespace
