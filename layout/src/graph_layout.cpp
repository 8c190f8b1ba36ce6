// Composes a view from per-group layouts. Each open group's children (nodes, closed groups as
// boxes, open groups as boxes the size of their own layout) are laid out on their own; an edge is
// shown in the layout of the lowest group holding both ends, between the children that contain
// them, so an edge into a group attaches to the group's box or frame.
#include "edgelens/layout/graph_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "layout_internal.h"

namespace edgelens::layout {
namespace {

using detail::BoxSize;
using detail::FlowEdge;
using detail::Placement;

enum class RefKind : uint8_t { Node, Group, Input, Output };
struct ChildRef {
  RefKind kind = RefKind::Node;
  uint32_t id = 0;
  bool operator==(const ChildRef&) const = default;
};

struct Connection {
  ChildRef from, to;
  int32_t tensor = -1;
};

// Which edges each group's layout shows; depends only on (graph, tree).
struct EdgeIndex {
  std::vector<std::vector<Connection>> by_group;
};

struct GroupLayout {
  struct Child {
    ChildRef ref;
    Rect rect;
    std::shared_ptr<const GroupLayout> inner;  // open groups only
  };
  struct Edge {
    uint32_t from = 0, to = 0;  // child indices
    int32_t tensor = -1;
    uint32_t tensor_count = 1;
    detail::PlacedEdge path;
  };
  double width = 0, height = 0;
  std::vector<Child> children;
  std::vector<Edge> edges;
  bool fast = false;
};

GroupId lowest_common_group(const GroupTree& tree, GroupId a, GroupId b) {
  while (a != b) {
    const Group& ga = tree.group(a);
    const Group& gb = tree.group(b);
    if (ga.depth >= gb.depth)
      a = ga.parent;
    else
      b = gb.parent;
  }
  return a;
}

// The child of `group` that contains `node` (the node itself when it sits directly in `group`).
ChildRef child_containing(const GroupTree& tree, GroupId group, uint32_t node) {
  GroupId at = tree.group_of_node(node);
  if (at == group) return {RefKind::Node, node};
  while (tree.group(at).parent != group) at = tree.group(at).parent;
  return {RefKind::Group, at};
}

EdgeIndex build_edge_index(const Graph& graph, const GroupTree& tree, bool graph_io) {
  EdgeIndex index;
  index.by_group.resize(tree.size());
  std::vector<int32_t> producer(graph.tensors.size(), -1);
  for (const Node& node : graph.nodes)
    for (int32_t t : node.outputs)
      if (t >= 0 && static_cast<size_t>(t) < producer.size() &&
          producer[static_cast<size_t>(t)] < 0)
        producer[static_cast<size_t>(t)] = static_cast<int32_t>(node.id);
  for (size_t c = 0; c < graph.nodes.size(); ++c) {
    for (int32_t t : graph.nodes[c].inputs) {
      if (t < 0 || static_cast<size_t>(t) >= producer.size()) continue;
      const int32_t p = producer[static_cast<size_t>(t)];
      if (p < 0 || static_cast<size_t>(p) == c) continue;
      const auto pu = static_cast<uint32_t>(p), cu = static_cast<uint32_t>(c);
      const GroupId lca = lowest_common_group(tree, tree.group_of_node(pu), tree.group_of_node(cu));
      index.by_group[lca].push_back(
          {child_containing(tree, lca, pu), child_containing(tree, lca, cu), t});
    }
  }
  if (graph_io && !index.by_group.empty()) {
    std::vector<std::vector<uint32_t>> consumers(graph.tensors.size());
    for (const Node& node : graph.nodes)
      for (int32_t t : node.inputs)
        if (t >= 0 && static_cast<size_t>(t) < consumers.size())
          consumers[static_cast<size_t>(t)].push_back(node.id);
    for (int32_t t : graph.inputs) {
      if (t < 0 || static_cast<size_t>(t) >= consumers.size()) continue;
      for (uint32_t c : consumers[static_cast<size_t>(t)])
        index.by_group[kRootGroup].push_back(
            {{RefKind::Input, static_cast<uint32_t>(t)}, child_containing(tree, kRootGroup, c), t});
    }
    for (int32_t t : graph.outputs) {
      if (t < 0 || static_cast<size_t>(t) >= producer.size()) continue;
      const int32_t p = producer[static_cast<size_t>(t)];
      if (p < 0) continue;
      index.by_group[kRootGroup].push_back(
          {child_containing(tree, kRootGroup, static_cast<uint32_t>(p)),
           {RefKind::Output, static_cast<uint32_t>(t)},
           t});
    }
  }
  return index;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

BoxSize text_box(const std::vector<std::string>& lines, const LayoutOptions& o) {
  size_t chars = 0;
  for (const std::string& line : lines) chars = std::max(chars, utf8_length(line));
  return {
      std::max(o.min_node_width, static_cast<double>(chars) * o.char_width + 2 * o.box_padding_x),
      static_cast<double>(std::max<size_t>(lines.size(), 1)) * o.line_height + 2 * o.box_padding_y};
}

std::string options_fingerprint(const LayoutOptions& o) {
  return fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}", o.font_size,
                     o.char_width, o.line_height, o.box_padding_x, o.box_padding_y,
                     o.min_node_width, o.group_padding, o.group_header, o.ranksep, o.nodesep,
                     static_cast<int>(o.routing), o.nslimit, o.nslimit1, o.mclimit, o.searchsize,
                     o.fast_layout_threshold, o.edge_labels, o.graph_io);
}

std::string tensor_display_name(const Graph& graph, uint32_t t) {
  std::string name = t < graph.tensors.size() ? graph.tensors[t].name : std::string();
  if (name.empty()) name = fmt::format("tensor {}", t);
  // Long fused names: keep the end, which names the value.
  if (utf8_length(name) > 48) {
    size_t cut = name.size() - 46;
    while (cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) ++cut;
    name = "…" + name.substr(cut);
  }
  return name;
}

}  // namespace

