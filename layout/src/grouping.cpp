// Namespace grouping: node namespaces -> a trie of paths -> dissolve tiny groups, merge
// single-child chains -> split wide groups into sections -> GroupTree in execution order.
#include "edgelens/layout/grouping.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <unordered_map>

namespace edgelens::layout {
namespace {

// Path components that carry no structure (TF2 SavedModel call wrappers, signature prefixes).
bool is_wrapper_component(std::string_view c) {
  return c.starts_with("StatefulPartitionedCall") || c.starts_with("PartitionedCall") ||
         c == "serving_default" || c.starts_with("serving_default_");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "a/b/c:0" -> "a/b/c"; the ":N" output index is not part of the namespace.
std::string_view strip_output_index(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == s.size()) return s;
  for (size_t i = colon + 1; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return s;
  return s.substr(0, colon);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Directory part of one (unfused) cleaned name, wrapper components dropped.
std::string directory_of(std::string_view name) {
  name = strip_output_index(trim(name));
  std::vector<std::string_view> comps;
  for (std::string_view c : split(name, '/'))
    if (!c.empty() && !is_wrapper_component(c)) comps.push_back(c);
  if (comps.size() < 2) return {};
  std::string dir;
  for (size_t i = 0; i + 1 < comps.size(); ++i) {
    if (i) dir += '/';
    dir += comps[i];
  }
  return dir;
}

// Module paths from readers may use dots ("layers.0.attn"); normalise to slashes.
std::string normalise_ns(std::string_view ns) {
  ns = trim(ns);
  std::string out(ns);
  if (out.find('/') == std::string::npos) std::replace(out.begin(), out.end(), '.', '/');
  // Drop empty and wrapper components.
  std::string clean;
  for (std::string_view c : split(out, '/')) {
    if (c.empty() || is_wrapper_component(c)) continue;
    if (!clean.empty()) clean += '/';
    clean += c;
  }
  return clean;
}

// "module_path: a.b.c" / "nn_module_stack: a.b" lines in debug info.
std::string ns_from_debug_info(std::string_view info) {
  for (std::string_view line : split(info, '\n')) {
    line = trim(line);
    for (std::string_view key : {"module_path:", "nn_module_stack:", "module:"}) {
      if (line.starts_with(key)) return normalise_ns(line.substr(key.size()));
    }
  }
  return {};
}

std::string node_namespace_of(const Graph& graph, const Node& node) {
  if (!node.ns.empty()) return normalise_ns(node.ns);
  if (!node.debug_info.empty()) {
    std::string ns = ns_from_debug_info(node.debug_info);
    if (!ns.empty()) return ns;
  }
  auto try_tensor = [&](int32_t t) -> std::string {
    if (t < 0 || static_cast<size_t>(t) >= graph.tensors.size()) return {};
    return namespace_from_tensor_name(graph.tensors[static_cast<size_t>(t)].name);
  };
  // The output tensor is named after the op itself; constant inputs (weights) after its layer.
  for (int32_t t : node.outputs)
    if (std::string ns = try_tensor(t); !ns.empty()) return ns;
  for (int32_t t : node.inputs)
    if (t >= 0 && static_cast<size_t>(t) < graph.tensors.size() &&
        graph.tensors[static_cast<size_t>(t)].is_constant)
      if (std::string ns = try_tensor(t); !ns.empty()) return ns;
  return {};
}

struct TrieNode {
  std::string component;  // last path component
  uint32_t parent = UINT32_MAX;
  std::vector<uint32_t> children;
  std::unordered_map<std::string, uint32_t> child_index;
  std::vector<uint32_t> nodes;  // graph nodes directly here
  uint32_t count = 0;           // nodes in subtree
  std::string label;            // after merging single-child chains
};

}  // namespace

std::string namespace_from_tensor_name(std::string_view tensor_name) {
  // Fused names ("a/conv/Relu;a/conv/BiasAdd;a/conv/Conv2D"): the first part names the result;
  // fall back to later parts when it has no directory.
  for (std::string_view part : split(tensor_name, ';')) {
    std::string dir = directory_of(part);
    if (!dir.empty()) return dir;
  }
  return {};
}

class GroupTreeBuilder {
 public:
  GroupTreeBuilder(const Graph& graph, const GroupingOptions& options)
      : graph_(graph), options_(options) {}

  GroupTree build() {
    const size_t n = graph_.nodes.size();
    tree_.node_group_.assign(n, kRootGroup);
    tree_.node_ns_.resize(n);
    trie_.push_back({});  // root
    std::vector<uint32_t> node_trie(n, 0);
    for (size_t i = 0; i < n; ++i) {
      tree_.node_ns_[i] = node_namespace_of(graph_, graph_.nodes[i]);
      node_trie[i] = insert_path(tree_.node_ns_[i]);
    }
    // Subtree counts (children were always created after their parent: reverse order works).
    for (size_t i = 0; i < n; ++i) ++trie_[node_trie[i]].count;
    for (size_t t = trie_.size(); t-- > 1;) trie_[trie_[t].parent].count += trie_[t].count;
    // A node lives in its deepest namespace that holds enough nodes.
    const uint32_t min_nodes = static_cast<uint32_t>(std::max<size_t>(options_.min_group_nodes, 1));
    for (size_t i = 0; i < n; ++i) {
      uint32_t t = node_trie[i];
      while (t != 0 && trie_[t].count < min_nodes) t = trie_[t].parent;
      trie_[t].nodes.push_back(static_cast<uint32_t>(i));
    }
    emit(0, kNoGroup, 0, "");
    return std::move(tree_);
  }

 private:
  uint32_t insert_path(const std::string& path) {
    uint32_t at = 0;
    if (path.empty()) return at;
    // Neighbouring nodes mostly share a namespace: look the whole path up first.
    if (auto hit = path_cache_.find(path); hit != path_cache_.end()) return hit->second;
    for (std::string_view c : split(path, '/')) {
      auto& index = trie_[at].child_index;
      auto it = index.find(std::string(c));
      if (it != index.end()) {
        at = it->second;
        continue;
      }
      const auto next = static_cast<uint32_t>(trie_.size());
      trie_[at].child_index.emplace(std::string(c), next);
      trie_[at].children.push_back(next);
      TrieNode child;
      child.component = std::string(c);
      child.parent = at;
      trie_.push_back(std::move(child));
      at = next;
    }
    path_cache_.emplace(path, at);
    return at;
  }

  // Children of trie node t that still hold nodes (dissolved ones have count < min but their
  // nodes moved up), with single-child chains merged. Returns (trie id, label) pairs.
  void live_children(uint32_t t, std::vector<std::pair<uint32_t, std::string>>& out) {
    const uint32_t min_nodes = static_cast<uint32_t>(std::max<size_t>(options_.min_group_nodes, 1));
    for (uint32_t c : trie_[t].children) {
      if (trie_[c].count < min_nodes) continue;
      std::string label = trie_[c].component;
      uint32_t at = c;
      if (options_.merge_single_child) {
        while (trie_[at].nodes.empty()) {
          uint32_t only = UINT32_MAX;
          size_t live = 0;
          for (uint32_t cc : trie_[at].children)
            if (trie_[cc].count >= min_nodes) {
              only = cc;
              ++live;
            }
          if (live != 1) break;
          at = only;
          label += '/';
          label += trie_[at].component;
        }
      }
      out.emplace_back(at, std::move(label));
    }
  }

  struct Child {
    uint32_t key;  // execution-order key (first node id)
    bool is_group;
    uint32_t trie_or_node;
    std::string label;
  };

  GroupId new_group(GroupId parent, uint32_t depth, std::string label, std::string path,
                    bool section) {
    Group g;
    g.id = static_cast<GroupId>(tree_.groups_.size());
    g.parent = parent;
    g.depth = depth;
    g.label = std::move(label);
    g.path = std::move(path);
    g.is_section = section;
    tree_.groups_.push_back(std::move(g));
    return tree_.groups_.back().id;
  }

  // Creates the group for trie node t (and its subtree); returns its id.
  GroupId emit(uint32_t t, GroupId parent, uint32_t depth, std::string label) {
    if (first_cache_.empty()) compute_first_nodes();
    const std::string path = path_of(t);
    const GroupId id = new_group(parent, depth, std::move(label), path, false);
    std::vector<Child> children;
    for (uint32_t nd : trie_[t].nodes) children.push_back({nd, false, nd, {}});
    std::vector<std::pair<uint32_t, std::string>> live;
    live_children(t, live);
    for (auto& [c, l] : live) children.push_back({first_cache_[c], true, c, std::move(l)});
    std::sort(children.begin(), children.end(),
              [](const Child& a, const Child& b) { return a.key < b.key; });
    fill(id, children);
    return id;
  }

  // Puts `children` into group `id`, splitting into sections when there are too many.
  void fill(GroupId id, std::span<Child> children) {
    const size_t max_children = std::max<size_t>(options_.max_children, 2);
    const uint32_t depth = tree_.groups_[id].depth;
    if (children.size() <= max_children) {
      for (Child& c : children) {
        if (c.is_group) {
          const GroupId child = emit(c.trie_or_node, id, depth + 1, std::move(c.label));
          tree_.groups_[id].child_groups.push_back(child);
        } else {
          tree_.groups_[id].nodes.push_back(c.trie_or_node);
          tree_.node_group_[c.trie_or_node] = id;
        }
      }
    } else {
      size_t sections = (children.size() + max_children - 1) / max_children;
      sections = std::min(sections, max_children);  // deeper splitting happens recursively
      const size_t per = (children.size() + sections - 1) / sections;
      const size_t total = (children.size() + per - 1) / per;
      for (size_t s = 0; s < total; ++s) {
        const size_t begin = s * per, end = std::min(children.size(), begin + per);
        const std::string& parent_path = tree_.groups_[id].path;
        const GroupId sec = new_group(id, depth + 1, fmt::format("part {}/{}", s + 1, total),
                                      fmt::format("{}#part{}", parent_path, s + 1), true);
        tree_.groups_[id].child_groups.push_back(sec);
        fill(sec, children.subspan(begin, end - begin));
      }
    }
    // Totals (children are complete now).
    Group& g = tree_.groups_[id];
    uint32_t count = static_cast<uint32_t>(g.nodes.size());
    uint32_t first =
        g.nodes.empty() ? UINT32_MAX : *std::min_element(g.nodes.begin(), g.nodes.end());
    for (GroupId c : g.child_groups) {
      count += tree_.groups_[c].node_count;
      first = std::min(first, tree_.groups_[c].first_node);
    }
    g.node_count = count;
    g.first_node = first == UINT32_MAX ? 0 : first;
  }

  void compute_first_nodes() {
    first_cache_.assign(trie_.size(), UINT32_MAX);
    // Nodes are already distributed; children have larger trie ids than parents.
    for (size_t t = trie_.size(); t-- > 0;) {
      uint32_t best = first_cache_[t];
      for (uint32_t nd : trie_[t].nodes) best = std::min(best, nd);
      first_cache_[t] = best;
      if (t != 0) {
        uint32_t& p = first_cache_[trie_[t].parent];
        p = std::min(p, best);
      }
    }
  }

  std::string path_of(uint32_t t) const {
    std::vector<const std::string*> comps;
    for (uint32_t at = t; at != 0; at = trie_[at].parent) comps.push_back(&trie_[at].component);
    std::string path;
    for (size_t i = comps.size(); i-- > 0;) {
      path += *comps[i];
      if (i) path += '/';
    }
    return path;
  }

  const Graph& graph_;
  const GroupingOptions& options_;
  std::vector<TrieNode> trie_;
  std::vector<uint32_t> first_cache_;
  std::unordered_map<std::string, uint32_t> path_cache_;
  GroupTree tree_;
};

GroupTree GroupTree::build(const Graph& graph, const GroupingOptions& options) {
  static std::atomic<uint64_t> builds{0};
  GroupTree tree = GroupTreeBuilder(graph, options).build();
  tree.build_id_ = ++builds;
  return tree;
}

std::vector<GroupId> GroupTree::ancestors_and_self(GroupId id) const {
  std::vector<GroupId> chain;
  for (GroupId at = id; at != kNoGroup; at = groups_.at(at).parent) chain.push_back(at);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

bool GroupTree::contains(GroupId ancestor, GroupId id) const {
  for (GroupId at = id; at != kNoGroup; at = groups_.at(at).parent)
    if (at == ancestor) return true;
  return false;
}

// ---- ExpansionState ----

bool ExpansionState::is_expanded(GroupId id) const {
  return id == kRootGroup || std::binary_search(expanded_.begin(), expanded_.end(), id);
}

void ExpansionState::expand(GroupId id) {
  if (id == kRootGroup) return;
  auto it = std::lower_bound(expanded_.begin(), expanded_.end(), id);
  if (it == expanded_.end() || *it != id) expanded_.insert(it, id);
}

void ExpansionState::collapse(GroupId id) {
  auto it = std::lower_bound(expanded_.begin(), expanded_.end(), id);
  if (it != expanded_.end() && *it == id) expanded_.erase(it);
}

void ExpansionState::toggle(GroupId id) {
  if (is_expanded(id))
    collapse(id);
  else
    expand(id);
}

void ExpansionState::expand_all(const GroupTree& tree) {
  expanded_.clear();
  for (const Group& g : tree.groups())
    if (g.id != kRootGroup) expanded_.push_back(g.id);
}

void ExpansionState::expand_to_depth(const GroupTree& tree, uint32_t depth) {
  expanded_.clear();
  for (const Group& g : tree.groups())
    if (g.id != kRootGroup && g.depth < depth) expanded_.push_back(g.id);
}

void ExpansionState::reveal_node(const GroupTree& tree, uint32_t node) {
  for (GroupId g : tree.ancestors_and_self(tree.group_of_node(node))) expand(g);
}

ExpansionState ExpansionState::initial(const GroupTree& tree, size_t budget) {
  ExpansionState state;
  if (tree.size() == 0) return state;
  const Group& root = tree.root();
  size_t visible = root.child_groups.size() + root.nodes.size();
  std::vector<GroupId> queue(root.child_groups.begin(), root.child_groups.end());
  for (size_t i = 0; i < queue.size(); ++i) {
    const Group& g = tree.group(queue[i]);
    const size_t children = g.child_groups.size() + g.nodes.size();
    if (children == 0) continue;
    if (visible + children - 1 > budget) continue;
    visible += children - 1;
    state.expand(g.id);
    queue.insert(queue.end(), g.child_groups.begin(), g.child_groups.end());
  }
  return state;
}

}  // namespace edgelens::layout
