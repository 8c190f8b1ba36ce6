#include "graph_canvas.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "minimap.h"

namespace edgelens::gui {
namespace {

using layout::ItemKind;

constexpr double kMinZoom = 1e-4, kMaxZoom = 8.0;
constexpr double kTextMinPixels = 5.0;     // below this font height text is not drawn
constexpr double kEdgeLabelMinZoom = 0.6;  // tensor shapes on edges from this zoom on
constexpr double kCurveMinZoom = 0.25;     // Bézier curves from this zoom on, straight lines below

QRectF to_qrect(const layout::Rect& r) {
  return {r.x, r.y, r.w, r.h};
}
QPointF to_qpoint(const layout::Point& p) {
  return {p.x, p.y};
}

QRectF edge_bounds(const layout::SceneEdge& e) {
  if (e.points.empty()) return {};
  double x0 = e.points[0].x, x1 = x0, y0 = e.points[0].y, y1 = y0;
  for (const auto& p : e.points) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  return QRectF(x0, y0, x1 - x0, y1 - y0);
}

}  // namespace

GraphCanvas::GraphCanvas(inspect::SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context), colors_(canvas_colors(Theme::Light)) {
  setObjectName("GraphCanvas");
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMinimumSize(200, 150);
  minimap_ = new Minimap(*this);
  connect(&context_, &inspect::SessionContext::nodeChanged, this, &GraphCanvas::onNodeChanged);
  connect(&context_, &inspect::SessionContext::highlightsChanged, this, &GraphCanvas::refreshMarks);
  connect(&context_, &inspect::SessionContext::bookmarksChanged, this, &GraphCanvas::refreshMarks);
  connect(&context_, &inspect::SessionContext::runChanged, this, &GraphCanvas::refreshMarks);
}

GraphCanvas::~GraphCanvas() = default;

void GraphCanvas::clear() {
  view_ = {};
  links_ = {};
  buildIndex();
  minimap_->setScene(nullptr, colors_);
  update();
}

void GraphCanvas::setView(CanvasView view, std::optional<layout::GroupId> anchor_group) {
  // Where the anchor group is on screen now, to keep it there in the new geometry.
  std::optional<QPointF> anchor_screen;
  if (anchor_group && view_.scene) {
    for (const auto& item : view_.scene->items)
      if ((item.kind == ItemKind::CollapsedGroup || item.kind == ItemKind::ExpandedGroup) &&
          item.ref == *anchor_group) {
        anchor_screen = worldToScreen({item.rect.x, item.rect.y});
        break;
      }
  }
  const bool new_graph = view.model != view_.model || view.graph != view_.graph;
  view_ = std::move(view);
  if (new_graph) {
    const Graph* g = view_.model && view_.graph >= 0 &&
                             view_.graph < static_cast<int>(view_.model->graphs.size())
                         ? &view_.model->graphs[static_cast<size_t>(view_.graph)]
                         : nullptr;
    links_ = g ? inspect::GraphLinks(*g) : inspect::GraphLinks();
  }
  buildIndex();
  refreshMarks();
  minimap_->setScene(view_.scene.get(), colors_);
  bool placed = false;
  if (anchor_screen && view_.scene)
    for (const auto& item : view_.scene->items)
      if ((item.kind == ItemKind::CollapsedGroup || item.kind == ItemKind::ExpandedGroup) &&
          item.ref == *anchor_group) {
        origin_ = QPointF(item.rect.x, item.rect.y) - *anchor_screen / scale_;
        placed = true;
        break;
      }
  if (new_graph)
    firstView();
  else if (!placed && !anchor_group)
    fitToView();
  if (pending_reveal_node_ >= 0) {
    const int node = pending_reveal_node_;
    pending_reveal_node_ = -1;
    if (auto item = itemForNode(node)) ensureItemVisible(*item);
  } else {
    onNodeChanged();
  }
  emit viewChanged();
  update();
}

void GraphCanvas::setColors(const CanvasColors& colors) {
  colors_ = colors;
  minimap_->setScene(view_.scene.get(), colors_);
  update();
}

void GraphCanvas::buildIndex() {
  cell_items_.clear();
  cell_edges_.clear();
  frames_.clear();
  grid_w_ = grid_h_ = 0;
  const layout::Scene* scene = view_.scene.get();
  item_stamp_.assign(scene ? scene->items.size() : 0, 0);
  edge_stamp_.assign(scene ? scene->edges.size() : 0, 0);
  stamp_ = 0;
  if (!scene) return;
  const auto& b = scene->bounds;
  // About 64 items per cell on average keeps both the cell count and the per-cell lists small.
  const double area = std::max(b.w * b.h, 1.0);
  cell_ =
      std::clamp(std::sqrt(area * 64.0 / std::max<size_t>(scene->items.size(), 1)), 64.0, 4096.0);
  grid_w_ = std::max(1, static_cast<int>(std::ceil(b.w / cell_)) + 1);
  grid_h_ = std::max(1, static_cast<int>(std::ceil(b.h / cell_)) + 1);
  cell_items_.resize(static_cast<size_t>(grid_w_) * grid_h_);
  cell_edges_.resize(cell_items_.size());
  const auto for_cells = [&](const QRectF& r, auto&& fn) {
    const int x0 = std::clamp(static_cast<int>((r.left() - b.x) / cell_), 0, grid_w_ - 1);
    const int x1 = std::clamp(static_cast<int>((r.right() - b.x) / cell_), 0, grid_w_ - 1);
    const int y0 = std::clamp(static_cast<int>((r.top() - b.y) / cell_), 0, grid_h_ - 1);
    const int y1 = std::clamp(static_cast<int>((r.bottom() - b.y) / cell_), 0, grid_h_ - 1);
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) fn(static_cast<size_t>(y) * grid_w_ + x);
  };
  for (uint32_t i = 0; i < scene->items.size(); ++i) {
    const auto& item = scene->items[i];
    if (item.kind == ItemKind::ExpandedGroup) {
      frames_.push_back(i);
      continue;
    }
    for_cells(to_qrect(item.rect), [&](size_t c) { cell_items_[c].push_back(i); });
  }
  for (uint32_t i = 0; i < scene->edges.size(); ++i)
    for_cells(edge_bounds(scene->edges[i]), [&](size_t c) { cell_edges_[c].push_back(i); });
}