struct LayoutCache::Impl {
  std::mutex mutex;
  const Graph* graph = nullptr;
  const GroupTree* tree = nullptr;
  uint64_t tree_build = 0;
  size_t graph_nodes = 0;
  std::string options;
  std::shared_ptr<const EdgeIndex> edges;
  std::unordered_map<std::string, std::shared_ptr<const GroupLayout>> layouts;

  // Drops everything when used with another graph/tree/options.
  void bind(const Graph& g, const GroupTree& t, const std::string& o) {
    if (graph == &g && tree == &t && tree_build == t.build_id() && graph_nodes == g.nodes.size() &&
        options == o)
      return;
    graph = &g;
    tree = &t;
    tree_build = t.build_id();
    graph_nodes = g.nodes.size();
    options = o;
    edges.reset();
    layouts.clear();
  }
};

LayoutCache::LayoutCache() : impl_(std::make_unique<Impl>()) {}
LayoutCache::~LayoutCache() = default;
void LayoutCache::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->graph = nullptr;
  impl_->tree = nullptr;
  impl_->edges.reset();
  impl_->layouts.clear();
}
size_t LayoutCache::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->layouts.size();
}

namespace {

class Composer {
 public:
  Composer(const Graph& graph, const GroupTree& tree, const ExpansionState& expansion,
           const LayoutOptions& options, CancelToken* cancel, const ProgressFn& progress,
           LayoutCache* cache)
      : graph_(graph),
        tree_(tree),
        expansion_(expansion),
        options_(options),
        cancel_(cancel),
        progress_(progress),
        cache_(cache) {}

  Scene run() {
    Scene scene;
    if (tree_.size() == 0) return scene;
    const std::string fingerprint = options_fingerprint(options_);
    if (cache_) {
      auto& impl = cache_->impl();
      std::lock_guard lock(impl.mutex);
      impl.bind(graph_, tree_, fingerprint);
      if (!impl.edges)
        impl.edges =
            std::make_shared<EdgeIndex>(build_edge_index(graph_, tree_, options_.graph_io));
      edges_ = impl.edges;
    } else {
      edges_ = std::make_shared<EdgeIndex>(build_edge_index(graph_, tree_, options_.graph_io));
    }
    total_ = count_open(kRootGroup);
    const auto root = layout_group(kRootGroup);
    scene.bounds = {0, 0, root->width, root->height};
    emit(scene, *root, {0, 0}, kRootGroup);
    scene.dot_calls = dot_calls_;
    scene.cache_hits = cache_hits_;
    if (progress_) progress_(1.0, "done");
    return scene;
  }

 private:
  size_t count_open(GroupId g) const {
    size_t n = 1;
    for (GroupId c : tree_.group(g).child_groups)
      if (expansion_.is_expanded(c)) n += count_open(c);
    return n;
  }

  // Identifies a group's layout: the group plus which groups below it are open.
  std::string subtree_key(GroupId g) const {
    std::string key = fmt::format("{}", g);
    bool any = false;
    for (GroupId c : tree_.group(g).child_groups) {
      if (!expansion_.is_expanded(c)) continue;
      key += any ? "," : "(";
      any = true;
      key += subtree_key(c);
    }
    if (any) key += ')';
    return key;
  }

  std::shared_ptr<const GroupLayout> cached(const std::string& key) {
    if (!cache_) return nullptr;
    auto& impl = cache_->impl();
    std::lock_guard lock(impl.mutex);
    auto it = impl.layouts.find(key);
    return it == impl.layouts.end() ? nullptr : it->second;
  }

