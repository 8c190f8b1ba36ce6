#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include "edgelens/inspectors/model_panel.h"
#include "edgelens/inspectors/node_inspector.h"
#include "edgelens/inspectors/search_panel.h"
#include "edgelens/inspectors/tensor_viewer.h"
#include "edgelens/model_io/open.h"
#include "graph_canvas.h"
#include "layout_controller.h"
#include "partition_controller.h"
#include "profile_controller.h"
#include "quant_controller.h"
#include "run_controller.h"
#include "run_dialog.h"

namespace edgelens::gui {
namespace {

constexpr int kMaxRecent = 10;

QString graph_caption(const Model& model, size_t index) {
  const Graph& g = model.graphs[index];
  QString kind;
  switch (g.kind) {
    case GraphKind::Subgraph:
      kind = "subgraph";
      break;
    case GraphKind::Method:
      kind = "method";
      break;
    case GraphKind::DelegateBlob:
      kind = "delegate graph";
      break;
  }
  QString name = QString::fromStdString(g.name);
  if (name.isEmpty()) name = QString("#%1").arg(index);
  QString caption = QString("%1  (%2, %3 nodes)").arg(name, kind).arg(g.nodes.size());
  if (g.parent_graph >= 0) caption = "    ↳ " + caption + QString(" — node %1").arg(g.parent_node);
  return caption;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("MainWindow");
  setWindowTitle("EdgeLens");
  setAcceptDrops(true);
  canvas_ = new GraphCanvas(context_, this);
  setCentralWidget(canvas_);
  layout_ = new LayoutController(this);
  run_ = new RunController(context_, this);
  buildDocks();
  buildActions();
  partition_ = new PartitionController(this, context_, canvas_);
  connect(partition_, &PartitionController::failed, this,
          [this](const QString& message) { showError(tr("Delegate"), message); });
  quant_ = new QuantController(this, context_, canvas_);
  profile_ = new ProfileController(this, context_, canvas_);
  connect(profile_, &ProfileController::profileFinished, this,
          [this] { flash(profile_->lastMessage()); });

  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(180);
  progress_->setVisible(false);
  cancel_button_ = new QToolButton(this);
  cancel_button_->setText(tr("Cancel"));
  cancel_button_->setToolTip(tr("Cancel the layout (Esc)"));
  cancel_button_->setVisible(false);
  status_label_ = new QLabel(this);
  statusBar()->addWidget(status_label_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_button_);
  run_->attachStatusBar(statusBar());
  connect(run_, &RunController::runFinished, this, [this] { flash(run_->lastMessage()); });
  connect(cancel_button_, &QToolButton::clicked, layout_, &LayoutController::cancel);

  connect(layout_, &LayoutController::started, this, [this] {
    progress_->setValue(0);
    progress_->setVisible(true);
    cancel_button_->setVisible(true);
    layout_stage_ = tr("laying out…");
    updateStatus();
  });
  connect(layout_, &LayoutController::progress, this,
          [this](double fraction, const QString& stage) {
            progress_->setValue(static_cast<int>(fraction * 1000));
            layout_stage_ = stage;
            updateStatus();
          });
  const auto done = [this] {
    progress_->setVisible(false);
    cancel_button_->setVisible(false);
    layout_stage_.clear();
  };
  connect(layout_, &LayoutController::finished, this,
          [this, done](const CanvasView& view, std::optional<layout::GroupId> anchor) {
            done();
            canvas_->setView(view, anchor);
            updateStatus();
          });
  connect(layout_, &LayoutController::cancelled, this, [this, done] {
    done();
    flash(tr("Layout cancelled; the previous view stays"));
    updateStatus();
  });
  connect(layout_, &LayoutController::failed, this, [this, done](const QString& message) {
    done();
    showError(tr("Layout failed"), message);
    updateStatus();
  });
  connect(canvas_, &GraphCanvas::toggleGroupRequested, layout_,
          [this](layout::GroupId group) { layout_->toggleGroup(group); });
  connect(canvas_, &GraphCanvas::revealNodeRequested, layout_, &LayoutController::revealNode);
  connect(&context_, &inspect::SessionContext::modelsChanged, this, &MainWindow::onModelsChanged);
  connect(&context_, &inspect::SessionContext::modelChanged, this, &MainWindow::onModelChanged);
  connect(&context_, &inspect::SessionContext::graphChanged, this, &MainWindow::onGraphChanged);
  connect(&context_, &inspect::SessionContext::nodeChanged, this, &MainWindow::updateStatus);

  QSettings settings;
  setTheme(theme_from_name(settings.value("theme", "light").toString()));
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 900);
  restoreState(settings.value("window/state").toByteArray());
  rebuildRecentMenu();
  updateStatus();
}

MainWindow::~MainWindow() {
  // Panels hold references to context_, a member that dies before QObject children do: delete the
  // worker (it waits for a running layout) and the panels first.
  delete layout_;
  qDeleteAll(findChildren<QDockWidget*>(Qt::FindDirectChildrenOnly));
  delete takeCentralWidget();
}

void MainWindow::buildDocks() {
  const auto dock = [this](const QString& title, const QString& name, QWidget* panel,
                           Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);  // restoreState needs stable names
    d->setWidget(panel);
    addDockWidget(area, d);
    return d;
  };
  model_panel_ = new inspect::ModelPanel(context_, this);
  search_panel_ = new inspect::SearchPanel(context_, this);
  bookmarks_panel_ = new inspect::BookmarksPanel(context_, this);
  node_inspector_ = new inspect::NodeInspector(context_, this);
  tensor_viewer_ = new inspect::TensorViewer(context_, this);
  auto* model_dock = dock(tr("Model"), "modelDock", model_panel_, Qt::LeftDockWidgetArea);
  auto* search_dock = dock(tr("Search"), "searchDock", search_panel_, Qt::LeftDockWidgetArea);
  auto* bookmarks_dock =
      dock(tr("Bookmarks"), "bookmarksDock", bookmarks_panel_, Qt::LeftDockWidgetArea);
  tabifyDockWidget(model_dock, search_dock);
  tabifyDockWidget(search_dock, bookmarks_dock);
  model_dock->raise();
  auto* node_dock = dock(tr("Node"), "nodeDock", node_inspector_, Qt::RightDockWidgetArea);
  auto* tensor_dock = dock(tr("Tensor"), "tensorDock", tensor_viewer_, Qt::RightDockWidgetArea);
  splitDockWidget(node_dock, tensor_dock, Qt::Vertical);
  resizeDocks({model_dock, node_dock}, {330, 380}, Qt::Horizontal);
  connect(&context_, &inspect::SessionContext::tensorChanged, this, [tensor_dock, this] {
    if (context_.tensor()) tensor_dock->raise();
  });
}