void GraphCanvas::queryRect(const QRectF& world, std::vector<uint32_t>& items,
                            std::vector<uint32_t>* edges) const {
  items.clear();
  if (edges) edges->clear();
  const layout::Scene* scene = view_.scene.get();
  if (!scene || !grid_w_) return;
  if (++stamp_ == 0) {  // wrapped: reset the stamps
    std::fill(item_stamp_.begin(), item_stamp_.end(), 0);
    std::fill(edge_stamp_.begin(), edge_stamp_.end(), 0);
    stamp_ = 1;
  }
  for (uint32_t f : frames_)
    if (to_qrect(scene->items[f].rect).intersects(world)) items.push_back(f);
  const auto& b = scene->bounds;
  const int x0 = std::clamp(static_cast<int>((world.left() - b.x) / cell_), 0, grid_w_ - 1);
  const int x1 = std::clamp(static_cast<int>((world.right() - b.x) / cell_), 0, grid_w_ - 1);
  const int y0 = std::clamp(static_cast<int>((world.top() - b.y) / cell_), 0, grid_h_ - 1);
  const int y1 = std::clamp(static_cast<int>((world.bottom() - b.y) / cell_), 0, grid_h_ - 1);
  if (world.right() < b.x || world.bottom() < b.y || world.left() > b.right() ||
      world.top() > b.bottom())
    return;
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      const size_t c = static_cast<size_t>(y) * grid_w_ + x;
      for (uint32_t i : cell_items_[c])
        if (item_stamp_[i] != stamp_) {
          item_stamp_[i] = stamp_;
          if (to_qrect(scene->items[i].rect).intersects(world)) items.push_back(i);
        }
      if (edges)
        for (uint32_t e : cell_edges_[c])
          if (edge_stamp_[e] != stamp_) {
            edge_stamp_[e] = stamp_;
            edges->push_back(e);
          }
    }
  // Draw order = scene order (frames before their contents).
  std::sort(items.begin(), items.end());
}

std::vector<uint32_t> GraphCanvas::visibleItems() const {
  std::vector<uint32_t> items;
  queryRect(visibleWorldRect(), items, nullptr);
  return items;
}

