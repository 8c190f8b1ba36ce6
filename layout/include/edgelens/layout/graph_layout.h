// Lays out the visible part of a graph: every open group is laid out on its own with Graphviz dot
// (its children: nodes, closed groups as single boxes, open groups as boxes the size of their own
// inner layout), and the results are composed recursively. Each group's layout is cached by
// (group, expansion state of its subtree, options), so opening or closing one group re-runs dot
// only for that group and its ancestors.
//
// Threads: call from any thread. Graphviz's gvc/cgraph are not thread-safe, so every dot call in
// the process is serialized by one internal mutex; a LayoutCache has its own mutex. Cancel via
// CancelToken from any thread; the call then throws LayoutCancelled between group layouts.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "edgelens/layout/grouping.h"
#include "edgelens/layout/scene.h"
#include "edgelens/model_io/model.h"

namespace edgelens::layout {

enum class EdgeRouting {
  Spline,    // Graphviz splines=spline (Bézier control points)
  Polyline,  // Graphviz splines=polyline
  Line,      // splines=false: straight segments, fastest
};

struct LayoutOptions {
  // Box sizing (points). Text width is estimated as chars * char_width (no font metrics here).
  double font_size = 11;
  double char_width = 6.6;
  double line_height = 14;
  double box_padding_x = 10;
  double box_padding_y = 6;
  double min_node_width = 72;
  double group_padding = 12;  // inside an open group's frame
  double group_header = 20;   // title band of an open group's frame
  // Graphviz dot tuning (see docs/layout.md for the measurements behind the defaults).
  double ranksep = 0.35;  // inches
  double nodesep = 0.25;  // inches
  EdgeRouting routing = EdgeRouting::Spline;
  double nslimit = 2;  // network-simplex iteration factors (x positions / ranking)
  double nslimit1 = 2;
  double mclimit = 0.5;  // crossing-minimization effort
  int searchsize = 30;
  // Above this many children (nodes + groups) in one open group, use the fast layered layout.
  size_t fast_layout_threshold = 250;
  bool edge_labels = true;  // tensor shapes on edges
  bool graph_io = true;     // graph input/output items in the root layout
};

class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void reset() { cancelled_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct LayoutCancelled : std::runtime_error {
  LayoutCancelled() : std::runtime_error("layout cancelled") {}
};

// fraction in [0, 1]; stage is a short human-readable text ("laying out model/layers/3").
using ProgressFn = std::function<void(double fraction, std::string_view stage)>;

// Per-group layout results for one (Graph, GroupTree) pair. Keep one per open graph and pass it to
// every layout_graph call for that graph; it clears itself if used with another graph or tree.
// Thread-safe (internal mutex).
class LayoutCache {
 public:
  LayoutCache();
  ~LayoutCache();
  LayoutCache(const LayoutCache&) = delete;
  LayoutCache& operator=(const LayoutCache&) = delete;
  void clear();
  size_t size() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Lays out what `expansion` makes visible. `cache` may be null (then nothing is reused).
// Throws LayoutCancelled when `cancel` fires.
Scene layout_graph(const Graph& graph, const GroupTree& tree, const ExpansionState& expansion,
                   const LayoutOptions& options = {}, CancelToken* cancel = nullptr,
                   const ProgressFn& progress = {}, LayoutCache* cache = nullptr);

// The text lines shown on a node's box: op type, then key attributes ("3×3 s2", "RELU6").
std::vector<std::string> node_label_lines(const Graph& graph, const Node& node);
// "1×56×56×24" for a tensor's static shape ("?" for dynamic dims, "" when unranked).
std::string shape_label(const Tensor& tensor);

}  // namespace edgelens::layout
