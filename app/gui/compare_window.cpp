#include "compare_window.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "edgelens/model_io/open.h"
#include "graph_canvas.h"
#include "layout_controller.h"
#include "legend_frame.h"
#include "main_window.h"
#include "run_overlay.h"

namespace edgelens::gui {

namespace cmp = runtime::compare;

namespace {

QColor change_color(cmp::ChangeKind kind) {
  switch (kind) {
    case cmp::ChangeKind::Changed:
      return QColor(255, 196, 110);
    case cmp::ChangeKind::Added:
      return QColor(140, 215, 140);
    case cmp::ChangeKind::Removed:
      return QColor(255, 140, 140);
    case cmp::ChangeKind::Same:
      break;
  }
  return QColor();
}

QString side_name(CompareSide side) {
  return side == CompareSide::A ? "A" : "B";
}

}  // namespace

// --- colouring -----------------------------------------------------------------------------------

CompareColoring::CompareColoring(std::shared_ptr<const Model> model, CompareSide side,
                                 CompareOverlay overlay, const cmp::StructuralDiff& structure,
                                 const cmp::NumericDiff* numeric)
    : model_(std::move(model)), side_(side), overlay_(overlay) {
  const size_t nodes = model_->graphs.empty() ? 0 : model_->graphs[0].nodes.size();
  change_.resize(nodes);
  value_.resize(nodes);
  const auto& index = side == CompareSide::A ? structure.a_to_b : structure.b_to_a;
  for (size_t n = 0; n < nodes && n < index.size(); ++n) {
    const int32_t c = index[n];
    if (c < 0 || static_cast<size_t>(c) >= structure.nodes.size()) continue;
    change_[n] = structure.nodes[static_cast<size_t>(c)].kind;
    ++counts_[static_cast<int>(*change_[n])];
  }
  if (overlay_ == CompareOverlay::Changes || !numeric || !numeric->ran) return;
  bool any = false;
  auto take = [&](const cmp::TensorDiff& d) {
    if (!d.skipped.empty() || d.metrics.count == 0) return;
    const int32_t node = side == CompareSide::A ? d.pair.node_a : d.pair.node_b;
    if (node < 0 || static_cast<size_t>(node) >= nodes) return;
    const double v = overlay_ == CompareOverlay::MaxAbs ? d.metrics.max_abs : d.metrics.rmse;
    if (!std::isfinite(v)) return;
    auto& slot = value_[static_cast<size_t>(node)];
    slot = slot ? std::max(*slot, v) : v;
    lo_ = any ? std::min(lo_, v) : v;
    hi_ = any ? std::max(hi_, v) : v;
    any = true;
  };
  for (const auto& d : numeric->outputs) take(d);
  for (const auto& d : numeric->intermediates) take(d);
}

bool CompareColoring::appliesTo(const Model* model, int graph) const {
  return model == model_.get() && graph == 0;
}

std::optional<cmp::ChangeKind> CompareColoring::changeOf(uint32_t node) const {
  return node < change_.size() ? change_[node] : std::nullopt;
}
std::optional<double> CompareColoring::valueOf(uint32_t node) const {
  return node < value_.size() ? value_[node] : std::nullopt;
}

std::optional<QColor> CompareColoring::colorForNode(uint32_t node) const {
  if (overlay_ != CompareOverlay::Changes) {
    const auto v = valueOf(node);
    if (!v) return std::nullopt;
    return overlay_color(hi_ > lo_ ? (*v - lo_) / (hi_ - lo_) : 0.0);
  }
  const auto kind = changeOf(node);
  if (!kind || *kind == cmp::ChangeKind::Same) return std::nullopt;
  return change_color(*kind);
}

void CompareColoring::drawLegend(QPainter& p, const QRectF& area,
                                 const CanvasColors& colors) const {
  const bool numeric = overlay_ != CompareOverlay::Changes;
  const LegendFrame frame(p, area, 250, 52, colors);
  const QRectF& box = frame.box();
  const QRectF title(box.left() + 10, box.top() + 4, box.width() - 20, 16);
  if (numeric) {
    p.drawText(
        title, Qt::AlignLeft,
        QObject::tr("%1: %2 of the matched outputs")
            .arg(side_name(side_),
                 overlay_ == CompareOverlay::MaxAbs ? QString("max |b − a|") : QString("rmse")));
    const QRectF bar(box.left() + 10, box.top() + 22, box.width() - 20, 10);
    draw_ramp_bar(p, bar);
    const QRectF labels(box.left() + 10, bar.bottom() + 1, box.width() - 20, 14);
    draw_range_labels(p, labels, QString::number(lo_, 'g', 3), QString::number(hi_, 'g', 3));
  } else {
    p.drawText(title, Qt::AlignLeft,
               QObject::tr("%1: %2 same").arg(side_name(side_)).arg(counts_[0]));
    double x = box.left() + 10;
    const double y = box.top() + 26;
    const cmp::ChangeKind own =
        side_ == CompareSide::A ? cmp::ChangeKind::Removed : cmp::ChangeKind::Added;
    for (cmp::ChangeKind kind : {cmp::ChangeKind::Changed, own}) {
      p.fillRect(QRectF(x, y + 2, 12, 12), change_color(kind));
      const auto name = cmp::change_kind_name(kind);
      const QString text =
          QString("%1 %2")
              .arg(counts_[static_cast<int>(kind)])
              .arg(QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size())));
      p.drawText(QRectF(x + 16, y, 100, 16), Qt::AlignLeft, text);
      x += 115;
    }
  }
}