std::optional<uint32_t> GraphCanvas::itemAt(QPointF pos) const {
  const QPointF w = screenToWorld(pos);
  std::vector<uint32_t> items;
  queryRect(QRectF(w, QSizeF(0.01, 0.01)), items, nullptr);
  if (items.empty()) return std::nullopt;
  // Boxes beat frames; among frames the innermost (drawn last) wins.
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (view_.scene->items[*it].kind != ItemKind::ExpandedGroup) return *it;
  return items.back();
}

std::optional<uint32_t> GraphCanvas::itemForNode(int node) const {
  if (!view_.scene || !view_.tree || node < 0) return std::nullopt;
  return view_.scene->item_for_node(*view_.tree, static_cast<uint32_t>(node));
}

QPointF GraphCanvas::worldToScreen(QPointF world) const {
  return (world - origin_) * scale_;
}
QPointF GraphCanvas::screenToWorld(QPointF screen) const {
  return screen / scale_ + origin_;
}

QRectF GraphCanvas::visibleWorldRect() const {
  return QRectF(origin_, QSizeF(width() / scale_, height() / scale_));
}

bool GraphCanvas::textVisible() const {
  return 11.0 * scale_ >= kTextMinPixels;  // 11 pt = LayoutOptions::font_size
}

void GraphCanvas::fitToView() {
  if (!view_.scene || width() <= 0 || height() <= 0) return;
  const auto& b = view_.scene->bounds;
  const double margin = 20;
  const double sx = (width() - 2 * margin) / std::max(b.w, 1.0);
  const double sy = (height() - 2 * margin) / std::max(b.h, 1.0);
  // Never blow a tiny graph up beyond 1.2x: boxes look odd when huge.
  scale_ = std::clamp(std::min(sx, sy), kMinZoom, 1.2);
  centerOn(QPointF(b.x + b.w / 2, b.y + b.h / 2));
  fitted_ = true;
}

void GraphCanvas::firstView() {
  fitToView();
  if (!view_.scene || textVisible()) return;
  const auto& b = view_.scene->bounds;
  scale_ = 0.85;
  origin_ = QPointF(b.x + b.w / 2 - width() / 2.0 / scale_, b.y - 20 / scale_);
  fitted_ = false;
  emit viewChanged();
  update();
}

void GraphCanvas::zoomBy(double factor) {
  zoomBy(factor, QPointF(width() / 2.0, height() / 2.0));
}

void GraphCanvas::zoomBy(double factor, QPointF anchor) {
  const QPointF world = screenToWorld(anchor);
  fitted_ = false;
  scale_ = std::clamp(scale_ * factor, kMinZoom, kMaxZoom);
  origin_ = world - anchor / scale_;
  emit viewChanged();
  update();
}

void GraphCanvas::setZoom(double zoom) {
  zoomBy(zoom / scale_);
}

void GraphCanvas::centerOn(QPointF world) {
  fitted_ = false;
  origin_ = world - QPointF(width() / 2.0, height() / 2.0) / scale_;
  emit viewChanged();
  update();
}

void GraphCanvas::panBy(QPointF pixels) {
  fitted_ = false;
  origin_ -= pixels / scale_;
  emit viewChanged();
  update();
}

void GraphCanvas::refreshMarks() {
  const layout::Scene* scene = view_.scene.get();
  marks_.assign(scene ? scene->items.size() : 0, 0);
  if (!scene) return;
  for (const auto& ref : context_.highlights())
    if (ref.graph == view_.graph)
      if (auto item = itemForNode(ref.node)) marks_[*item] |= 1;
  for (const auto& ref : context_.bookmarks())
    if (ref.graph == view_.graph)
      if (auto item = itemForNode(ref.node)) marks_[*item] |= 2;
  // Run marks only when the run belongs to the shown model and graph 0 (the graph that runs).
  const auto run = context_.runResult();
  const bool run_shown = run && run->model == view_.model && view_.graph == 0;
  if (run_shown)
    for (size_t n = 0; n < run->node_nonfinite.size(); ++n)
      if (run->node_nonfinite[n])
        if (auto item = itemForNode(static_cast<int>(n))) marks_[*item] |= 4;
  overlay_ = make_run_overlay(run_shown ? run.get() : nullptr, overlay_statistic_);
  update();
}

void GraphCanvas::setOverlay(inspect::RunStatistic statistic) {
  overlay_statistic_ = statistic;
  refreshMarks();
}

