#include "partition_controller.h"

#include <QAction>
#include <QActionGroup>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPainter>
#include <QToolBar>

#include <algorithm>

#include "edgelens/inspectors/partition_panel.h"
#include "graph_canvas.h"
#include "legend_frame.h"

namespace edgelens::gui {
namespace {

constexpr int kLegendPartitions = 6;  // partitions listed by name; the rest are summed up

QString choice_caption(const std::string& name) {
  if (name == "xnnpack") return QObject::tr("XNNPACK");
  if (name == "xnnpack-local") return QObject::tr("XNNPACK (local rules)");
  return QString::fromStdString(name) + QObject::tr(" (what-if profile)");
}

}  // namespace

PartitionColoring::PartitionColoring(std::shared_ptr<const Model> model,
                                     std::shared_ptr<const delegate::PartitionReport> report)
    : model_(std::move(model)), report_(std::move(report)) {
  node_color_.assign(report_->nodes.size(), inspect::cpu_fallback_color());
  int delegated = 0;
  for (const auto& subset : report_->subsets) {
    if (subset.kind != delegate::NodeSubset::Kind::Delegate) continue;
    for (uint32_t n : subset.nodes)
      if (n < node_color_.size()) node_color_[n] = inspect::partition_color(delegated);
    ++delegated;
  }
}

bool PartitionColoring::appliesTo(const Model* model, int graph) const {
  return model == model_.get() && graph == static_cast<int>(report_->graph);
}

std::optional<QColor> PartitionColoring::colorForNode(uint32_t node) const {
  if (node >= node_color_.size()) return std::nullopt;
  return node_color_[node];
}

void PartitionColoring::drawLegend(QPainter& p, const QRectF& area,
                                   const CanvasColors& colors) const {
  std::vector<std::pair<QColor, QString>> rows;
  int delegated = 0;
  int rest_nodes = 0, rest_partitions = 0;
  for (const auto& subset : report_->subsets) {
    if (subset.kind != delegate::NodeSubset::Kind::Delegate) continue;
    if (delegated < kLegendPartitions)
      rows.emplace_back(inspect::partition_color(delegated),
                        QObject::tr("partition %1: %2")
                            .arg(delegated + 1)
                            .arg(inspect::count_text(int(subset.nodes.size()), "node", "nodes")));
    else
      rest_nodes += int(subset.nodes.size()), ++rest_partitions;
    ++delegated;
  }
  if (rest_partitions > 0)
    rows.emplace_back(QColor(Qt::transparent),
                      QObject::tr("… %1 more: %2")
                          .arg(inspect::count_text(rest_partitions, "partition", "partitions"),
                               inspect::count_text(rest_nodes, "node", "nodes")));
  rows.emplace_back(
      inspect::cpu_fallback_color(),
      QObject::tr("CPU fallback: %1").arg(inspect::count_text(report_->cpu_ops, "node", "nodes")));

  const QFontMetricsF metrics(legend_font(p));
  const QString title = inspect::partition_summary(*report_);
  double width = metrics.horizontalAdvance(title) + 20;
  for (const auto& row : rows) width = std::max(width, metrics.horizontalAdvance(row.second) + 40);
  width = std::min(width, area.width() - 20);
  const double line = 16;
  const double height = 10 + line * double(rows.size() + 1);
  const LegendFrame frame(p, area, width, height, colors);
  const QRectF& box = frame.box();
  p.drawText(QRectF(box.left() + 10, box.top() + 5, box.width() - 20, line),
             Qt::AlignLeft | Qt::AlignVCenter,
             metrics.elidedText(title, Qt::ElideRight, box.width() - 20));
  double y = box.top() + 5 + line;
  for (const auto& [color, text] : rows) {
    if (color.alpha() > 0) {
      p.setPen(QPen(colors.node_border, 1));
      p.setBrush(color);
      p.drawRect(QRectF(box.left() + 10, y + 3, 18, 10));
    }
    p.setPen(colors.node_text);
    p.drawText(QRectF(box.left() + 34, y, box.width() - 44, line), Qt::AlignLeft | Qt::AlignVCenter,
               text);
    y += line;
  }
}

PartitionController::PartitionController(QMainWindow* window, inspect::SessionContext& context,
                                         GraphCanvas* canvas)
    : QObject(window), window_(window), context_(context), canvas_(canvas) {
  panel_ = new inspect::PartitionPanel(context_, window_);
  dock_ = new QDockWidget(tr("Partitions"), window_);
  dock_->setObjectName("partitionDock");
  dock_->setWidget(panel_);
  window_->addDockWidget(Qt::LeftDockWidgetArea, dock_);
  if (auto* model_dock = window_->findChild<QDockWidget*>("modelDock"))
    window_->tabifyDockWidget(model_dock, dock_);

  const auto names = delegate::available_delegates();
  auto* menu = window_->menuBar()->addMenu(tr("&Delegate"));
  menu_group_ = new QActionGroup(this);
  const auto add_choice = [this, menu](const QString& caption, const QString& name) {
    auto* a = menu->addAction(caption, this, [this, name] {
      QString error;
      if (!setDelegate(name, &error)) emit failed(error);
    });
    a->setCheckable(true);
    a->setData(name);
    menu_group_->addAction(a);
  };
  add_choice(tr("None"), QString());
  for (const auto& n : names) add_choice(choice_caption(n), QString::fromStdString(n));
  menu->addSeparator();
  menu->addAction(tr("Profile &File…"), this, &PartitionController::chooseProfileFile);
  menu->addSeparator();
  menu->addAction(dock_->toggleViewAction());

  selector_ = new QComboBox(window_);
  selector_->setObjectName("delegateSelector");
  selector_->setToolTip(tr("Colour nodes by the partitions a delegate would form"));
  selector_->addItem(tr("Delegate: none"), QString());
  for (const auto& n : names)
    selector_->addItem(tr("Delegate: %1").arg(choice_caption(n)), QString::fromStdString(n));
  if (auto* toolbar = window_->findChild<QToolBar*>("graphToolbar")) {
    toolbar->addSeparator();
    toolbar->addWidget(selector_);
  }
  connect(selector_, &QComboBox::activated, this, [this](int index) {
    QString error;
    if (!setDelegate(selector_->itemData(index).toString(), &error)) emit failed(error);
  });
  connect(&context_, &inspect::SessionContext::modelChanged, this, &PartitionController::recompute);
  connect(&context_, &inspect::SessionContext::graphChanged, this, &PartitionController::recompute);
  syncChoice();
}

bool PartitionController::setDelegate(const QString& name_or_path, QString* error) {
  QString name = name_or_path.trimmed();
  if (name.compare("none", Qt::CaseInsensitive) == 0) name.clear();
  // Names are case-insensitive ("XNNPACK"); paths are taken as given.
  if (!name.endsWith(".json", Qt::CaseInsensitive) && !name.contains('/')) name = name.toLower();
  std::unique_ptr<delegate::DelegateRules> rules;
  if (!name.isEmpty()) {
    try {
      rules = delegate::make_delegate_rules(name.toStdString());
    } catch (const std::exception& e) {
      if (error) *error = QString::fromUtf8(e.what());
      syncChoice();
      return false;
    }
  }
  delegate_ = name;
  rules_ = std::move(rules);
  recompute();
  syncChoice();
  if (rules_) {
    dock_->show();
    dock_->raise();
  }
  return true;
}

void PartitionController::recompute() {
  report_.reset();
  const auto model = context_.modelPtr();
  const int graph = context_.currentGraph();
  if (rules_ && model && graph >= 0 && static_cast<size_t>(graph) < model->graphs.size()) {
    delegate::PartitionOptions options;
    options.limits = rules_->default_limits();
    try {
      report_ = std::make_shared<const delegate::PartitionReport>(
          delegate::analyze_partitions(*model, static_cast<uint32_t>(graph), *rules_, options));
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
  }
  panel_->setReport(report_ ? model : nullptr, report_);
  // The canvas shows one feature colouring: replace ours, never clear another feature's.
  if (report_) {
    coloring_ = std::make_shared<PartitionColoring>(model, report_);
    canvas_->setNodeColoring(coloring_);
  } else if (coloring_) {
    if (canvas_->nodeColoring() == coloring_.get()) canvas_->setNodeColoring(nullptr);
    coloring_.reset();
  }
}

void PartitionController::chooseProfileFile() {
  const QString path = QFileDialog::getOpenFileName(window_, tr("Delegate profile"), QString(),
                                                    tr("Delegate profiles (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  if (!setDelegate(QFileInfo(path).absoluteFilePath(), &error)) emit failed(error);
}

void PartitionController::syncChoice() {
  const int index = selector_->findData(delegate_);
  if (index >= 0) {
    selector_->setCurrentIndex(index);
  } else {
    selector_->addItem(tr("Delegate: %1").arg(QFileInfo(delegate_).fileName()), delegate_);
    selector_->setCurrentIndex(selector_->count() - 1);
  }
  for (QAction* a : menu_group_->actions()) a->setChecked(a->data().toString() == delegate_);
}

}  // namespace edgelens::gui