// --- one side ------------------------------------------------------------------------------------

class ComparePane : public QWidget {
 public:
  ComparePane(std::shared_ptr<const Model> model, const QString& caption, QWidget* parent)
      : QWidget(parent),
        canvas_(new GraphCanvas(context_, this)),
        layout_(new LayoutController(this)) {
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(0, 0, 0, 0);
    box->setSpacing(2);
    auto* title = new QLabel(caption, this);
    title->setContentsMargins(6, 2, 6, 2);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    box->addWidget(title);
    box->addWidget(canvas_, 1);
    connect(layout_, &LayoutController::finished, this,
            [this](const CanvasView& view, std::optional<layout::GroupId> anchor) {
              canvas_->setView(view, anchor);
            });
    connect(canvas_, &GraphCanvas::toggleGroupRequested, layout_,
            [this](layout::GroupId group) { layout_->toggleGroup(group); });
    connect(canvas_, &GraphCanvas::revealNodeRequested, layout_, &LayoutController::revealNode);
    connect(&context_, &inspect::SessionContext::graphChanged, this, [this] {
      canvas_->clear();
      if (context_.model() && context_.currentGraph() >= 0)
        layout_->setGraph(context_.modelPtr(), context_.currentGraph());
    });
    context_.addModel(std::move(model));
    if (context_.currentGraph() < 0) context_.setCurrentGraph(0);
  }

  inspect::SessionContext context_;
  GraphCanvas* canvas_;
  LayoutController* layout_;
};

// --- window --------------------------------------------------------------------------------------