void GraphCanvas::setNodeColoring(std::shared_ptr<const NodeColoring> coloring) {
  coloring_ = std::move(coloring);
  if (coloring_) overlay_statistic_ = inspect::RunStatistic::None;
  refreshMarks();
}

std::optional<QColor> GraphCanvas::nodeFill(uint32_t node) const {
  if (overlay_.active()) return overlay_.colorForNode(node);
  if (coloring_ && coloring_->appliesTo(view_.model.get(), view_.graph))
    return coloring_->colorForNode(node);
  return std::nullopt;
}

void GraphCanvas::onNodeChanged() {
  selected_item_.reset();
  if (!view_.scene || context_.currentGraph() != view_.graph) return update();
  const int node = context_.currentNode();
  if (node < 0) return update();
  const auto item = itemForNode(node);
  if (!item) return update();
  if (view_.scene->items[*item].kind != ItemKind::Node) {
    // Hidden in a collapsed group: ask for the group to open, then show it.
    pending_reveal_node_ = node;
    selected_item_ = item;
    emit revealNodeRequested(node);
    return update();
  }
  selected_item_ = item;
  ensureItemVisible(*item);
  update();
}

void GraphCanvas::ensureItemVisible(uint32_t item) {
  if (!view_.scene || item >= view_.scene->items.size()) return;
  const QRectF r = to_qrect(view_.scene->items[item].rect);
  const QRectF visible =
      visibleWorldRect().adjusted(20 / scale_, 20 / scale_, -20 / scale_, -20 / scale_);
  if (!visible.contains(r)) {
    if (!textVisible()) scale_ = std::min(1.0, kMaxZoom);  // a found node should be readable
    centerOn(r.center());
  }
  selected_item_ = item;
  update();
}

