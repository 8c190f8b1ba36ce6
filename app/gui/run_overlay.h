// The canvas's view of a run: the colour overlay by a statistic (one value per graph-0 node, mapped
// linearly from the smallest to the largest value onto a blue→yellow→red ramp) and its legend.
#pragma once

#include <QColor>
#include <QRectF>

#include <optional>
#include <vector>

#include "canvas_theme.h"
#include "edgelens/inspectors/run_result.h"

class QPainter;

namespace edgelens::gui {

struct RunOverlay {
  inspect::RunStatistic statistic = inspect::RunStatistic::None;
  double lo = 0, hi = 0;
  std::vector<std::optional<double>> node_value;  // graph 0, by node id

  bool active() const { return statistic != inspect::RunStatistic::None && !node_value.empty(); }
  std::optional<QColor> colorForNode(uint32_t node) const;
};

// Empty (inactive) overlay when there is no run or the statistic is None.
RunOverlay make_run_overlay(const inspect::RunResult* run, inspect::RunStatistic statistic);
QColor overlay_color(double t);  // t in [0, 1]
// The legend (statistic name, colour bar, lo/hi) in the bottom-left corner of `area`.
void draw_overlay_legend(QPainter& p, const QRectF& area, const RunOverlay& overlay,
                         const CanvasColors& colors);

}  // namespace edgelens::gui
