// Watch mode on the offscreen platform: a copy of a fixture in a temporary directory is replaced
// the way pipelines do it (write a temporary file, rename it over the watched one) and the window
// reloads it, keeping the selection, current node and bookmarks where node names match (names
// read from the files by the independent flatbuffer walker, tflite_facts.h) and the expanded
// groups.
#include <gtest/gtest.h>
#include <QApplication>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "edgelens/layout/grouping.h"
#include "gui_fixture.h"
#include "layout_controller.h"
#include "main_window.h"
#include "shared_dir.h"
#include "tflite_facts.h"
#include "watch_controller.h"

namespace {

namespace fs = std::filesystem;
using edgelens::gui::MainWindow;
using edgelens::gui::WatchController;
using edgelens::testing::fixture;
using edgelens::testing::gui_app;
using edgelens::testing::TfliteFacts;

// What a pipeline does: write next to the target, then rename over it (a new inode).
void replace_atomically(const fs::path& target, const fs::path& source) {
  const fs::path tmp = target.parent_path() / (".tmp-" + target.filename().string());
  fs::copy_file(source, tmp, fs::copy_options::overwrite_existing);
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(tmp, target);
}

void write_atomically(const fs::path& target, const std::string& bytes) {
  const fs::path tmp = target.parent_path() / (".tmp-" + target.filename().string());
  std::ofstream(tmp, std::ios::binary) << bytes;
  fs::rename(tmp, target);
}

// The first output tensor name of each op (what the watch mode keys nodes by).
std::vector<std::string> op_output_names(const TfliteFacts& facts) {
  std::vector<std::string> out;
  for (const auto& op : facts.ops)
    out.push_back(op.outputs.empty() ? "" : facts.tensors[static_cast<size_t>(op.outputs[0])].name);
  return out;
}

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gui_app();
    EDGELENS_REQUIRE_SHARED();
    ASSERT_TRUE(dir_.isValid());
  }
  fs::path path(const char* name) const { return fs::path(dir_.path().toStdString()) / name; }

  QTemporaryDir dir_;
};

TEST_F(WatchTest, ReplacedByAnotherModelKeepsSelectionAndBookmarks) {
  const fs::path first = fixture("tflite/micro/hello_world_float.tflite");
  const fs::path second = fixture("tflite/micro/hello_world_int8.tflite");
  const TfliteFacts facts_a(first.string()), facts_b(second.string());
  // The premise, from the files themselves: same op count, same output names, other dtypes.
  ASSERT_EQ(op_output_names(facts_a), op_output_names(facts_b));
  ASSERT_EQ(facts_a.ops.size(), 3u);
  const int input_a = facts_a.ops[0].inputs.at(0), input_b = facts_b.ops[0].inputs.at(0);
  ASSERT_NE(facts_a.tensors[static_cast<size_t>(input_a)].type,
            facts_b.tensors[static_cast<size_t>(input_b)].type);

  const fs::path watched = path("model.tflite");
  fs::copy_file(first, watched);
  MainWindow window;
  window.setInteractiveErrors(false);
  auto* watch = new WatchController(window, QString::fromStdString(watched.string()), 50);
  ASSERT_EQ(window.context().modelCount(), 1);
  ASSERT_TRUE(window.waitForLayout());
  auto& context = window.context();
  context.setCurrentNode(2);
  context.setSelection({0, 2});
  context.toggleBookmark({0, 1});

  QSignalSpy reloaded(watch, &WatchController::reloaded);
  replace_atomically(watched, second);
  ASSERT_TRUE(reloaded.wait(10000)) << "no reload after the file was replaced";
  EXPECT_TRUE(reloaded.at(0).at(0).toBool()) << reloaded.at(0).at(1).toString().toStdString();
  ASSERT_TRUE(window.waitForLayout());

  ASSERT_EQ(context.modelCount(), 1);  // replaced, not added
  const auto* g = context.graph();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->tensors[static_cast<size_t>(g->inputs[0])].dtype,
            edgelens::DType::Int8);  // the new file
  EXPECT_EQ(context.currentNode(), 2);
  EXPECT_EQ(context.selection(), (std::vector<int>{0, 2}));
  ASSERT_EQ(context.bookmarks().size(), 1u);
  EXPECT_EQ(context.bookmarks()[0], (edgelens::inspect::NodeRef{0, 1}));

  // Replaced again (back to the float model) while being watched: the path is watched anew.
  replace_atomically(watched, first);
  ASSERT_TRUE(reloaded.wait(10000)) << "the watch was lost after the first rename";
  EXPECT_EQ(watch->reloadCount(), 2);
  EXPECT_EQ(context.graph()->tensors[static_cast<size_t>(context.graph()->inputs[0])].dtype,
            edgelens::DType::Float32);
  EXPECT_EQ(context.currentNode(), 2);
}

