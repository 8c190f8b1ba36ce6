#include "node_data_overlay.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLinearGradient>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QSettings>
#include <QStatusBar>

#include <algorithm>
#include <cmath>

#include "graph_canvas.h"
#include "legend_frame.h"
#include "main_window.h"
#include "run_overlay.h"

namespace edgelens::gui {

namespace {

std::optional<QColor> css_color(const std::string& text) {
  if (text.empty()) return std::nullopt;
  QColor c(QString::fromStdString(text));  // #rgb, #rrggbb, SVG colour names (as CSS)
  return c.isValid() ? std::optional(c) : std::nullopt;
}

QColor mix(const QColor& a, const QColor& b, double f) {
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * f),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * f),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * f));
}

// Model Explorer's gradient: stops over [0, 1] of min..max, colours interpolated between stops.
std::optional<QColor> gradient_color(const std::vector<NodeDataGradientStop>& stops, double t) {
  std::vector<std::pair<double, QColor>> valid;
  for (const auto& s : stops)
    if (auto c = css_color(s.bg_color)) valid.emplace_back(s.stop, *c);
  if (valid.empty()) return std::nullopt;
  std::stable_sort(valid.begin(), valid.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (t <= valid.front().first) return valid.front().second;
  for (size_t i = 1; i < valid.size(); ++i)
    if (t <= valid[i].first) {
      const double span = valid[i].first - valid[i - 1].first;
      return mix(valid[i - 1].second, valid[i].second,
                 span > 0 ? (t - valid[i - 1].first) / span : 1);
    }
  return valid.back().second;
}

// A fixed, light palette for string values, so labels stay readable in black.
QColor label_color(size_t index) {
  static const QColor palette[] = {
      QColor(141, 211, 199), QColor(255, 255, 179), QColor(190, 186, 218),
      QColor(251, 128, 114), QColor(128, 177, 211), QColor(253, 180, 98),
      QColor(179, 222, 105), QColor(252, 205, 229), QColor(217, 217, 217)};
  return palette[index % std::size(palette)];
}

}  // namespace

NodeDataColoring::NodeDataColoring(std::shared_ptr<const Model> model, int graph,
                                   std::shared_ptr<const ModelNodeData> data,
                                   const GraphNodeData& graph_data, QString title)
    : model_(std::move(model)),
      graph_(graph),
      data_(std::move(data)),
      graph_data_(graph_data),
      title_(std::move(title)) {
  results_ = node_data_results(graph_data_, *model_, static_cast<size_t>(graph_), &unmatched_);
  bool any = false;
  for (const NodeDataResult* r : results_) {
    if (!r) continue;
    ++matched_;
    if (r->value && std::isfinite(*r->value)) {
      lo_ = any ? std::min(lo_, *r->value) : *r->value;
      hi_ = any ? std::max(hi_, *r->value) : *r->value;
      any = true;
    } else if (!r->label.empty() && !label_colors_.count(r->label)) {
      label_colors_.emplace(r->label, label_color(label_colors_.size()));
    }
  }
}

bool NodeDataColoring::appliesTo(const Model* model, int graph) const {
  return model == model_.get() && graph == graph_;
}

std::optional<double> NodeDataColoring::nodeValue(uint32_t node) const {
  if (node >= results_.size() || !results_[node]) return std::nullopt;
  return results_[node]->value;
}

QColor NodeDataColoring::rampColor(double value) const {
  const double t = hi_ > lo_ ? (value - lo_) / (hi_ - lo_) : 0.0;
  if (auto c = gradient_color(graph_data_.gradient, t)) return *c;
  // Thresholds: the first whose upper bound holds the value; above all of them, no colour.
  if (!graph_data_.thresholds.empty()) {
    for (const auto& th : graph_data_.thresholds)
      if (value <= th.value)
        if (auto c = css_color(th.bg_color)) return *c;
    return QColor(255, 255, 255);
  }
  return overlay_color(t);
}

std::optional<QColor> NodeDataColoring::colorForNode(uint32_t node) const {
  if (node >= results_.size() || !results_[node]) return std::nullopt;
  const NodeDataResult& r = *results_[node];
  if (auto c = css_color(r.bg_color)) return c;
  if (r.value && std::isfinite(*r.value)) return rampColor(*r.value);
  if (auto it = label_colors_.find(r.label); it != label_colors_.end()) return it->second;
  return std::nullopt;
}

