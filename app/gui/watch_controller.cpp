#include "watch_controller.h"

#include <sys/stat.h>
#include <QFileInfo>
#include <QStatusBar>

#include <fmt/format.h>

#include <map>

#include "edgelens/model_io/open.h"
#include "graph_canvas.h"
#include "layout_controller.h"
#include "main_window.h"

namespace edgelens::gui {

NodeKey node_key(const Model& model, int graph, int node) {
  if (graph < 0 || static_cast<size_t>(graph) >= model.graphs.size()) return {};
  const Graph& g = model.graphs[static_cast<size_t>(graph)];
  if (node < 0 || static_cast<size_t>(node) >= g.nodes.size()) return {};
  const Node& n = g.nodes[static_cast<size_t>(node)];
  for (int32_t t : n.outputs)
    if (t >= 0 && static_cast<size_t>(t) < g.tensors.size() &&
        !g.tensors[static_cast<size_t>(t)].name.empty())
      return {graph, "tensor:" + g.tensors[static_cast<size_t>(t)].name};
  return {graph, fmt::format("node:{}:{}", node, n.op.name)};
}

int find_node(const Model& model, const NodeKey& key) {
  if (key.graph < 0 || static_cast<size_t>(key.graph) >= model.graphs.size()) return -1;
  const Graph& g = model.graphs[static_cast<size_t>(key.graph)];
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (node_key(model, key.graph, static_cast<int>(n)) == key) return static_cast<int>(n);
  return -1;
}

namespace {

// Groups are rebuilt from namespaces on every load, so their ids change; the path (plus the label
// for the sections a too-wide group is split into) names the same group in both versions.
std::string group_key(const layout::Group& g) {
  return g.is_section ? g.path + "\x1f" + g.label : g.path;
}

}  // namespace

WatchController::WatchController(MainWindow& window, const QString& path, int debounce_ms)
    : QObject(&window), window_(window), path_(path) {
  if (modelIndex() < 0) window_.openFile(path_);
  debounce_.setSingleShot(true);
  debounce_.setInterval(debounce_ms);
  connect(&debounce_, &QTimer::timeout, this, [this] {
    if (stamp() != loaded_stamp_) reload();
  });
  connect(&watcher_, &QFileSystemWatcher::fileChanged, this, &WatchController::onChanged);
  connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, &WatchController::onChanged);
  loaded_stamp_ = stamp();
  rewatch();
}

std::string WatchController::stamp() const {
  struct stat st {};
  if (::stat(path_.toLocal8Bit().constData(), &st) != 0) return {};
  return fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

int WatchController::modelIndex() const {
  const auto& context = window_.context();
  for (int i = 0; i < context.modelCount(); ++i)
    if (QString::fromStdString(context.modelAt(i)->path) == path_) return i;
  return -1;
}

void WatchController::rewatch() {
  const QFileInfo info(path_);
  const QString dir = info.absolutePath();
  if (!watcher_.directories().contains(dir)) watcher_.addPath(dir);
  // Always anew: after a rename the old watch may still be listed but follows the old inode
  // (which our mapped model keeps alive).
  if (watcher_.files().contains(path_)) watcher_.removePath(path_);
  if (info.exists()) watcher_.addPath(path_);
}

void WatchController::onChanged() {
  // A directory event may be about another file; only our file's (re)appearance or change counts,
  // and the debounce restarts on each event so a file written in steps loads once.
  rewatch();
  if (!QFileInfo::exists(path_)) return;  // mid-replace: the rename will follow
  debounce_.start();
}

bool WatchController::reload() {
  auto& context = window_.context();
  const int index = modelIndex();
  const auto old_model = index >= 0 ? context.modelAt(index) : nullptr;
  std::shared_ptr<const Model> model;
  const std::string on_disk = stamp();
  try {
    model = open_model(path_.toStdString());
  } catch (const std::exception& e) {
    // Often a half-written file: keep showing the last good version; the next change retries.
    const QString message =
        tr("%1 not reloaded: %2").arg(QFileInfo(path_).fileName(), QString::fromUtf8(e.what()));
    window_.statusBar()->showMessage(message, 8000);
    loaded_stamp_ = on_disk;  // the same bytes will not read better; the next rewrite retries
    emit reloaded(false, message);
    return false;
  }

  // What the user had, by name.
  int graph = 0;
  std::optional<NodeKey> current;
  std::vector<NodeKey> selection, bookmarks;
  std::vector<std::string> expanded;
  if (old_model && context.currentModelIndex() == index) {
    graph = std::max(0, context.currentGraph());
    if (context.currentNode() >= 0) current = node_key(*old_model, graph, context.currentNode());
    for (int n : context.selection()) selection.push_back(node_key(*old_model, graph, n));
    for (const auto& ref : context.bookmarks())
      bookmarks.push_back(node_key(*old_model, ref.graph, ref.node));
    const auto* layout = window_.layoutController();
    if (const auto tree = layout->tree(); tree && window_.canvas()->view().model == old_model)
      for (layout::GroupId id : layout->expansion().expanded())
        if (id < tree->size()) expanded.push_back(group_key(tree->group(id)));
  }

  // Name -> node in the new version (graph by graph, built when first needed).
  std::map<int, std::map<std::string, int>> by_name;
  auto find = [&](const NodeKey& key) {
    if (key.graph < 0 || static_cast<size_t>(key.graph) >= model->graphs.size()) return -1;
    auto [it, fresh] = by_name.try_emplace(key.graph);
    if (fresh)
      for (size_t n = model->graphs[static_cast<size_t>(key.graph)].nodes.size(); n-- > 0;)
        it->second[node_key(*model, key.graph, static_cast<int>(n)).name] = static_cast<int>(n);
    const auto found = it->second.find(key.name);
    return found == it->second.end() ? -1 : found->second;
  };

  if (index >= 0) context.closeModel(index);
  context.addModel(model);
  if (graph < static_cast<int>(model->graphs.size())) context.setCurrentGraph(graph);
  for (const auto& key : bookmarks)
    if (const int n = find(key); n >= 0) context.toggleBookmark({key.graph, n});
  // Current node first: selecting it makes it the whole selection, which the saved one replaces.
  if (current)
    if (const int n = find(*current); n >= 0) context.setCurrentNode(n);
  std::vector<int> selected;
  for (const auto& key : selection)
    if (const int n = find(key); n >= 0) selected.push_back(n);
  context.setSelection(std::move(selected));

  // Expanded groups: once the new graph's first layout is shown, open the same paths.
  if (!expanded.empty()) {
    auto* layout = window_.layoutController();
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(layout, &LayoutController::finished, this,
                [this, model, graph, expanded, connection, layout] {
                  const auto& view = window_.canvas()->view();
                  if (view.model != model || view.graph != graph) return;
                  disconnect(*connection);
                  const auto tree = layout->tree();
                  if (!tree) return;
                  const std::set<std::string> want(expanded.begin(), expanded.end());
                  for (const auto& g : tree->groups()) {
                    if (g.id == layout::kRootGroup) continue;
                    if ((want.count(group_key(g)) != 0) != layout->expansion().is_expanded(g.id))
                      layout->toggleGroup(g.id);
                  }
                });
  }
  loaded_stamp_ = on_disk;
  ++reloads_;
  const QString message = tr("%1 reloaded (%2)").arg(QFileInfo(path_).fileName()).arg(reloads_);
  window_.statusBar()->showMessage(message, 5000);
  emit reloaded(true, message);
  return true;
}

}  // namespace edgelens::gui