CompareWindow::CompareWindow(std::shared_ptr<const Model> a, std::shared_ptr<const Model> b,
                             QWidget* parent)
    : QMainWindow(parent), a_(std::move(a)), b_(std::move(b)) {
  structure_ = cmp::diff_structure(*a_, *b_);
  const QString name_a = QFileInfo(QString::fromStdString(a_->path)).fileName();
  const QString name_b = QFileInfo(QString::fromStdString(b_->path)).fileName();
  setWindowTitle(tr("%1 ↔ %2 — EdgeLens").arg(name_a, name_b));

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  pane_a_ = new ComparePane(a_, tr("A: %1").arg(name_a), splitter);
  pane_b_ = new ComparePane(b_, tr("B: %1").arg(name_b), splitter);
  splitter->addWidget(pane_a_);
  splitter->addWidget(pane_b_);
  setCentralWidget(splitter);

  auto* bar = addToolBar(tr("Compare"));
  bar->setMovable(false);
  bar->addWidget(new QLabel(tr(" Colour: "), bar));
  overlay_box_ = new QComboBox(bar);
  overlay_box_->addItem(tr("Changes (added / removed / changed)"));
  overlay_box_->addItem(tr("Numeric diff: max |b − a|"));
  overlay_box_->addItem(tr("Numeric diff: rmse"));
  bar->addWidget(overlay_box_);
  summary_ = new QLabel(bar);
  summary_->setContentsMargins(12, 0, 6, 0);
  bar->addWidget(summary_);
  connect(overlay_box_, &QComboBox::activated, this,
          [this](int index) { setOverlay(static_cast<CompareOverlay>(index)); });

  connect(&pane_a_->context_, &inspect::SessionContext::nodeChanged, this,
          [this] { onNodeChanged(CompareSide::A); });
  connect(&pane_b_->context_, &inspect::SessionContext::nodeChanged, this,
          [this] { onNodeChanged(CompareSide::B); });
  summary_->setText(summary());
  applyColorings();
  resize(1400, 800);
}

CompareWindow::~CompareWindow() {
  pane_a_->layout_->cancel();
  pane_b_->layout_->cancel();
}

std::unique_ptr<CompareWindow> CompareWindow::open(const QString& a, const QString& b,
                                                   QString* error) {
  try {
    std::shared_ptr<const Model> ma = open_model(a.toStdString());
    std::shared_ptr<const Model> mb = open_model(b.toStdString());
    return std::make_unique<CompareWindow>(std::move(ma), std::move(mb));
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return nullptr;
  }
}

void CompareWindow::installAction(MainWindow& window) {
  QMenu* file = nullptr;
  for (QAction* action : window.menuBar()->actions())
    if (action->menu() && action->text().remove('&') == tr("File")) file = action->menu();
  if (!file) file = window.menuBar()->addMenu(tr("&File"));
  auto* compare = new QAction(tr("&Compare With…"), &window);
  compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  QObject::connect(compare, &QAction::triggered, &window, [&window] {
    const auto model = window.context().modelPtr();
    if (!model) {
      QMessageBox::information(&window, tr("Compare"), tr("Open a model first (it becomes A)."));
      return;
    }
    const QString path = QFileDialog::getOpenFileName(
        &window, tr("Compare %1 with").arg(QString::fromStdString(model->path)),
        QFileInfo(QString::fromStdString(model->path)).absolutePath(),
        tr("Models (*.tflite *.pte *.bpte *.json);;All files (*)"));
    if (path.isEmpty()) return;
    try {
      std::shared_ptr<const Model> b = open_model(path.toStdString());
      auto* w = new CompareWindow(model, std::move(b));
      w->setAttribute(Qt::WA_DeleteOnClose);
      w->show();
    } catch (const std::exception& e) {
      QMessageBox::critical(&window, tr("Cannot open %1").arg(path), QString::fromUtf8(e.what()));
    }
  });
  QAction* before = nullptr;
  for (QAction* a : file->actions())
    if (a->text().startsWith(tr("Save &Screenshot"))) before = a;
  file->insertAction(before, compare);
}

inspect::SessionContext& CompareWindow::context(CompareSide side) {
  return side == CompareSide::A ? pane_a_->context_ : pane_b_->context_;
}
GraphCanvas* CompareWindow::canvas(CompareSide side) const {
  return side == CompareSide::A ? pane_a_->canvas_ : pane_b_->canvas_;
}
LayoutController* CompareWindow::layoutController(CompareSide side) const {
  return side == CompareSide::A ? pane_a_->layout_ : pane_b_->layout_;
}

