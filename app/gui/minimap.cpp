#include "minimap.h"

#include <QMouseEvent>
#include <QPainter>

#include "graph_canvas.h"

namespace edgelens::gui {

Minimap::Minimap(GraphCanvas& canvas)
    : QWidget(&canvas), canvas_(canvas), colors_(canvas_colors(Theme::Light)) {
  setObjectName("Minimap");
  setCursor(Qt::PointingHandCursor);
  connect(&canvas_, &GraphCanvas::viewChanged, this, &Minimap::followCanvas);
}

void Minimap::setScene(const layout::Scene* scene, const CanvasColors& colors) {
  scene_ = scene;
  colors_ = colors;
  render();
  followCanvas();
}

void Minimap::followCanvas() {
  // Only useful when part of the graph is off screen.
  bool show = scene_ && !scene_->items.empty();
  if (show) {
    const auto& b = scene_->bounds;
    show = !canvas_.visibleWorldRect().contains(QRectF(b.x, b.y, b.w, b.h));
  }
  setVisible(show);
  update();
}

void Minimap::resizeEvent(QResizeEvent*) {
  render();
}

QRectF Minimap::imageRect() const {
  if (thumbnail_.isNull()) return {};
  const QSizeF s = QSizeF(thumbnail_.size());
  return QRectF(QPointF((width() - s.width()) / 2, (height() - s.height()) / 2), s);
}

void Minimap::render() {
  thumbnail_ = QImage();
  if (!scene_ || width() < 8 || height() < 8) return;
  const auto& b = scene_->bounds;
  const double scale =
      std::min((width() - 4) / std::max(b.w, 1.0), (height() - 4) / std::max(b.h, 1.0));
  const QSize size(std::max(1, static_cast<int>(b.w * scale)),
                   std::max(1, static_cast<int>(b.h * scale)));
  thumbnail_ = QImage(size, QImage::Format_ARGB32_Premultiplied);
  thumbnail_.fill(Qt::transparent);
  QPainter p(&thumbnail_);
  for (const auto& item : scene_->items) {
    const QRectF r((item.rect.x - b.x) * scale, (item.rect.y - b.y) * scale,
                   std::max(item.rect.w * scale, 1.0), std::max(item.rect.h * scale, 1.0));
    switch (item.kind) {
      case layout::ItemKind::ExpandedGroup:
        p.fillRect(r, colors_.frame_border.lighter(115));
        break;
      case layout::ItemKind::CollapsedGroup:
        p.fillRect(r, colors_.group_border);
        break;
      default:
        p.fillRect(r, colors_.node_border);
        break;
    }
  }
}

void Minimap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  QColor bg = colors_.background;
  bg.setAlpha(220);
  p.fillRect(rect(), bg);
  p.setPen(colors_.frame_border);
  p.drawRect(rect().adjusted(0, 0, -1, -1));
  if (!scene_ || thumbnail_.isNull()) return;
  const QRectF target = imageRect();
  p.drawImage(target.topLeft(), thumbnail_);
  const auto& b = scene_->bounds;
  const double scale = target.width() / std::max(b.w, 1.0);
  const QRectF world = canvas_.visibleWorldRect();
  const QRectF view(target.left() + (world.left() - b.x) * scale,
                    target.top() + (world.top() - b.y) * scale, world.width() * scale,
                    world.height() * scale);
  p.setPen(QPen(colors_.selection, 1.5));
  p.setBrush(
      QColor(colors_.selection.red(), colors_.selection.green(), colors_.selection.blue(), 40));
  p.drawRect(view.intersected(QRectF(rect()).adjusted(1, 1, -1, -1)));
}

void Minimap::moveCanvasTo(QPointF pos) {
  if (!scene_ || thumbnail_.isNull()) return;
  const QRectF target = imageRect();
  const auto& b = scene_->bounds;
  const double scale = target.width() / std::max(b.w, 1.0);
  canvas_.centerOn(
      QPointF(b.x + (pos.x() - target.left()) / scale, b.y + (pos.y() - target.top()) / scale));
}

void Minimap::mousePressEvent(QMouseEvent* event) {
  moveCanvasTo(event->position());
}
void Minimap::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) moveCanvasTo(event->position());
}

}  // namespace edgelens::gui
