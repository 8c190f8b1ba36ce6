// GUI frame-time benchmark (offscreen raster): a synthetic transformer-like graph of ~10k nodes
// with every group open (all node boxes visible), the canvas fitted to the window (full zoom-out),
// then panned frame by frame. Measures EdgeLens' GraphCanvas (grid index + level of detail) and,
// for the design decision, a QGraphicsView showing the same scene with BSP indexing and the same
// culling.
//
//   QT_QPA_PLATFORM=offscreen gui_bench [--nodes 10000] [--frames 60] [--no-graphicsview]
//
// Prints a markdown table (bench/RESULTS.md, section "gui").
#include <QApplication>
#include <QElapsedTimer>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QPainter>
#include <QPixmap>
#include <QScrollBar>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/synthetic_graph.h"
#include "graph_canvas.h"

namespace {

using namespace edgelens;

struct Timing {
  double median = 0, p95 = 0, cpu_median = 0;
};

double percentile(std::vector<double> v, size_t pct) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * pct / 100)];
}

// CPU time of this thread: on a shared 2-core machine wall time includes waiting for the core.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Renders `widget` into a reused pixmap `frames` times, calling pan(frame) before each frame.
template <typename PanFn>
Timing measure(QWidget& widget, int frames, PanFn&& pan) {
  QPixmap target(widget.size());
  std::vector<double> wall, cpu;
  for (int f = 0; f < frames; ++f) {
    pan(f);
    QElapsedTimer t;
    t.start();
    const double c0 = thread_cpu_ms();
    widget.render(&target);
    cpu.push_back(thread_cpu_ms() - c0);
    wall.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
  }
  return {percentile(wall, 50), percentile(wall, 95), percentile(cpu, 50)};
}

}  // namespace

int main(int argc, char** argv) {
  size_t nodes = 10000;
  int frames = 60;
  bool graphicsview = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc)
      nodes = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--frames") && i + 1 < argc)
      frames = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--no-graphicsview"))
      graphicsview = false;
  }
  if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  QApplication app(argc, argv);

  auto model = std::make_shared<Model>();
  model->graphs.push_back(layout::make_transformer_graph(nodes));
  const Graph& graph = model->graphs[0];
  auto start = std::chrono::steady_clock::now();
  auto tree = std::make_shared<const layout::GroupTree>(layout::GroupTree::build(graph));
  layout::ExpansionState all;
  all.expand_all(*tree);
  auto scene = std::make_shared<const layout::Scene>(layout::layout_graph(graph, *tree, all));
  const double layout_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  size_t node_boxes = 0;
  for (const auto& item : scene->items) node_boxes += item.kind == layout::ItemKind::Node;

  inspect::SessionContext context;
  context.addModel(model);
  gui::GraphCanvas canvas(context);
  canvas.resize(1400, 900);
  canvas.setView({model, 0, tree, scene});
  canvas.fitToView();
  const double fit_zoom = canvas.zoom();
  // Pan back and forth by 6 px per frame (the whole graph stays in view at full zoom-out).
  const auto pan_canvas = [&](int f) { canvas.panBy(QPointF(f % 2 ? -6 : 6, f % 2 ? -6 : 6)); };
  const Timing zoomed_out = measure(canvas, frames, pan_canvas);
  const int drawn_out = canvas.lastFrameItems();
  canvas.setZoom(1.0);  // readable zoom: text, curves and edge labels on
  const Timing zoomed_in = measure(canvas, frames, pan_canvas);
  const int drawn_in = canvas.lastFrameItems();

  fmt::print("## gui\n\n");
  fmt::print(
      "Synthetic transformer-like graph: {} nodes, every group open: {} scene items ({} node "
      "boxes), {} edges; layout {:.0f} ms. Window 1400x900, offscreen raster, {} frames "
      "panning 6 px each. CPU = this thread's CPU time per frame; wall = elapsed time, which "
      "on this shared 2-core machine includes waiting for a core.\n\n",
      graph.nodes.size(), scene->items.size(), node_boxes, scene->edges.size(), layout_ms, frames);
  fmt::print("| view | zoom | items drawn | CPU median ms | wall median ms | wall p95 ms |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  fmt::print("| GraphCanvas (grid index, LOD) | fit {:.4f} | {} | {:.2f} | {:.2f} | {:.2f} |\n",
             fit_zoom, drawn_out, zoomed_out.cpu_median, zoomed_out.median, zoomed_out.p95);
  fmt::print("| GraphCanvas (grid index, LOD) | 1.0 | {} | {:.2f} | {:.2f} | {:.2f} |\n", drawn_in,
             zoomed_in.cpu_median, zoomed_in.median, zoomed_in.p95);

  if (graphicsview) {
    // The alternative: one QGraphicsItem per box and per edge, BSP index, Qt's own culling.
    QGraphicsScene gscene;
    QElapsedTimer build;
    build.start();
    for (const auto& item : scene->items) {
      auto* r = gscene.addRect(item.rect.x, item.rect.y, item.rect.w, item.rect.h,
                               QPen(Qt::darkBlue), QBrush(QColor(0xe3, 0xee, 0xfa)));
      if (item.kind == layout::ItemKind::ExpandedGroup)
        r->setZValue(-1 - static_cast<double>(item.depth));
    }
    for (const auto& edge : scene->edges) {
      if (edge.points.size() < 2) continue;
      QPainterPath path(QPointF(edge.points[0].x, edge.points[0].y));
      for (size_t i = 1; i < edge.points.size(); ++i)
        path.lineTo(edge.points[i].x, edge.points[i].y);
      gscene.addPath(path, QPen(Qt::gray));
    }
    const double build_ms = static_cast<double>(build.nsecsElapsed()) / 1e6;
    QGraphicsView view(&gscene);
    view.resize(1400, 900);
    view.setViewportUpdateMode(QGraphicsView::MinimalViewportUpdate);
    view.setOptimizationFlags(QGraphicsView::DontSavePainterState |
                              QGraphicsView::DontAdjustForAntialiasing);
    view.fitInView(gscene.itemsBoundingRect(), Qt::KeepAspectRatio);
    const auto pan_view = [&](int f) {
      const int d = f % 2 ? -6 : 6;
      view.horizontalScrollBar()->setValue(view.horizontalScrollBar()->value() + d);
      view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() + d);
    };
    const Timing gv_out = measure(view, frames, pan_view);
    view.resetTransform();
    const Timing gv_in = measure(view, frames, pan_view);
    fmt::print(
        "| QGraphicsView (BSP index; scene build {:.0f} ms) | fit | all | {:.2f} | {:.2f} | "
        "{:.2f} |\n",
        build_ms, gv_out.cpu_median, gv_out.median, gv_out.p95);
    fmt::print("| QGraphicsView (BSP index) | 1.0 | visible | {:.2f} | {:.2f} | {:.2f} |\n",
               gv_in.cpu_median, gv_in.median, gv_in.p95);
  }
  return 0;
}