  void store(const std::string& key, std::shared_ptr<const GroupLayout> layout) {
    if (!cache_) return;
    auto& impl = cache_->impl();
    std::lock_guard lock(impl.mutex);
    if (impl.layouts.size() > 50000) impl.layouts.clear();  // bound memory on endless toggling
    impl.layouts.emplace(key, std::move(layout));
  }

  void tick(GroupId g, size_t skipped_groups = 1) {
    done_ += skipped_groups;
    if (progress_)
      progress_(std::min(0.99, static_cast<double>(done_) /
                                   static_cast<double>(std::max<size_t>(total_, 1))),
                fmt::format("laying out {}",
                            tree_.group(g).path.empty() ? "graph" : tree_.group(g).path));
  }

  std::shared_ptr<const GroupLayout> layout_group(GroupId g) {
    if (cancel_ && cancel_->cancelled()) throw LayoutCancelled();
    const std::string key = subtree_key(g);
    if (auto hit = cached(key)) {
      ++cache_hits_;
      tick(g, count_open(g));
      return hit;
    }
    const Group& group = tree_.group(g);
    auto layout = std::make_shared<GroupLayout>();
    std::vector<BoxSize> sizes;
    // Children in execution order; graph inputs first, outputs last (root only).
    struct Pending {
      uint64_t order;
      ChildRef ref;
    };
    std::vector<Pending> pending;
    const bool root_io = g == kRootGroup && options_.graph_io;
    if (root_io)
      for (int32_t t : graph_.inputs)
        if (t >= 0) pending.push_back({0, {RefKind::Input, static_cast<uint32_t>(t)}});
    for (uint32_t nd : group.nodes) pending.push_back({uint64_t{nd} + 1, {RefKind::Node, nd}});
    for (GroupId c : group.child_groups)
      pending.push_back({uint64_t{tree_.group(c).first_node} + 1, {RefKind::Group, c}});
    if (root_io)
      for (int32_t t : graph_.outputs)
        if (t >= 0) pending.push_back({UINT64_MAX, {RefKind::Output, static_cast<uint32_t>(t)}});
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Pending& a, const Pending& b) { return a.order < b.order; });

    std::map<std::pair<RefKind, uint32_t>, uint32_t> child_index;
    for (const Pending& p : pending) {
      GroupLayout::Child child;
      child.ref = p.ref;
      BoxSize size;
      switch (p.ref.kind) {
        case RefKind::Node:
          size = text_box(node_label_lines(graph_, graph_.nodes[p.ref.id]), options_);
          break;
        case RefKind::Group:
          if (expansion_.is_expanded(p.ref.id)) {
            child.inner = layout_group(p.ref.id);
            size = {std::max(child.inner->width + 2 * options_.group_padding,
                             text_box({tree_.group(p.ref.id).label}, options_).w),
                    child.inner->height + options_.group_header + options_.group_padding};
          } else {
            size = text_box(group_lines(p.ref.id), options_);
          }
          break;
        case RefKind::Input:
        case RefKind::Output:
          size = text_box(io_lines(p.ref.id), options_);
          break;
      }
      if (cancel_ && cancel_->cancelled()) throw LayoutCancelled();
      child_index.emplace(std::pair{p.ref.kind, p.ref.id},
                          static_cast<uint32_t>(layout->children.size()));
      layout->children.push_back(std::move(child));
      sizes.push_back(size);
    }

    // Edges between children, merged per (from, to) pair.
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> merged;
    std::vector<FlowEdge> flow;
    for (const Connection& c : edges_->by_group[g]) {
      const auto from = child_index.find({c.from.kind, c.from.id});
      const auto to = child_index.find({c.to.kind, c.to.id});
      if (from == child_index.end() || to == child_index.end() || from->second == to->second)
        continue;
      auto [it, fresh] =
          merged.emplace(std::pair{from->second, to->second}, static_cast<uint32_t>(flow.size()));
      if (fresh) {
        flow.push_back({from->second, to->second});
        GroupLayout::Edge e;
        e.from = from->second;
        e.to = to->second;
        e.tensor = c.tensor;
        layout->edges.push_back(std::move(e));
      } else if (layout->edges[it->second].tensor != c.tensor) {
        ++layout->edges[it->second].tensor_count;
      }
    }

