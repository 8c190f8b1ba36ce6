// The canvas minimap: the whole scene as a cached thumbnail with the visible area outlined;
// clicking or dragging in it moves the canvas there.
#pragma once

#include <QImage>
#include <QWidget>

#include "canvas_theme.h"
#include "edgelens/layout/scene.h"

namespace edgelens::gui {

class GraphCanvas;

class Minimap : public QWidget {
  Q_OBJECT
 public:
  explicit Minimap(GraphCanvas& canvas);
  void setScene(const layout::Scene* scene, const CanvasColors& colors);
  void followCanvas();  // shows itself only when part of the scene is off screen

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  void render();
  QRectF imageRect() const;  // where the thumbnail sits inside the widget
  void moveCanvasTo(QPointF pos);

  GraphCanvas& canvas_;
  const layout::Scene* scene_ = nullptr;
  CanvasColors colors_;
  QImage thumbnail_;
};

}  // namespace edgelens::gui
