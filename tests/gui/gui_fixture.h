// What the GUI tests share: the one QApplication of the test binary (offscreen, QSettings in a test
// location), fixture paths, a test base with a shown MainWindow that opens a model and waits for
// its layout, and a click on a row of an item view.
#pragma once

#include <gtest/gtest.h>
#include <QAbstractItemView>
#include <QApplication>
#include <QSize>
#include <QStandardPaths>
#include <QTest>

#include <filesystem>
#include <memory>

#include "edgelens/model_io/tflite_writer.h"
#include "main_window.h"
#include "shared_dir.h"

namespace edgelens::testing {

inline QApplication& gui_app() {
  static int argc = 1;
  static char name[] = "test_gui";
  static char* argv[] = {name, nullptr};
  static QApplication* instance = [] {
    // Another test of this binary may have made it first (one QApplication per process).
    if (auto* existing = qobject_cast<QApplication*>(QCoreApplication::instance())) return existing;
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
    QCoreApplication::setOrganizationName("EdgeLensTest");
    QCoreApplication::setApplicationName("test_gui");
    return new QApplication(argc, argv);  // lives until exit: Qt wants one per process
  }();
  return *instance;
}

inline std::filesystem::path fixture(const char* relative) {
  return fixtures_dir() / relative;
}

// Writes DIR/custom.tflite: one custom op "EdgeLensNoSuchOp" (float [1,4] -> [1,4]) that no
// kernel implements. Returns its path.
inline std::string write_unknown_custom_op_model(const std::filesystem::path& dir) {
  const std::string path = (dir / "custom.tflite").string();
  TfliteBuilder b;
  const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {1, 4}});
  const int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {1, 4}});
  b.add_op({.op = "EdgeLensNoSuchOp", .custom = true, .inputs = {x}, .outputs = {y}});
  b.set_inputs({x});
  b.set_outputs({y});
  b.write_file(path);
  return path;
}

// Clicks the row of `index` in `view` like a user (scrolled into view first).
inline void click_index(QAbstractItemView* view, const QModelIndex& index) {
  view->scrollTo(index);
  QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
}

// A shown MainWindow of `size` with message boxes off; open() loads a model and waits for layout.
class MainWindowTest : public ::testing::Test {
 protected:
  explicit MainWindowTest(QSize size = {1200, 800}) : size_(size) {}
  void SetUp() override {
    gui_app();
    window_ = std::make_unique<gui::MainWindow>();
    window_->setInteractiveErrors(false);
    window_->resize(size_);
    window_->show();
  }
  void open(const std::filesystem::path& path) {
    QString error;
    ASSERT_TRUE(window_->openFile(QString::fromStdString(path.string()), &error))
        << error.toStdString();
    ASSERT_TRUE(window_->waitForLayout(60000));
  }

  QSize size_;
  std::unique_ptr<gui::MainWindow> window_;
};

}  // namespace edgelens::testing