    std::optional<Placement> placement;
    if (sizes.size() == 1) {
      placement = Placement{{Rect{0, 0, sizes[0].w, sizes[0].h}}, {}, sizes[0].w, sizes[0].h};
    } else if (sizes.size() > options_.fast_layout_threshold) {
      layout->fast = true;
    } else if (auto chain = detail::chain_place(sizes, flow, options_)) {
      placement = std::move(chain);  // what dot would draw, without the call
    } else if (!sizes.empty()) {
      placement = detail::dot_place(sizes, flow, options_);
      ++dot_calls_;
      if (!placement) layout->fast = true;  // Graphviz failed: still show something
    } else {
      placement = Placement{};
    }
    if (layout->fast) placement = detail::fast_place(sizes, flow, options_);
    layout->width = placement->width;
    layout->height = placement->height;
    for (size_t i = 0; i < layout->children.size(); ++i)
      layout->children[i].rect = placement->boxes[i];
    for (size_t i = 0; i < layout->edges.size() && i < placement->edges.size(); ++i)
      layout->edges[i].path = std::move(placement->edges[i]);
    tick(g);
    store(key, layout);
    return layout;
  }

  std::vector<std::string> group_lines(GroupId g) const {
    const Group& group = tree_.group(g);
    return {group.label,
            fmt::format("{} op{}", group.node_count, group.node_count == 1 ? "" : "s")};
  }

  std::vector<std::string> io_lines(uint32_t t) const {
    std::vector<std::string> lines{tensor_display_name(graph_, t)};
    if (t < graph_.tensors.size()) {
      std::string shape = shape_label(graph_.tensors[t]);
      if (!shape.empty()) lines.push_back(std::move(shape));
    }
    return lines;
  }

  void emit(Scene& scene, const GroupLayout& layout, Point origin, GroupId group) {
    if (layout.fast) scene.fast_layout_groups.push_back(group);
    const uint32_t depth = tree_.group(group).depth;
    std::vector<uint32_t> item_of_child(layout.children.size());
    for (size_t i = 0; i < layout.children.size(); ++i) {
      const auto& child = layout.children[i];
      SceneItem item;
      item.ref = child.ref.id;
      item.parent_group = group;
      item.depth = depth;
      item.rect = {child.rect.x + origin.x, child.rect.y + origin.y, child.rect.w, child.rect.h};
      switch (child.ref.kind) {
        case RefKind::Node: {
          const Node& node = graph_.nodes[child.ref.id];
          item.kind = ItemKind::Node;
          item.label_lines = node_label_lines(graph_, node);
          item.op = node.op.name;
          break;
        }
        case RefKind::Group:
          item.kind = child.inner ? ItemKind::ExpandedGroup : ItemKind::CollapsedGroup;
          if (child.inner) {
            item.label_lines = {tree_.group(child.ref.id).label};
            item.header_height = options_.group_header;
          } else {
            item.label_lines = group_lines(child.ref.id);
          }
          break;
        case RefKind::Input:
        case RefKind::Output:
          item.kind =
              child.ref.kind == RefKind::Input ? ItemKind::GraphInput : ItemKind::GraphOutput;
          item.label_lines = io_lines(child.ref.id);
          break;
      }
      const Rect frame = item.rect;
      item_of_child[i] = static_cast<uint32_t>(scene.items.size());
      scene.items.push_back(std::move(item));
      if (child.inner) {
        // Centre the inner layout when the title made the frame wider than the contents.
        const double inner_x = frame.x + (frame.w - child.inner->width) / 2;
        emit(scene, *child.inner, {inner_x, frame.y + options_.group_header}, child.ref.id);
      }
    }
    for (const auto& e : layout.edges) {
      SceneEdge edge;
      edge.from_item = item_of_child[e.from];
      edge.to_item = item_of_child[e.to];
      edge.tensor = e.tensor;
      edge.tensor_count = e.tensor_count;
      edge.bezier = e.path.bezier;
      edge.back_edge = e.path.back_edge;
      edge.points.reserve(e.path.points.size());
      for (Point p : e.path.points) edge.points.push_back({p.x + origin.x, p.y + origin.y});
      if (options_.edge_labels && e.tensor >= 0 &&
          static_cast<size_t>(e.tensor) < graph_.tensors.size()) {
        edge.label = shape_label(graph_.tensors[static_cast<size_t>(e.tensor)]);
        if (e.tensor_count > 1) edge.label += fmt::format(" (+{})", e.tensor_count - 1);
      }
      edge.label_pos = detail::path_midpoint(edge.points, edge.bezier);
      scene.edges.push_back(std::move(edge));
    }
  }

  const Graph& graph_;
  const GroupTree& tree_;
  const ExpansionState& expansion_;
  const LayoutOptions& options_;
  CancelToken* cancel_;
  const ProgressFn& progress_;
  LayoutCache* cache_;
  std::shared_ptr<const EdgeIndex> edges_;
  size_t total_ = 0, done_ = 0, dot_calls_ = 0, cache_hits_ = 0;
};

}  // namespace

Scene layout_graph(const Graph& graph, const GroupTree& tree, const ExpansionState& expansion,
                   const LayoutOptions& options, CancelToken* cancel, const ProgressFn& progress,
                   LayoutCache* cache) {
  return Composer(graph, tree, expansion, options, cancel, progress, cache).run();
}

}  // namespace edgelens::layout