void GraphCanvas::paintEvent(QPaintEvent*) {
  QElapsedTimer timer;
  timer.start();
  QPainter p(this);
  p.fillRect(rect(), colors_.background);
  const layout::Scene* scene = view_.scene.get();
  if (!scene) {
    p.setPen(colors_.node_subtext);
    p.drawText(rect(), Qt::AlignCenter,
               tr("Open a model: File › Open…, drop a file here, or pass it on the command line"));
    last_frame_ms_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return;
  }
  std::vector<uint32_t> items, edges;
  queryRect(visibleWorldRect(), items, &edges);
  const bool text = textVisible();
  const bool detailed = scale_ >= kCurveMinZoom;
  p.setRenderHint(QPainter::Antialiasing, detailed);
  // Frames first (scene order puts outer frames before inner ones), then edges, then boxes.
  std::stable_partition(items.begin(), items.end(), [&](uint32_t i) {
    return scene->items[i].kind == ItemKind::ExpandedGroup;
  });
  size_t frame_count = 0;
  while (frame_count < items.size() &&
         scene->items[items[frame_count]].kind == ItemKind::ExpandedGroup)
    ++frame_count;
  for (size_t k = 0; k < frame_count; ++k) drawItem(p, items[k], text);
  drawEdges(p, edges, detailed);
  for (size_t k = frame_count; k < items.size(); ++k) drawItem(p, items[k], text);
  draw_overlay_legend(p, QRectF(rect()), overlay_, colors_);
  if (!overlay_.active() && coloring_ && coloring_->appliesTo(view_.model.get(), view_.graph))
    coloring_->drawLegend(p, QRectF(rect()), colors_);
  last_frame_items_ = static_cast<int>(items.size());
  last_frame_ms_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

void GraphCanvas::drawEdges(QPainter& p, const std::vector<uint32_t>& edges, bool detailed) {
  const layout::Scene& scene = *view_.scene;
  QPen pen(colors_.edge, detailed ? std::max(1.0, 1.2 * scale_) : 1.0);
  p.setPen(pen);
  p.setBrush(Qt::NoBrush);
  if (!detailed) {
    // Zoomed out: one straight segment per Bézier piece, all drawn in one call.
    std::vector<QLineF> lines;
    lines.reserve(edges.size() * 2);
    for (uint32_t e : edges) {
      const auto& pts = scene.edges[e].points;
      const size_t step = scene.edges[e].bezier ? 3 : 1;
      for (size_t i = 0; i + step < pts.size(); i += step)
        lines.emplace_back(worldToScreen(to_qpoint(pts[i])),
                           worldToScreen(to_qpoint(pts[i + step])));
    }
    p.drawLines(lines.data(), static_cast<int>(lines.size()));
    return;
  }
  const bool labels = scale_ >= kEdgeLabelMinZoom;
  QFont label_font = font();
  label_font.setPixelSize(std::max(1, static_cast<int>(std::lround(9 * scale_))));
  for (uint32_t e : edges) {
    const auto& edge = scene.edges[e];
    if (edge.points.size() < 2) continue;
    QPainterPath path(worldToScreen(to_qpoint(edge.points[0])));
    if (edge.bezier) {
      for (size_t i = 1; i + 2 < edge.points.size(); i += 3)
        path.cubicTo(worldToScreen(to_qpoint(edge.points[i])),
                     worldToScreen(to_qpoint(edge.points[i + 1])),
                     worldToScreen(to_qpoint(edge.points[i + 2])));
    } else {
      for (size_t i = 1; i < edge.points.size(); ++i)
        path.lineTo(worldToScreen(to_qpoint(edge.points[i])));
    }
    pen.setStyle(edge.back_edge ? Qt::DashLine : Qt::SolidLine);
    pen.setWidthF(std::max(1.0, (edge.tensor_count > 1 ? 2.0 : 1.2) * scale_));
    p.setPen(pen);
    p.drawPath(path);
    // Arrow head at the end, pointing along the last segment.
    const QPointF tip = worldToScreen(to_qpoint(edge.points.back()));
    const QPointF from = worldToScreen(to_qpoint(edge.points[edge.points.size() - 2]));
    QLineF dir(tip, from);
    if (dir.length() > 0.01) {
      const double len = 6 * scale_;
      QLineF a = dir;
      a.setLength(len);
      a.setAngle(dir.angle() + 25);
      QLineF b = dir;
      b.setLength(len);
      b.setAngle(dir.angle() - 25);
      p.setBrush(colors_.edge);
      p.setPen(Qt::NoPen);
      p.drawPolygon(QPolygonF({tip, a.p2(), b.p2()}));
      p.setBrush(Qt::NoBrush);
      p.setPen(pen);
    }
    if (labels && !edge.label.empty()) {
      p.setFont(label_font);
      p.setPen(colors_.edge_label);
      const QPointF at = worldToScreen(to_qpoint(edge.label_pos));
      const QString text = QString::fromStdString(edge.label);
      p.drawText(QRectF(at.x() + 3, at.y() - 8 * scale_, 400, 16 * scale_),
                 Qt::AlignLeft | Qt::AlignVCenter, text);
      p.setPen(pen);
    }
  }
}

void GraphCanvas::drawItem(QPainter& p, uint32_t index, bool text) {
  const auto& item = view_.scene->items[index];
  const QRectF r(worldToScreen({item.rect.x, item.rect.y}),
                 QSizeF(item.rect.w, item.rect.h) * scale_);
  const uint8_t mark = index < marks_.size() ? marks_[index] : 0;
  const bool selected = selected_item_ && *selected_item_ == index;
  QColor fill, border, fg;
  switch (item.kind) {
    case ItemKind::Node:
      fill = colors_.node_fill, border = colors_.node_border, fg = colors_.node_text;
      break;
    case ItemKind::CollapsedGroup:
      fill = colors_.group_fill, border = colors_.group_border, fg = colors_.group_text;
      break;
    case ItemKind::ExpandedGroup:
      fill = colors_.frame_fill, border = colors_.frame_border, fg = colors_.frame_text;
      break;
    case ItemKind::GraphInput:
    case ItemKind::GraphOutput:
      fill = colors_.io_fill, border = colors_.node_border, fg = colors_.node_text;
      break;
  }
  bool overlaid = false;
  if (item.kind == ItemKind::Node)
    if (auto color = nodeFill(item.ref)) fill = *color, fg = Qt::black, overlaid = true;
  if (r.width() < 3 && r.height() < 3 && item.kind != ItemKind::ExpandedGroup) {
    // A speck at full zoom-out: no border, no antialiasing.
    p.fillRect(r, mark & 1   ? colors_.highlight
                  : selected ? colors_.selection
                  : mark & 4 ? QColor(220, 0, 0)
                  : overlaid ? fill
                             : border);
    return;
  }
  double border_w = item.kind == ItemKind::ExpandedGroup ? 1.0 : std::max(1.0, 1.2 * scale_);
  if (mark & 4) border = QColor(220, 0, 0), border_w = std::max(2.5, 3.0 * scale_);
  if (mark & 1) border = colors_.highlight, border_w = std::max(2.0, 2.5 * scale_);
  if (selected) border = colors_.selection, border_w = std::max(2.5, 3.0 * scale_);
  p.setPen(QPen(border, border_w));
  p.setBrush(fill);
  const double radius = (item.kind == ItemKind::ExpandedGroup ? 6 : 4) * scale_;
  if (scale_ >= kCurveMinZoom)
    p.drawRoundedRect(r, radius, radius);
  else
    p.drawRect(r);
  if (item.kind == ItemKind::CollapsedGroup && scale_ >= kCurveMinZoom) {
    // A second outline offset down-right says "there is more inside".
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(border, 1.0));
    p.drawRoundedRect(r.adjusted(3 * scale_, 3 * scale_, 3 * scale_, 3 * scale_), radius, radius);
  }
  if (mark & 2) {
    p.setPen(Qt::NoPen);
    p.setBrush(colors_.bookmark);
    const double s = std::max(4.0, 8 * scale_);
    p.drawPolygon(
        QPolygonF({r.topRight(), r.topRight() - QPointF(s, 0), r.topRight() + QPointF(0, s)}));
  }
  if (!text || item.label_lines.empty()) return;
  QFont title = font();
  title.setPixelSize(std::max(1, static_cast<int>(std::lround(11 * scale_))));
  title.setBold(item.kind != ItemKind::ExpandedGroup);
  const double line_h = 14 * scale_;
  p.setPen(fg);
  p.setFont(title);
  if (item.kind == ItemKind::ExpandedGroup) {
    const double band = std::max(item.header_height, 14.0) * scale_;
    QString label = QString::fromStdString(item.label_lines[0]);
    if (item.label_lines.size() > 1) label += "   " + QString::fromStdString(item.label_lines[1]);
    p.drawText(QRectF(r.left() + 6 * scale_, r.top(), r.width() - 12 * scale_, band),
               Qt::AlignLeft | Qt::AlignVCenter, QString("▾ ") + label);
    return;
  }
  const double total = line_h * static_cast<double>(item.label_lines.size());
  double y = r.center().y() - total / 2;
  for (size_t k = 0; k < item.label_lines.size(); ++k) {
    if (k == 1) {
      QFont sub = title;
      sub.setBold(false);
      sub.setPixelSize(std::max(1, static_cast<int>(std::lround(10 * scale_))));
      p.setFont(sub);
      p.setPen(item.kind == ItemKind::Node && !overlaid ? colors_.node_subtext : fg);
    }
    const QString line = QString::fromStdString(item.label_lines[k]);
    const QRectF line_rect(r.left() + 2, y, r.width() - 4, line_h);
    // Box widths come from the layout's estimate of text width; when the real font is wider,
    // shrink it a little before eliding so "DEPTHWISE_CONV_2D" stays whole.
    const int avail = static_cast<int>(line_rect.width());
    const int advance = p.fontMetrics().horizontalAdvance(line);
    if (advance > avail && advance * 0.72 <= avail) {
      QFont fitted = p.font();
      fitted.setPixelSize(std::max(1, static_cast<int>(fitted.pixelSize() * avail / advance)));
      const QFont saved = p.font();
      p.setFont(fitted);
      p.drawText(line_rect, Qt::AlignCenter, line);
      p.setFont(saved);
    } else {
      p.drawText(line_rect, Qt::AlignCenter,
                 p.fontMetrics().elidedText(line, Qt::ElideMiddle, avail));
    }
    y += line_h;
  }
}

