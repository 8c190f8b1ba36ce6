// The main window: graph canvas in the middle, one dock per panel (model, node inspector, tensor
// viewer, search, bookmarks), menus and shortcuts, recent files, drag-and-drop, themes, window
// state in QSettings, and the layout worker's progress and cancel in the status bar. Run (the
// interpreter) lives in RunController/RunDialog; this window only adds its menu entries.
#pragma once

#include <QMainWindow>
#include <QStringList>

#include <memory>

#include "canvas_theme.h"
#include "edgelens/inspectors/session_context.h"

class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace edgelens::inspect {
class BookmarksPanel;
class ModelPanel;
class NodeInspector;
class SearchPanel;
class TensorViewer;
}  // namespace edgelens::inspect

namespace edgelens::gui {

class GraphCanvas;
class LayoutController;
class PartitionController;
class ProfileController;
class QuantController;
class RunController;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a model and makes it current. On failure returns false with the reader's message
  // (which names the file and the place) in `error`; interactive callers get a message box.
  bool openFile(const QString& path, QString* error = nullptr);
  void setInteractiveErrors(bool on);
  void setTheme(Theme theme);
  Theme theme() const { return theme_; }
  QStringList recentFiles() const;

  inspect::SessionContext& context() { return context_; }
  GraphCanvas* canvas() const { return canvas_; }
  LayoutController* layoutController() const { return layout_; }
  RunController* runController() const { return run_; }
  PartitionController* partitionController() const { return partition_; }
  ProfileController* profileController() const { return profile_; }
  QuantController* quantController() const { return quant_; }
  inspect::NodeInspector* nodeInspector() const { return node_inspector_; }
  inspect::TensorViewer* tensorViewer() const { return tensor_viewer_; }
  inspect::ModelPanel* modelPanel() const { return model_panel_; }
  inspect::SearchPanel* searchPanel() const { return search_panel_; }
  inspect::BookmarksPanel* bookmarksPanel() const { return bookmarks_panel_; }
  QComboBox* graphSelector() const { return graph_box_; }

  // Waits for the running layout (tests, --screenshot). False on timeout.
  bool waitForLayout(int timeout_ms = 30000);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildActions();
  void buildDocks();
  void buildRunActions(QMenu* view);
  void runDialog();
  void onModelsChanged();
  void onModelChanged();
  void onGraphChanged();
  void fillGraphSelector();
  void addRecentFile(const QString& path);
  void rebuildRecentMenu();
  void openDialog();
  void updateStatus();
  void showError(const QString& title, const QString& message);
  void flash(const QString& message);

  inspect::SessionContext context_;
  Theme theme_ = Theme::Light;
  bool interactive_errors_ = true;
  GraphCanvas* canvas_;
  LayoutController* layout_;
  RunController* run_;
  PartitionController* partition_ = nullptr;
  ProfileController* profile_ = nullptr;
  QuantController* quant_ = nullptr;
  inspect::NodeInspector* node_inspector_ = nullptr;
  inspect::TensorViewer* tensor_viewer_ = nullptr;
  inspect::ModelPanel* model_panel_ = nullptr;
  inspect::SearchPanel* search_panel_ = nullptr;
  inspect::BookmarksPanel* bookmarks_panel_ = nullptr;
  QComboBox* model_box_ = nullptr;
  QAction* model_box_action_ = nullptr;
  QComboBox* graph_box_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QLabel* status_label_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancel_button_ = nullptr;
  QString layout_stage_;
  QString flash_;
};

}  // namespace edgelens::gui