void MainWindow::buildActions() {
  auto* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openDialog);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addAction(tr("&Close Model"), QKeySequence::Close, this,
                  [this] { context_.closeModel(context_.currentModelIndex()); });
  file->addSeparator();
  file->addAction(tr("Save &Screenshot…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"), "edgelens.png",
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty() && !grab().save(path))
      showError(tr("Screenshot"), tr("Could not write %1").arg(path));
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  auto* toolbar = addToolBar(tr("Graph"));
  toolbar->setObjectName("graphToolbar");
  model_box_ = new QComboBox(this);
  model_box_->setObjectName("modelSelector");
  model_box_->setToolTip(tr("Open models"));
  model_box_action_ = toolbar->addWidget(model_box_);
  model_box_action_->setVisible(false);
  connect(model_box_, &QComboBox::activated, &context_, &inspect::SessionContext::setCurrentModel);
  graph_box_ = new QComboBox(this);
  graph_box_->setObjectName("graphSelector");
  graph_box_->setToolTip(tr("Graph: subgraphs, methods, delegate graphs"));
  graph_box_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  toolbar->addWidget(graph_box_);
  connect(graph_box_, &QComboBox::activated, this,
          [this](int i) { context_.setCurrentGraph(graph_box_->itemData(i).toInt()); });

  auto* view = menuBar()->addMenu(tr("&View"));
  // Canvas-scoped shortcuts: Space and +/- must keep working as text in line edits.
  const auto canvas_action = [this, view, toolbar](const QString& text, const QKeySequence& key,
                                                   auto&& fn, bool on_toolbar) {
    auto* a = view->addAction(text, this, fn);
    a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    canvas_->addAction(a);
    if (on_toolbar) toolbar->addAction(a);
    return a;
  };
  canvas_action(
      tr("&Fit"), QKeySequence(Qt::Key_Space), [this] { canvas_->fitToView(); }, true);
  canvas_action(
      tr("Zoom &In"), QKeySequence(Qt::Key_Plus), [this] { canvas_->zoomBy(1.25); }, false);
  canvas_action(
      tr("Zoom &Out"), QKeySequence(Qt::Key_Minus), [this] { canvas_->zoomBy(0.8); }, false);
  view->addSeparator();
  auto* expand_all = view->addAction(tr("&Expand All"), this, [this] { layout_->expandAll(); });
  expand_all->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  auto* collapse_all =
      view->addAction(tr("&Collapse All"), this, [this] { layout_->collapseAll(); });
  collapse_all->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
  toolbar->addAction(expand_all);
  toolbar->addAction(collapse_all);
  auto* cancel = view->addAction(tr("Cancel &Layout"), this, [this] { layout_->cancel(); });
  cancel->setShortcut(QKeySequence(Qt::Key_Escape));
  view->addSeparator();
  auto* themes = view->addMenu(tr("&Theme"));
  auto* theme_group = new QActionGroup(this);
  for (Theme t : {Theme::Light, Theme::Dark}) {
    auto* a = themes->addAction(t == Theme::Light ? tr("Light") : tr("Dark"), this,
                                [this, t] { setTheme(t); });
    a->setCheckable(true);
    a->setObjectName("theme_" + theme_name(t));
    theme_group->addAction(a);
  }
  buildRunActions(view);
  view->addSeparator();
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

  auto* nav = menuBar()->addMenu(tr("&Navigate"));
  nav->addAction(tr("&Find…"), QKeySequence::Find, this, [this] {
    if (auto* d = qobject_cast<QDockWidget*>(search_panel_->parentWidget())) {
      d->show();
      d->raise();
    }
    search_panel_->focusQuery();
  });
  nav->addAction(tr("Find &Next"), QKeySequence(Qt::Key_F3), search_panel_,
                 &inspect::SearchPanel::next);
  nav->addAction(tr("Find &Previous"), QKeySequence(Qt::SHIFT | Qt::Key_F3), search_panel_,
                 &inspect::SearchPanel::previous);
  nav->addSeparator();
  nav->addAction(tr("Toggle &Bookmark"), QKeySequence(Qt::CTRL | Qt::Key_B), this, [this] {
    context_.toggleBookmark({context_.currentGraph(), context_.currentNode()});
  });
  auto* jumps = nav->addMenu(tr("&Go to Bookmark"));
  for (int i = 0; i < 9; ++i)
    jumps->addAction(tr("Bookmark %1").arg(i + 1), QKeySequence(Qt::CTRL | (Qt::Key_1 + i)), this,
                     [this, i] { context_.jumpToBookmark(i); });
  nav->addSeparator();
  nav->addAction(tr("Producer\tUp"), this, [this] { canvas_->walk(Qt::Key_Up); });
  nav->addAction(tr("Consumer\tDown"), this, [this] { canvas_->walk(Qt::Key_Down); });
  nav->addAction(tr("Previous Sibling\tLeft"), this, [this] { canvas_->walk(Qt::Key_Left); });
  nav->addAction(tr("Next Sibling\tRight"), this, [this] { canvas_->walk(Qt::Key_Right); });
}