int CompareWindow::mappedNode(CompareSide side, int node) const {
  const auto& index = side == CompareSide::A ? structure_.a_to_b : structure_.b_to_a;
  if (node < 0 || static_cast<size_t>(node) >= index.size()) return -1;
  const int32_t c = index[static_cast<size_t>(node)];
  if (c < 0 || static_cast<size_t>(c) >= structure_.nodes.size()) return -1;
  const auto& change = structure_.nodes[static_cast<size_t>(c)];
  return side == CompareSide::A ? change.node_b : change.node_a;
}

void CompareWindow::onNodeChanged(CompareSide from) {
  if (syncing_) return;
  auto& source = context(from);
  const CompareSide to = from == CompareSide::A ? CompareSide::B : CompareSide::A;
  if (source.currentGraph() != 0) return;  // the mapping covers graph 0
  const int mapped = mappedNode(from, source.currentNode());
  syncing_ = true;
  auto& target = context(to);
  if (target.currentGraph() != 0) target.setCurrentGraph(0);
  target.setCurrentNode(mapped);  // -1 (added/removed) clears the other side's selection
  if (mapped >= 0)
    if (auto item = canvas(to)->itemForNode(mapped)) {
      const auto& r = canvas(to)->view().scene->items[*item].rect;
      canvas(to)->centerOn(QPointF(r.x + r.w / 2, r.y + r.h / 2));
    }
  syncing_ = false;
  statusBar()->showMessage(mapped >= 0 ? tr("%1 node %2 ↔ %3 node %4")
                                             .arg(side_name(from))
                                             .arg(source.currentNode())
                                             .arg(side_name(to))
                                             .arg(mapped)
                                       : tr("%1 node %2 has no counterpart in %3")
                                             .arg(side_name(from))
                                             .arg(source.currentNode())
                                             .arg(side_name(to)));
}

void CompareWindow::computeNumeric() {
  if (numeric_) return;
  QApplication::setOverrideCursor(Qt::WaitCursor);
  try {
    const auto samples = cmp::ramp_sample(*a_, *b_);
    numeric_ = cmp::diff_numbers(*a_, *b_, structure_, samples, true);
  } catch (const std::exception& e) {
    numeric_ = cmp::NumericDiff{};
    numeric_->why_not = e.what();
  }
  QApplication::restoreOverrideCursor();
}

void CompareWindow::setOverlay(CompareOverlay overlay) {
  overlay_ = overlay;
  if (overlay_ != CompareOverlay::Changes) computeNumeric();
  if (overlay_box_->currentIndex() != static_cast<int>(overlay))
    overlay_box_->setCurrentIndex(static_cast<int>(overlay));
  summary_->setText(summary());
  applyColorings();
}

void CompareWindow::applyColorings() {
  const cmp::NumericDiff* numeric = numeric_ ? &*numeric_ : nullptr;
  pane_a_->canvas_->setNodeColoring(
      std::make_shared<CompareColoring>(a_, CompareSide::A, overlay_, structure_, numeric));
  pane_b_->canvas_->setNodeColoring(
      std::make_shared<CompareColoring>(b_, CompareSide::B, overlay_, structure_, numeric));
}

QString CompareWindow::summary() const {
  QString text = tr("%1 same, %2 changed, %3 added, %4 removed")
                     .arg(structure_.same)
                     .arg(structure_.changed)
                     .arg(structure_.added)
                     .arg(structure_.removed);
  if (numeric_) {
    if (numeric_->ran)
      text += tr("   outputs: max |b − a| %1, rmse %2")
                  .arg(numeric_->all_outputs.max_abs, 0, 'g', 3)
                  .arg(numeric_->all_outputs.rmse, 0, 'g', 3);
    else
      text += tr("   no numeric diff: %1").arg(QString::fromStdString(numeric_->why_not));
  }
  return text;
}

bool CompareWindow::waitForLayout(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  bool ok = pane_a_->layout_->waitForIdle(timeout_ms);
  const int left = std::max(1, timeout_ms - static_cast<int>(timer.elapsed()));
  ok = pane_b_->layout_->waitForIdle(left) && ok;
  QApplication::processEvents();
  return ok;
}

}  // namespace edgelens::gui
