#include "run_overlay.h"

#include <QObject>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "legend_frame.h"

namespace edgelens::gui {

QColor overlay_color(double t) {
  t = std::clamp(std::isfinite(t) ? t : 1.0, 0.0, 1.0);
  // Light enough everywhere for black labels to stay readable.
  const QColor stops[] = {QColor(150, 190, 255), QColor(255, 235, 130), QColor(255, 110, 100)};
  const double x = t * 2;
  const int k = std::min(1, static_cast<int>(x));
  const double f = x - k;
  const QColor& a = stops[k];
  const QColor& b = stops[k + 1];
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * f),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * f),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * f));
}

std::optional<QColor> RunOverlay::colorForNode(uint32_t node) const {
  if (!active() || node >= node_value.size() || !node_value[node]) return std::nullopt;
  const double v = *node_value[node];
  return overlay_color(hi > lo ? (v - lo) / (hi - lo) : 0.0);
}

RunOverlay make_run_overlay(const inspect::RunResult* run, inspect::RunStatistic statistic) {
  RunOverlay out;
  if (!run || statistic == inspect::RunStatistic::None || !run->model || run->model->graphs.empty())
    return out;
  out.statistic = statistic;
  const size_t nodes = run->model->graphs[0].nodes.size();
  out.node_value.resize(nodes);
  bool any = false;
  for (size_t n = 0; n < nodes; ++n) {
    auto v = run->nodeStatistic(static_cast<int>(n), statistic);
    if (!v || !std::isfinite(*v)) continue;
    out.lo = any ? std::min(out.lo, *v) : *v;
    out.hi = any ? std::max(out.hi, *v) : *v;
    any = true;
    out.node_value[n] = v;
  }
  if (!any) out.node_value.clear();
  return out;
}

void draw_overlay_legend(QPainter& p, const QRectF& area, const RunOverlay& overlay,
                         const CanvasColors& colors) {
  if (!overlay.active()) return;
  const LegendFrame frame(p, area, 220, 48, colors);
  const QRectF& box = frame.box();
  const QRectF bar(box.left() + 10, box.top() + 20, box.width() - 20, 10);
  draw_ramp_bar(p, bar);
  const auto name = inspect::statistic_name(overlay.statistic);
  p.drawText(QRectF(box.left() + 10, box.top() + 3, box.width() - 20, 16), Qt::AlignLeft,
             QObject::tr("Colour: %1")
                 .arg(QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))));
  const QRectF labels(box.left() + 10, bar.bottom() + 1, box.width() - 20, 14);
  draw_range_labels(p, labels, QString::number(overlay.lo, 'g', 4),
                    QString::number(overlay.hi, 'g', 4));
}

}  // namespace edgelens::gui