bool MainWindow::openFile(const QString& path, QString* error) {
  QElapsedTimer timer;
  timer.start();
  std::shared_ptr<const Model> model;
  QApplication::setOverrideCursor(Qt::WaitCursor);
  try {
    model = open_model(path.toStdString());
  } catch (const std::exception& e) {
    QApplication::restoreOverrideCursor();
    const QString message = QString::fromUtf8(e.what());
    if (error) *error = message;
    if (interactive_errors_)
      showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), message);
    return false;
  }
  QApplication::restoreOverrideCursor();
  addRecentFile(QFileInfo(path).absoluteFilePath());
  context_.addModel(std::move(model));
  flash(tr("opened in %1 ms").arg(timer.elapsed()));
  return true;
}

void MainWindow::showError(const QString& title, const QString& message) {
  if (interactive_errors_)
    QMessageBox::critical(this, title, message);
  else
    qWarning("%s: %s", qPrintable(title), qPrintable(message));
}

void MainWindow::openDialog() {
  QSettings settings;
  const QStringList paths =
      QFileDialog::getOpenFileNames(this, tr("Open model"), settings.value("lastDir").toString(),
                                    tr("Models (*.tflite *.pte *.bpte);;All files (*)"));
  for (const QString& p : paths) {
    settings.setValue("lastDir", QFileInfo(p).absolutePath());
    openFile(p);
  }
}

QStringList MainWindow::recentFiles() const {
  return QSettings().value("recentFiles").toStringList();
}

void MainWindow::addRecentFile(const QString& path) {
  QStringList files = recentFiles();
  files.removeAll(path);
  files.prepend(path);
  while (files.size() > kMaxRecent) files.removeLast();
  QSettings().setValue("recentFiles", files);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  const QStringList files = recentFiles();
  for (const QString& f : files) recent_menu_->addAction(f, this, [this, f] { openFile(f); });
  if (!files.isEmpty()) {
    recent_menu_->addSeparator();
    recent_menu_->addAction(tr("Clear"), this, [this] {
      QSettings().remove("recentFiles");
      rebuildRecentMenu();
    });
  }
  recent_menu_->setEnabled(!files.isEmpty());
}

void MainWindow::onModelsChanged() {
  model_box_->clear();
  for (int i = 0; i < context_.modelCount(); ++i) {
    const auto model = context_.modelAt(i);
    model_box_->addItem(QFileInfo(QString::fromStdString(model->path)).fileName(), i);
  }
  model_box_action_->setVisible(context_.modelCount() > 1);
}

