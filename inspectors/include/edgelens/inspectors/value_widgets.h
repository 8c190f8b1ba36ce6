// Reusable value widgets (RenderDoc's Widgets/): a histogram bar chart and a heatmap of a 2-D
// slice.
#pragma once

#include <QImage>
#include <QWidget>

#include "edgelens/inspectors/tensor_values.h"

namespace edgelens::inspect {

class HistogramWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramWidget(QWidget* parent = nullptr);
  void setHistogram(Histogram histogram);
  const Histogram& histogram() const { return histogram_; }
  QSize sizeHint() const override { return {240, 110}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  Histogram histogram_;
};

// Colours each cell by value (diverging blue-white-red around zero when the slice has both signs,
// otherwise a sequential ramp); NaN cells are magenta. Hovering shows row, column and value.
class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);
  void setSlice(Slice2D slice);
  const QImage& image() const { return image_; }
  QSize sizeHint() const override { return {240, 240}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QRectF targetRect() const;
  Slice2D slice_;
  QImage image_;
};

}  // namespace edgelens::inspect