TEST_F(WatchTest, BrokenRewriteKeepsTheLastGoodModel) {
  const fs::path watched = path("model.tflite");
  fs::copy_file(fixture("tflite/micro/hello_world_float.tflite"), watched);
  MainWindow window;
  window.setInteractiveErrors(false);
  auto* watch = new WatchController(window, QString::fromStdString(watched.string()), 50);
  ASSERT_TRUE(window.waitForLayout());
  const auto before = window.context().modelPtr();
  QSignalSpy reloaded(watch, &WatchController::reloaded);
  write_atomically(watched, std::string("\x1c\0\0\0TFL3 truncated", 18));
  ASSERT_TRUE(reloaded.wait(10000));
  EXPECT_FALSE(reloaded.at(0).at(0).toBool());
  EXPECT_NE(reloaded.at(0).at(1).toString().indexOf("model.tflite"), -1);  // the reader's message
  EXPECT_EQ(window.context().modelPtr(), before);
}

// person_detect's ops live in namespaces, so the canvas has groups; the user's expansion (here:
// everything open, which is not the first view) survives a rewrite of the file.
TEST_F(WatchTest, ExpandedGroupsSurviveAReload) {
  const fs::path source = fixture("tflite/micro/person_detect.tflite");
  const fs::path watched = path("person_detect.tflite");
  fs::copy_file(source, watched);
  MainWindow window;
  window.setInteractiveErrors(false);
  auto* watch = new WatchController(window, QString::fromStdString(watched.string()), 50);
  ASSERT_TRUE(window.waitForLayout());
  auto* layout = window.layoutController();
  ASSERT_TRUE(layout->tree());
  ASSERT_GT(layout->tree()->size(), 1u) << "expected namespace groups";
  auto expanded_paths = [layout] {
    std::set<std::string> out;
    const auto tree = layout->tree();  // null while the new version's first layout runs
    if (!tree) return out;
    for (auto id : layout->expansion().expanded())
      if (id < tree->size()) out.insert(tree->group(id).path);
    return out;
  };
  const auto first_view = expanded_paths();
  layout->collapseAll();
  ASSERT_TRUE(window.waitForLayout());
  ASSERT_TRUE(expanded_paths().empty());
  ASSERT_NE(first_view, expanded_paths())
      << "the test needs a state the first view would not restore";
  layout->expandAll();
  ASSERT_TRUE(window.waitForLayout());
  const auto user_view = expanded_paths();
  ASSERT_FALSE(user_view.empty());

  QSignalSpy reloaded(watch, &WatchController::reloaded);
  replace_atomically(watched, source);
  ASSERT_TRUE(reloaded.wait(10000));
  ASSERT_TRUE(reloaded.at(0).at(0).toBool());
  // The first layout of the new version, then the one restoring the expansion.
  for (int i = 0; i < 50 && expanded_paths() != user_view; ++i) {
    window.waitForLayout();
    QTest::qWait(20);
  }
  EXPECT_EQ(expanded_paths(), user_view);
}

}  // namespace