void GraphCanvas::resizeEvent(QResizeEvent*) {
  placeMinimap();
  if (fitted_) fitToView();
  emit viewChanged();
}

void GraphCanvas::placeMinimap() {
  const QSize s(std::min(220, width() / 4), std::min(160, height() / 4));
  minimap_->setGeometry(width() - s.width() - 10, height() - s.height() - 10, s.width(),
                        s.height());
}

void GraphCanvas::mousePressEvent(QMouseEvent* event) {
  press_pos_ = event->position().toPoint();
  last_drag_ = event->position();
  dragging_ = false;
  setFocus();
}

void GraphCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & (Qt::LeftButton | Qt::MiddleButton))) return;
  if (!dragging_ && (event->position().toPoint() - press_pos_).manhattanLength() < 4) return;
  if (!dragging_) setCursor(Qt::ClosedHandCursor);
  dragging_ = true;
  panBy(event->position() - last_drag_);
  last_drag_ = event->position();
}

void GraphCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (dragging_) {
    dragging_ = false;
    unsetCursor();
    return;
  }
  if (event->button() != Qt::LeftButton || !view_.scene) return;
  const auto hit = itemAt(event->position());
  if (!hit) {
    context_.setCurrentNode(-1);
    return;
  }
  const auto& item = view_.scene->items[*hit];
  switch (item.kind) {
    case ItemKind::Node:
      context_.setCurrentNode(static_cast<int>(item.ref));
      break;
    case ItemKind::GraphInput:
    case ItemKind::GraphOutput:
      context_.setCurrentTensor(static_cast<int>(item.ref));
      break;
    default:
      break;
  }
}

void GraphCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
  if (!view_.scene) return;
  const auto hit = itemAt(event->position());
  if (!hit) return;
  const auto& item = view_.scene->items[*hit];
  if (item.kind == ItemKind::CollapsedGroup || item.kind == ItemKind::ExpandedGroup) {
    emit toggleGroupRequested(item.ref, event->position());
  } else if (item.kind == ItemKind::Node && context_.graph() &&
             item.ref < context_.graph()->nodes.size()) {
    // WHILE/IF bodies, delegate blobs: double-click goes into the first called graph.
    const auto& called = context_.graph()->nodes[item.ref].called_graphs;
    if (!called.empty()) context_.setCurrentGraph(static_cast<int>(called.front()));
  }
}

void GraphCanvas::wheelEvent(QWheelEvent* event) {
  const QPoint pixels = event->pixelDelta();
  const QPoint angle = event->angleDelta();
  if (!pixels.isNull() && !(event->modifiers() & Qt::ControlModifier)) {
    panBy(pixels);  // touchpad scroll pans; pinch/Ctrl+scroll zooms
  } else if (event->modifiers() & Qt::ShiftModifier) {
    panBy(QPointF(angle.y() != 0 ? angle.y() : angle.x(), 0) / 2.0);
  } else if (event->modifiers() & Qt::AltModifier) {
    panBy(QPointF(0, angle.x() != 0 ? angle.x() : angle.y()) / 2.0);
  } else if (angle.y() != 0) {
    zoomBy(std::pow(1.0015, angle.y()), event->position());
  }
  event->accept();
}

bool GraphCanvas::walk(Qt::Key key) {
  const Graph* g = context_.graph();
  if (!g || g->nodes.empty()) return false;
  const int node = context_.currentNode();
  if (node < 0) {
    context_.setCurrentNode(0);
    return true;
  }
  std::vector<int> candidates;
  int target = -1;
  switch (key) {
    case Qt::Key_Up:
      candidates = links_.producers(node);
      if (!candidates.empty()) target = candidates.front();
      break;
    case Qt::Key_Down:
      candidates = links_.consumers(node);
      if (!candidates.empty()) target = candidates.front();
      break;
    case Qt::Key_Left:
    case Qt::Key_Right: {
      candidates = links_.siblings(node);
      const auto it = std::find(candidates.begin(), candidates.end(), node);
      if (candidates.size() < 2 || it == candidates.end()) break;
      const auto pos = static_cast<size_t>(it - candidates.begin());
      const size_t n = candidates.size();
      target = candidates[key == Qt::Key_Right ? (pos + 1) % n : (pos + n - 1) % n];
      break;
    }
    default:
      return false;
  }
  if (target < 0) return false;
  context_.setCurrentNode(target);
  return true;
}

void GraphCanvas::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Space:
      fitToView();
      return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      zoomBy(1.25);
      return;
    case Qt::Key_Minus:
      zoomBy(0.8);
      return;
    case Qt::Key_Up:
    case Qt::Key_Down:
    case Qt::Key_Left:
    case Qt::Key_Right:
      walk(static_cast<Qt::Key>(event->key()));
      return;
    default:
      QWidget::keyPressEvent(event);
  }
}

}  // namespace edgelens::gui