void MainWindow::onModelChanged() {
  const Model* model = context_.model();
  setWindowTitle(
      model
          ? QString("%1 — EdgeLens").arg(QFileInfo(QString::fromStdString(model->path)).fileName())
          : QString("EdgeLens"));
  if (context_.currentModelIndex() < model_box_->count())
    model_box_->setCurrentIndex(context_.currentModelIndex());
  fillGraphSelector();
}

void MainWindow::fillGraphSelector() {
  graph_box_->clear();
  const Model* model = context_.model();
  if (!model) return;
  for (size_t i = 0; i < model->graphs.size(); ++i)
    graph_box_->addItem(graph_caption(*model, i), static_cast<int>(i));
  graph_box_->setEnabled(model->graphs.size() > 1);
}

void MainWindow::onGraphChanged() {
  const int g = context_.currentGraph();
  if (const int idx = graph_box_->findData(g); idx >= 0) graph_box_->setCurrentIndex(idx);
  canvas_->clear();
  if (context_.model() && g >= 0) layout_->setGraph(context_.modelPtr(), g);
  updateStatus();
}

void MainWindow::updateStatus() {
  const Graph* g = context_.graph();
  QString text;
  if (g) {
    text = tr("%1 nodes, %2 tensors").arg(g->nodes.size()).arg(g->tensors.size());
    if (const auto& view = canvas_->view(); view.scene)
      text += tr(" · %1 boxes · layout %2 ms")
                  .arg(view.scene->items.size())
                  .arg(layout_->lastLayoutMs(), 0, 'f', 0);
    if (const Node* n = context_.node())
      text += tr(" · node %1 %2").arg(n->id).arg(QString::fromStdString(n->op.name));
  }
  if (!layout_stage_.isEmpty()) text += " · " + layout_stage_;
  if (!flash_.isEmpty()) text += " · " + flash_;
  status_label_->setText(text);
}

void MainWindow::setTheme(Theme theme) {
  theme_ = theme;
  if (auto* app = qobject_cast<QApplication*>(QCoreApplication::instance()))
    apply_theme(*app, theme);
  canvas_->setColors(canvas_colors(theme));
  if (auto* a = findChild<QAction*>("theme_" + theme_name(theme))) a->setChecked(true);
  QSettings().setValue("theme", theme_name(theme));
}

void MainWindow::flash(const QString& message) {
  // One status line (QStatusBar's temporary messages would hide it): the message shows for 5 s.
  flash_ = message;
  updateStatus();
  QTimer::singleShot(5000, this, [this, message] {
    if (flash_ == message) flash_.clear();
    updateStatus();
  });
}

bool MainWindow::waitForLayout(int timeout_ms) {
  return layout_->waitForIdle(timeout_ms);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  layout_->cancel();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) openFile(url.toLocalFile());
  event->acceptProposedAction();
}

}  // namespace edgelens::gui

namespace edgelens::gui {

void MainWindow::setInteractiveErrors(bool on) {
  interactive_errors_ = on;
  run_->setInteractive(on);
  profile_->setInteractive(on);
}

void MainWindow::buildRunActions(QMenu* view) {
  view->addSeparator();
  auto* overlay = view->addMenu(tr("Colour by &Run Statistic"));
  auto* overlay_group = new QActionGroup(this);
  using inspect::RunStatistic;
  for (RunStatistic s : {RunStatistic::None, RunStatistic::MaxAbs, RunStatistic::Mean,
                         RunStatistic::Std, RunStatistic::NanCount}) {
    const auto name = inspect::statistic_name(s);
    auto* a =
        overlay->addAction(QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size())),
                           this, [this, s] { canvas_->setOverlay(s); });
    a->setCheckable(true);
    a->setChecked(s == RunStatistic::None);
    overlay_group->addAction(a);
  }
  auto* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(tr("&Run…"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::runDialog);
  run->addAction(tr("Run with &Ramp Inputs"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this,
                 [this] { run_->start({}); });
  run->addAction(tr("&Cancel Run"), this, [this] { run_->cancel(); });
}

void MainWindow::runDialog() {
  const Graph* main_graph = context_.model() && !context_.model()->graphs.empty()
                                ? &context_.model()->graphs[0]
                                : nullptr;
  if (!main_graph) return flash(tr("Open a model first"));
  if (run_->running()) return flash(tr("A run is in progress"));
  RunDialog dialog(*main_graph, this);
  if (dialog.exec() == QDialog::Accepted && !run_->start(dialog.specs()))
    flash(tr("Cannot start the run"));
}

}  // namespace edgelens::gui
