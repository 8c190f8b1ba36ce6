#include "edgelens/inspectors/value_widgets.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace edgelens::inspect {

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
  setObjectName("histogram");
  setMinimumHeight(80);
}

void HistogramWidget::setHistogram(Histogram histogram) {
  histogram_ = std::move(histogram);
  update();
}

void HistogramWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QRectF area = QRectF(rect()).adjusted(4, 4, -4, -18);
  p.fillRect(rect(), palette().base());
  if (histogram_.counts.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("no values"));
    return;
  }
  const int64_t peak = *std::max_element(histogram_.counts.begin(), histogram_.counts.end());
  const double bar_w = area.width() / static_cast<double>(histogram_.counts.size());
  p.setPen(Qt::NoPen);
  p.setBrush(palette().color(QPalette::Highlight));
  for (size_t i = 0; i < histogram_.counts.size(); ++i) {
    if (!peak || !histogram_.counts[i]) continue;
    // sqrt scale keeps small bins visible next to a dominant one (e.g. zeros in pruned weights)
    const double h = area.height() * std::sqrt(static_cast<double>(histogram_.counts[i]) / peak);
    p.drawRect(QRectF(area.left() + i * bar_w, area.bottom() - h, std::max(bar_w - 1, 1.0), h));
  }
  p.setPen(palette().color(QPalette::Text));
  const QRectF labels(area.left(), area.bottom() + 2, area.width(), 14);
  p.drawText(labels, Qt::AlignLeft, QString::number(histogram_.lo, 'g', 4));
  p.drawText(labels, Qt::AlignRight, QString::number(histogram_.hi, 'g', 4));
  p.drawText(labels, Qt::AlignHCenter, tr("√count, peak %1").arg(peak));
}

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent) {
  setObjectName("heatmap");
  setMouseTracking(true);
  setMinimumSize(120, 120);
}

void HeatmapWidget::setSlice(Slice2D slice) {
  slice_ = std::move(slice);
  image_ = QImage();
  if (slice_.rows > 0 && slice_.cols > 0 && slice_.rows <= 4096 && slice_.cols <= 4096) {
    double lo = 0, hi = 0;
    bool any = false;
    for (double v : slice_.values) {
      if (!std::isfinite(v)) continue;
      lo = any ? std::min(lo, v) : v;
      hi = any ? std::max(hi, v) : v;
      any = true;
    }
    const bool diverging = lo < 0 && hi > 0;
    const double mag = std::max(std::abs(lo), std::abs(hi));
    image_ =
        QImage(static_cast<int>(slice_.cols), static_cast<int>(slice_.rows), QImage::Format_RGB32);
    for (int64_t r = 0; r < slice_.rows; ++r) {
      auto* line = reinterpret_cast<QRgb*>(image_.scanLine(static_cast<int>(r)));
      for (int64_t c = 0; c < slice_.cols; ++c) {
        const double v = slice_.at(r, c);
        if (!std::isfinite(v)) {
          line[c] = qRgb(255, 0, 255);
          continue;
        }
        if (diverging) {
          const double t = mag > 0 ? v / mag : 0;  // -1..1
          const int k = static_cast<int>(255 * (1 - std::abs(t)));
          line[c] = t < 0 ? qRgb(k, k, 255) : qRgb(255, k, k);
        } else {
          const double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;  // 0..1, dark blue to yellow
          line[c] = qRgb(static_cast<int>(30 + 225 * t), static_cast<int>(30 + 200 * t),
                         static_cast<int>(120 * (1 - t) + 40));
        }
      }
    }
  }
  update();
}

QRectF HeatmapWidget::targetRect() const {
  if (image_.isNull()) return {};
  const QSizeF s = QSizeF(image_.size()).scaled(QSizeF(size()) - QSizeF(8, 8), Qt::KeepAspectRatio);
  return QRectF(QPointF((width() - s.width()) / 2, (height() - s.height()) / 2), s);
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter,
               slice_.rows > 4096 || slice_.cols > 4096 ? tr("slice too large for a heatmap")
                                                        : tr("no values"));
    return;
  }
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // one crisp block per value
  p.drawImage(targetRect(), image_);
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent* event) {
  const QRectF r = targetRect();
  if (r.isEmpty() || !r.contains(event->position())) return;
  const auto c = static_cast<int64_t>((event->position().x() - r.left()) / r.width() * slice_.cols);
  const auto row =
      static_cast<int64_t>((event->position().y() - r.top()) / r.height() * slice_.rows);
  if (c < 0 || c >= slice_.cols || row < 0 || row >= slice_.rows) return;
  QToolTip::showText(event->globalPosition().toPoint(),
                     QString("[%1, %2] = %3").arg(row).arg(c).arg(slice_.at(row, c), 0, 'g', 6),
                     this);
}

}  // namespace edgelens::inspect
