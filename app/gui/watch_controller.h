// Watch mode (`edgelens-gui --watch FILE`): when a pipeline rewrites FILE the window reloads it and
// keeps what the user had: the graph shown, expanded groups (by namespace path), the selected node,
// the selection and the bookmarks (by node name: the name of the node's first output tensor, which
// survives re-export, else its position and op). Pipelines usually replace files atomically
// (write a temporary file, rename it over FILE), which drops the inotify watch on the old inode,
// so the directory is watched too and the path re-added; changes are debounced so a file written
// in several steps reloads once, after the writer is done.
#pragma once

#include <QFileSystemWatcher>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::gui {

class MainWindow;

// A node's identity across two versions of a model: its graph and name.
struct NodeKey {
  int graph = -1;
  std::string name;
  friend bool operator==(const NodeKey&, const NodeKey&) = default;
};
NodeKey node_key(const Model& model, int graph, int node);
// The node of `model` with that key, or -1.
int find_node(const Model& model, const NodeKey& key);

class WatchController : public QObject {
  Q_OBJECT
 public:
  // Opens `path` in `window` (when it is not open yet) and watches it.
  WatchController(MainWindow& window, const QString& path, int debounce_ms = 250);

  const QString& path() const { return path_; }
  int reloadCount() const { return reloads_; }
  // Reloads now (what a change notification does after the debounce).
  bool reload();

 signals:
  // After every attempt: ok = the new file is shown; message says what happened (or the error).
  void reloaded(bool ok, const QString& message);

 private:
  void onChanged();
  void rewatch();
  int modelIndex() const;
  // Identity of the file on disk (device, inode, size, mtime): directory events about other files
  // and a re-watch of the same inode must not reload.
  std::string stamp() const;

  MainWindow& window_;
  QString path_;
  QFileSystemWatcher watcher_;
  QTimer debounce_;
  std::string loaded_stamp_;
  int reloads_ = 0;
};

}  // namespace edgelens::gui
