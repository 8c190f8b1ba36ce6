#include "quant_overlay.h"

#include <QFontMetricsF>
#include <QObject>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <set>

#include "edgelens/inspectors/quant_panel.h"
#include "edgelens/runtime/quant/metrics.h"
#include "legend_frame.h"
#include "run_overlay.h"

namespace edgelens::gui {

namespace rq = runtime::quant;

QuantColoring::QuantColoring(std::shared_ptr<const Model> model,
                             const std::vector<rq::TensorRow>& rows, const QString& metric)
    : model_(std::move(model)), metric_(metric) {
  lower_is_worse_ = inspect::quant_metric_lower_is_worse(metric);
  fixed_scale_ = metric == "rmse_scale";
  const size_t nodes = model_ && !model_->graphs.empty() ? model_->graphs[0].nodes.size() : 0;
  node_value_.resize(nodes);
  const std::string name = metric.toStdString();
  std::set<uint32_t> flagged;
  bool any = false;
  for (const auto& row : rows) {
    if (row.node >= nodes) continue;
    if (row.flagged) flagged.insert(row.node);
    const double v = rq::metric_value(row.metrics, name);
    if (!std::isfinite(v)) continue;
    auto& slot = node_value_[row.node];
    slot = !slot ? v : lower_is_worse_ ? std::min(*slot, v) : std::max(*slot, v);
    lo_ = any ? std::min(lo_, v) : v;
    hi_ = any ? std::max(hi_, v) : v;
    any = true;
  }
  flagged_nodes_ = static_cast<int>(flagged.size());
  if (fixed_scale_) lo_ = 0, hi_ = 2 * rq::kSuspiciousRmseScale;
}

bool QuantColoring::appliesTo(const Model* model, int graph) const {
  return model == model_.get() && graph == 0;  // the debugger reports graph 0
}

std::optional<double> QuantColoring::nodeValue(uint32_t node) const {
  return node < node_value_.size() ? node_value_[node] : std::nullopt;
}

double QuantColoring::rampPosition(double value) const {
  double t = hi_ > lo_ ? (value - lo_) / (hi_ - lo_) : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return lower_is_worse_ ? 1.0 - t : t;
}

std::optional<QColor> QuantColoring::colorForNode(uint32_t node) const {
  const auto v = nodeValue(node);
  if (!v) return std::nullopt;
  return overlay_color(rampPosition(*v));
}

void QuantColoring::drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const {
  const QString title =
      QObject::tr("Quantization error: %1 · %2 flagged node(s)").arg(metric_).arg(flagged_nodes_);
  const double width = std::clamp(QFontMetricsF(legend_font(p)).horizontalAdvance(title) + 24,
                                  260.0, area.width() - 20);
  const LegendFrame frame(p, area, width, 62, colors);
  const QRectF& box = frame.box();
  const QRectF bar(box.left() + 10, box.top() + 22, box.width() - 20, 10);
  draw_ramp_bar(p, bar);
  p.drawText(QRectF(box.left() + 10, box.top() + 4, box.width() - 20, 16), Qt::AlignLeft, title);
  const QRectF labels(box.left() + 10, bar.bottom() + 2, box.width() - 20, 14);
  // Left is good, right is bad: for lower-is-worse metrics the high values sit on the left.
  const double left = lower_is_worse_ ? hi_ : lo_, right = lower_is_worse_ ? lo_ : hi_;
  draw_range_labels(
      p, labels, QString::number(left, 'g', 4),
      (fixed_scale_ ? QStringLiteral("≥ ") : QString()) + QString::number(right, 'g', 4));
  if (fixed_scale_) {
    // Ticks: 1/√12 (rounding alone) and the flag threshold.
    for (const auto& [value, label] :
         {std::pair{rq::kUniformRoundingRmse, QStringLiteral("1/√12")},
          std::pair{rq::kSuspiciousRmseScale, QStringLiteral("flag")}}) {
      const double x = bar.left() + bar.width() * rampPosition(value);
      p.setPen(QPen(colors.node_text, 1));
      p.drawLine(QPointF(x, bar.top() - 2), QPointF(x, bar.bottom() + 2));
      p.drawText(QRectF(x - 30, bar.bottom() + 14, 60, 14), Qt::AlignHCenter, label);
    }
  }
}

}  // namespace edgelens::gui
