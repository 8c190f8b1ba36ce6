#include "edgelens/inspectors/histogram_overlay.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace edgelens::inspect {
namespace {

const QColor kReferenceColor(40, 110, 220);
const QColor kQuantizedColor(235, 120, 30);

void count_into(std::span<const float> values, const HistogramPair& pair, std::vector<int>& counts,
                int& nonfinite) {
  const int bins = static_cast<int>(counts.size());
  const double width = (pair.hi - pair.lo) / bins;
  for (float v : values) {
    if (!std::isfinite(v)) {
      ++nonfinite;
      continue;
    }
    const int b = std::clamp(static_cast<int>((double(v) - pair.lo) / width), 0, bins - 1);
    ++counts[static_cast<size_t>(b)];
  }
}

}  // namespace

HistogramPair bin_pair(std::span<const float> reference, std::span<const float> quantized,
                       int bins) {
  HistogramPair pair;
  bins = std::max(1, bins);
  bool any = false;
  for (auto series : {reference, quantized})
    for (float v : series) {
      if (!std::isfinite(v)) continue;
      pair.lo = any ? std::min(pair.lo, double(v)) : v;
      pair.hi = any ? std::max(pair.hi, double(v)) : v;
      any = true;
    }
  if (!(pair.hi > pair.lo)) pair.lo -= 0.5, pair.hi += 0.5;
  pair.reference.assign(static_cast<size_t>(bins), 0);
  pair.quantized.assign(static_cast<size_t>(bins), 0);
  count_into(reference, pair, pair.reference, pair.reference_nonfinite);
  count_into(quantized, pair, pair.quantized, pair.quantized_nonfinite);
  return pair;
}

HistogramOverlay::HistogramOverlay(QWidget* parent) : QWidget(parent) {
  setObjectName("histogramOverlay");
  clear(tr("Select a row to compare the tensor's float and quantized values."));
}

void HistogramOverlay::setSeries(const QString& title, std::span<const float> reference,
                                 const QString& reference_label, std::span<const float> quantized,
                                 const QString& quantized_label, int bins) {
  pair_ = bin_pair(reference, quantized, bins);
  title_ = title;
  reference_label_ = reference_label;
  quantized_label_ = quantized_label;
  message_.clear();
  update();
}

void HistogramOverlay::clear(const QString& message) {
  pair_ = {};
  title_.clear();
  message_ = message;
  update();
}

void HistogramOverlay::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, true);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.base());
  QFont font = p.font();
  font.setPixelSize(11);
  p.setFont(font);
  p.setPen(pal.text().color());
  if (pair_.reference.empty()) {
    p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap, message_);
    return;
  }
  const QRectF plot = QRectF(rect()).adjusted(36, 34, -10, -22);
  p.drawText(QRectF(8, 2, width() - 16, 16), Qt::AlignLeft | Qt::AlignVCenter,
             fontMetrics().elidedText(title_, Qt::ElideMiddle, width() - 16));
  int peak = 1;
  for (int c : pair_.reference) peak = std::max(peak, c);
  for (int c : pair_.quantized) peak = std::max(peak, c);
  const size_t bins = pair_.reference.size();
  const double bw = plot.width() / double(bins);
  // Each series as a filled step outline, so where they overlap both stay visible.
  const auto draw_series = [&](const std::vector<int>& counts, const QColor& color) {
    QPainterPath path(QPointF(plot.left(), plot.bottom()));
    for (size_t b = 0; b < bins; ++b) {
      const double y = plot.bottom() - plot.height() * counts[b] / peak;
      path.lineTo(plot.left() + bw * double(b), y);
      path.lineTo(plot.left() + bw * double(b + 1), y);
    }
    path.lineTo(plot.right(), plot.bottom());
    path.closeSubpath();
    QColor fill = color;
    fill.setAlpha(80);
    p.setBrush(fill);
    p.setPen(QPen(color, 1.4));
    p.drawPath(path);
  };
  draw_series(pair_.reference, kReferenceColor);
  draw_series(pair_.quantized, kQuantizedColor);
  p.setBrush(Qt::NoBrush);
  p.setPen(pal.mid().color());
  p.drawRect(plot);
  p.setPen(pal.text().color());
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), 16), Qt::AlignLeft,
             QString::number(pair_.lo, 'g', 4));
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), 16), Qt::AlignRight,
             QString::number(pair_.hi, 'g', 4));
  p.drawText(QRectF(0, plot.top() - 2, plot.left() - 4, 16), Qt::AlignRight, QString::number(peak));
  // Legend (top line, under the title).
  double x = plot.left();
  for (const auto& [color, label, nonfinite] :
       {std::tuple{kReferenceColor, reference_label_, pair_.reference_nonfinite},
        std::tuple{kQuantizedColor, quantized_label_, pair_.quantized_nonfinite}}) {
    QColor fill = color;
    fill.setAlpha(80);
    p.setBrush(fill);
    p.setPen(QPen(color, 1.4));
    p.drawRect(QRectF(x, 20, 14, 9));
    p.setPen(pal.text().color());
    const QString text = nonfinite ? QString("%1 (%2 NaN/Inf)").arg(label).arg(nonfinite) : label;
    p.drawText(QRectF(x + 18, 16, 400, 16), Qt::AlignLeft | Qt::AlignVCenter, text);
    x += 24 + fontMetrics().horizontalAdvance(text);
  }
}

}  // namespace edgelens::inspect
