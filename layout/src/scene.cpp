#include "edgelens/layout/scene.h"

namespace edgelens::layout {

std::optional<uint32_t> Scene::find_item(ItemKind kind, uint32_t ref) const {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].kind == kind && items[i].ref == ref) return static_cast<uint32_t>(i);
  return std::nullopt;
}

std::optional<uint32_t> Scene::item_for_node(const GroupTree& tree, uint32_t node) const {
  if (auto own = find_item(ItemKind::Node, node)) return own;
  if (node >= tree.node_count()) return std::nullopt;
  // The outermost collapsed ancestor is the visible one (inner ones are hidden inside it).
  for (GroupId g : tree.ancestors_and_self(tree.group_of_node(node)))
    if (auto box = find_item(ItemKind::CollapsedGroup, g)) return box;
  return std::nullopt;
}

}  // namespace edgelens::layout
