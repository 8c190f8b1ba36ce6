// The graph canvas: draws a layout::Scene (H6's geometry) in a custom QWidget that paints only the
// items intersecting the viewport, found through a uniform-grid spatial index, with level of detail
// (no text when it would be tiny, straight edge segments when zoomed out). Chosen over
// QGraphicsView by measured frame time (see bench/RESULTS.md, "gui").
//
// Interaction: drag or touchpad-scroll pans, the wheel and +/- zoom around the cursor, Space fits,
// click selects, double-click opens/closes a group, arrow keys walk producer (Up), consumer (Down)
// and siblings (Left/Right). The canvas reads and writes only the session context; layout requests
// go out as signals to whoever owns the layout (the main window's LayoutController).
#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

#include "canvas_theme.h"
#include "edgelens/inspectors/navigation.h"
#include "edgelens/inspectors/session_context.h"
#include "edgelens/layout/graph_layout.h"
#include "node_coloring.h"
#include "run_overlay.h"

namespace edgelens::gui {

class Minimap;

// What the canvas shows: one laid-out view of one graph. Shared pointers keep the model, grouping
// and geometry alive while a newer layout is computed on a worker thread.
struct CanvasView {
  std::shared_ptr<const Model> model;
  int graph = -1;
  std::shared_ptr<const layout::GroupTree> tree;
  std::shared_ptr<const layout::Scene> scene;
};

class GraphCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit GraphCanvas(inspect::SessionContext& context, QWidget* parent = nullptr);
  ~GraphCanvas() override;

  // Shows a new scene. When `anchor_group` is set, the view is moved so that group stays where it
  // was on screen (expanding a group does not throw the user elsewhere); else a new graph is
  // fitted.
  void setView(CanvasView view, std::optional<layout::GroupId> anchor_group = std::nullopt);
  const CanvasView& view() const { return view_; }
  void clear();

  void setColors(const CanvasColors& colors);
  void fitToView();
  // The first view of a graph: the whole graph when it is readable that way, else the top of it
  // (the inputs) at a readable zoom.
  void firstView();
  void zoomBy(double factor);                  // around the widget centre
  void zoomBy(double factor, QPointF anchor);  // anchor in widget coordinates
  void setZoom(double zoom);
  double zoom() const { return scale_; }
  void centerOn(QPointF world);
  void panBy(QPointF pixels);
  QRectF visibleWorldRect() const;
  QPointF worldToScreen(QPointF world) const;
  QPointF screenToWorld(QPointF screen) const;

  // Indices of the scene items that intersect the viewport (what a frame draws).
  std::vector<uint32_t> visibleItems() const;
  // The topmost item under a widget position.
  std::optional<uint32_t> itemAt(QPointF pos) const;
  // Item representing `node` (its box, or the collapsed group hiding it).
  std::optional<uint32_t> itemForNode(int node) const;
  // Walks like the arrow keys do: Up = producer, Down = consumer, Left/Right = siblings.
  bool walk(Qt::Key key);

  double lastFrameMs() const { return last_frame_ms_; }
  int lastFrameItems() const { return last_frame_items_; }
  bool textVisible() const;  // level of detail: labels drawn at this zoom

  // After a run (the context's run result): colour node boxes by a statistic, with a legend.
  void setOverlay(inspect::RunStatistic statistic);
  inspect::RunStatistic overlayStatistic() const { return overlay_statistic_; }
  const RunOverlay& overlay() const { return overlay_; }
  // A feature's colouring (delegate partitions, quantization error); null removes it. Setting one
  // turns the run-statistic overlay off, since only one colouring can show.
  void setNodeColoring(std::shared_ptr<const NodeColoring> coloring);
  const NodeColoring* nodeColoring() const { return coloring_.get(); }
  // The fill a node box gets from the run overlay or the feature colouring (nullopt: theme colour).
  std::optional<QColor> nodeFill(uint32_t node) const;
  // The item (node box or the collapsed group hiding it) is drawn with the NaN/Inf border.
  bool itemMarkedNonFinite(uint32_t item) const {
    return item < marks_.size() && (marks_[item] & 4) != 0;
  }

 signals:
  void toggleGroupRequested(layout::GroupId group, QPointF screen_pos);
  void revealNodeRequested(int node);
  void viewChanged();  // zoom or pan changed (the minimap follows)

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void buildIndex();
  void queryRect(const QRectF& world, std::vector<uint32_t>& items,
                 std::vector<uint32_t>* edges) const;
  void onNodeChanged();
  void refreshMarks();
  void ensureItemVisible(uint32_t item);
  void drawEdges(QPainter& p, const std::vector<uint32_t>& edges, bool detailed);
  void drawItem(QPainter& p, uint32_t index, bool text);
  void placeMinimap();

  inspect::SessionContext& context_;
  CanvasView view_;
  CanvasColors colors_;
  inspect::GraphLinks links_;

  // Transform: screen = (world - origin_) * scale_.
  double scale_ = 1.0;
  QPointF origin_;

  // Uniform grid over the scene bounds; frames (open groups) are few and kept in their own list.
  double cell_ = 256;
  int grid_w_ = 0, grid_h_ = 0;
  std::vector<std::vector<uint32_t>> cell_items_, cell_edges_;
  std::vector<uint32_t> frames_;
  mutable std::vector<uint32_t> item_stamp_, edge_stamp_;
  mutable uint32_t stamp_ = 0;

  std::vector<uint8_t> marks_;  // per item: bit 0 highlighted, bit 1 bookmarked, bit 2 NaN/Inf
  inspect::RunStatistic overlay_statistic_ = inspect::RunStatistic::None;
  RunOverlay overlay_;
  std::shared_ptr<const NodeColoring> coloring_;
  std::optional<uint32_t> selected_item_;
  int pending_reveal_node_ = -1;

  QPoint press_pos_;
  QPointF last_drag_;
  bool dragging_ = false;
  bool fitted_ = false;  // the view is a fit the user has not moved: refit on resize
  double last_frame_ms_ = 0;
  int last_frame_items_ = 0;
  Minimap* minimap_;
};

}  // namespace edgelens::gui