void NodeDataColoring::drawLegend(QPainter& p, const QRectF& area,
                                  const CanvasColors& colors) const {
  const bool numeric = hi_ > lo_ || (matched_ > 0 && label_colors_.empty());
  const int label_rows = static_cast<int>(std::min<size_t>(label_colors_.size(), 6));
  const double height = 40 + (numeric ? 26 : 0) + 16 * label_rows;
  const LegendFrame frame(p, area, 280, height, colors);
  const QRectF& box = frame.box();
  const QString name = graph_data_.name.empty() ? title_ : QString::fromStdString(graph_data_.name);
  p.drawText(QRectF(box.left() + 10, box.top() + 4, box.width() - 20, 16), Qt::AlignLeft,
             QObject::tr("Node data: %1").arg(name));
  p.drawText(
      QRectF(box.left() + 10, box.top() + 20, box.width() - 20, 16), Qt::AlignLeft,
      QObject::tr("%1 of %2 nodes%3")
          .arg(matched_)
          .arg(results_.size())
          .arg(unmatched_.empty() ? QString()
                                  : QObject::tr(", %1 keys match no node").arg(unmatched_.size())));
  double y = box.top() + 40;
  if (numeric) {
    const QRectF bar(box.left() + 10, y, box.width() - 20, 10);
    QLinearGradient gradient(bar.topLeft(), bar.topRight());
    for (int i = 0; i <= 10; ++i) {
      const double t = i / 10.0;
      gradient.setColorAt(t, rampColor(lo_ + (hi_ - lo_) * t));
    }
    p.fillRect(bar, gradient);
    const QRectF labels(box.left() + 10, bar.bottom() + 1, box.width() - 20, 14);
    draw_range_labels(p, labels, QString::number(lo_, 'g', 4), QString::number(hi_, 'g', 4));
    y += 26;
  }
  int row = 0;
  for (const auto& [label, color] : label_colors_) {
    if (row++ == label_rows) break;
    p.fillRect(QRectF(box.left() + 10, y + 2, 10, 10), color);
    p.drawText(QRectF(box.left() + 26, y, box.width() - 36, 14), Qt::AlignLeft,
               QString::fromStdString(label));
    y += 16;
  }
}

// --- controller ----------------------------------------------------------------------------------

namespace {

QMenu* file_menu(MainWindow& window) {
  for (QAction* a : window.menuBar()->actions())
    if (a->menu() && a->text().remove('&') == QObject::tr("File")) return a->menu();
  return window.menuBar()->addMenu(QObject::tr("&File"));
}

// Before "Save Screenshot…" when there is one (keeps Quit last).
void insert_before_screenshot(QMenu* menu, QAction* action) {
  for (QAction* a : menu->actions())
    if (a->text().startsWith(QObject::tr("Save &Screenshot"))) return menu->insertAction(a, action);
  menu->addAction(action);
}

}  // namespace

NodeDataController::NodeDataController(MainWindow& window) : QObject(&window), window_(window) {
  QMenu* menu = file_menu(window);
  auto* load_action = new QAction(tr("Load &Node Data…"), this);
  connect(load_action, &QAction::triggered, this, [this] {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(&window_, tr("Load Model Explorer node data"),
                                                      settings.value("lastNodeDataDir").toString(),
                                                      tr("Node data (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue("lastNodeDataDir", QFileInfo(path).absolutePath());
    QString error;
    if (!load(path, &error)) QMessageBox::critical(&window_, tr("Cannot load node data"), error);
  });
  auto* clear_action = new QAction(tr("Clear Node Data"), this);
  connect(clear_action, &QAction::triggered, this, &NodeDataController::clear);
  insert_before_screenshot(menu, load_action);
  insert_before_screenshot(menu, clear_action);

  auto& context = window.context();
  connect(&context, &inspect::SessionContext::graphChanged, this, &NodeDataController::apply);
  connect(&context, &inspect::SessionContext::modelChanged, this, &NodeDataController::apply);
}

bool NodeDataController::load(const QString& path, QString* error) {
  const auto model = window_.context().modelPtr();
  if (!model) {
    if (error) *error = tr("Open a model first: node data colour the nodes of a model.");
    return false;
  }
  try {
    data_ = std::make_shared<const ModelNodeData>(read_node_data_file(path.toStdString()));
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
  model_ = model;
  title_ = QFileInfo(path).fileName();
  apply();
  const QString summary =
      coloring_ ? tr("%1: %2 nodes coloured").arg(title_).arg(coloring_->matchedNodes())
                : tr("%1 has no data for this graph").arg(title_);
  window_.statusBar()->showMessage(summary, 5000);
  emit loaded(summary);
  return true;
}

void NodeDataController::clear() {
  data_.reset();
  model_.reset();
  apply();
}

void NodeDataController::apply() {
  auto* canvas = window_.canvas();
  const auto& context = window_.context();
  const GraphNodeData* graph_data = nullptr;
  const int graph = context.currentGraph();
  if (data_ && model_ && context.modelPtr() == model_ && graph >= 0)
    graph_data = data_->for_graph(*model_, static_cast<size_t>(graph));
  if (!graph_data) {
    if (coloring_ && canvas->nodeColoring() == coloring_.get()) canvas->setNodeColoring(nullptr);
    coloring_.reset();
    return;
  }
  coloring_ = std::make_shared<const NodeDataColoring>(model_, graph, data_, *graph_data, title_);
  canvas->setNodeColoring(coloring_);
}

}  // namespace edgelens::gui
