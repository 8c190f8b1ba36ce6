// Namespace grouping: turns a flat Graph into a tree of groups (model/block_3/conv ...) so that
// only what the user opened has to be laid out. No Qt; safe to build on a worker thread.
//
// Where the namespace of a node comes from, first hit wins:
//   1. Node::ns when a reader filled it (.pte module paths, ...);
//   2. a module path found in Node::debug_info ("module_path: a.b.c" / "a/b/c" lines);
//   3. tensor names (.tflite): the first output tensor (then constant inputs) whose cleaned name
//   has
//      a directory part. Cleaning drops ":0"-style suffixes, keeps the first of ";"-joined fused
//      names that has a directory, and drops "StatefulPartitionedCall"/"serving_default" prefixes.
// A group with more than `max_children` children is split into sections ("part 1/3") of
// consecutive children in execution order, so no single layout is ever large.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::layout {

using GroupId = uint32_t;
inline constexpr GroupId kRootGroup = 0;
inline constexpr GroupId kNoGroup = UINT32_MAX;

struct GroupingOptions {
  size_t max_children = 40;        // more children than this -> split into sections
  size_t min_group_nodes = 2;      // a namespace holding fewer nodes is dissolved into its parent
  bool merge_single_child = true;  // "model" holding only "model/layers" shows as "model/layers"
};

struct Group {
  GroupId id = kNoGroup;
  GroupId parent = kNoGroup;  // kNoGroup for the root
  std::string label;          // short text shown on the box ("conv", "layers/3", "part 2/5")
  std::string path;           // full namespace path ("model/block_3/conv"); "" for the root
  uint32_t depth = 0;         // root = 0
  bool is_section = false;    // made by splitting a too-wide group, not by a namespace
  // Direct children in execution order of their first node. A child is a group or a node.
  std::vector<GroupId> child_groups;
  std::vector<uint32_t> nodes;  // node ids directly in this group (not in child groups)
  uint32_t node_count = 0;      // nodes in the whole subtree
  uint32_t first_node = 0;      // smallest node id in the subtree (execution order key)
};

class GroupTree {
 public:
  GroupTree() = default;
  static GroupTree build(const Graph& graph, const GroupingOptions& options = {});

  const Group& root() const { return groups_.front(); }
  const Group& group(GroupId id) const { return groups_.at(id); }
  std::span<const Group> groups() const { return groups_; }
  size_t size() const { return groups_.size(); }
  size_t node_count() const { return node_group_.size(); }

  // Innermost group that directly holds `node`.
  GroupId group_of_node(uint32_t node) const { return node_group_.at(node); }
  // The namespace chosen for `node` (before dissolving/merging), for tooltips and search.
  const std::string& node_namespace(uint32_t node) const { return node_ns_.at(node); }
  // Root first, `id` last.
  std::vector<GroupId> ancestors_and_self(GroupId id) const;
  // True when `ancestor` is `id` or one of its ancestors.
  bool contains(GroupId ancestor, GroupId id) const;
  // Unique per build() in this process: lets LayoutCache notice a tree rebuilt at the same address.
  uint64_t build_id() const { return build_id_; }

 private:
  std::vector<Group> groups_;         // groups_[0] is the root
  std::vector<GroupId> node_group_;   // node id -> innermost group
  std::vector<std::string> node_ns_;  // node id -> namespace path it was given
  uint64_t build_id_ = 0;
  friend class GroupTreeBuilder;
};

// Which groups are open. The root is always open. Cheap to copy.
class ExpansionState {
 public:
  bool is_expanded(GroupId id) const;
  void expand(GroupId id);
  void collapse(GroupId id);
  void toggle(GroupId id);
  void collapse_all() { expanded_.clear(); }
  void expand_all(const GroupTree& tree);
  // Opens every group whose depth is < `depth` (depth 1 = the root's children are boxes).
  void expand_to_depth(const GroupTree& tree, uint32_t depth);
  // Opens the ancestors of `node` so it becomes visible (search results, bookmarks).
  void reveal_node(const GroupTree& tree, uint32_t node);
  // A good first view: opens groups breadth-first while the number of visible boxes stays
  // within `budget` (a model whose root holds one group does not open as one box).
  static ExpansionState initial(const GroupTree& tree, size_t budget = 40);

  std::span<const GroupId> expanded() const { return expanded_; }  // sorted
  bool operator==(const ExpansionState&) const = default;

 private:
  std::vector<GroupId> expanded_;  // sorted, unique; never holds the root
};

// Cleans a tensor name and returns its directory part ("" when it has none). Exposed for tests
// and for the GUI's tooltips.
std::string namespace_from_tensor_name(std::string_view tensor_name);

}  // namespace edgelens::layout
