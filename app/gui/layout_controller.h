// Runs grouping and layout for the shown graph on a worker thread (QtConcurrent), with progress
// and cancel, and hands finished scenes to the canvas. The UI thread never waits on Graphviz: a new
// request while one runs cancels the running one and starts right after it stops.
#pragma once

#include <QFutureWatcher>
#include <QObject>

#include <map>
#include <memory>
#include <optional>

#include "edgelens/layout/graph_layout.h"
#include "graph_canvas.h"

namespace edgelens::gui {

class LayoutController : public QObject {
  Q_OBJECT
 public:
  explicit LayoutController(QObject* parent = nullptr);
  ~LayoutController() override;

  // Starts laying out graph `graph` of `model` with a first-view expansion (or the one remembered
  // for that graph). Caches are kept per graph until another model is set.
  void setGraph(std::shared_ptr<const Model> model, int graph);
  void toggleGroup(layout::GroupId group);
  void expandAll();
  void collapseAll();
  void expandToDepth(uint32_t depth);
  // Opens the groups hiding `node`.
  void revealNode(int node);
  void cancel();

  bool busy() const { return running_; }
  std::shared_ptr<const layout::GroupTree> tree() const { return tree_; }
  const layout::ExpansionState& expansion() const { return expansion_; }
  double lastLayoutMs() const { return last_ms_; }
  // Spins the event loop until no layout runs or `timeout_ms` passes (tests, --screenshot).
  bool waitForIdle(int timeout_ms);

 signals:
  void started();
  void progress(double fraction, const QString& stage);
  void finished(const edgelens::gui::CanvasView& view, std::optional<layout::GroupId> anchor);
  void failed(const QString& message);
  void cancelled();

 private:
  struct Result {
    std::shared_ptr<const Model> model;  // what the job laid out
    int graph = -1;
    std::shared_ptr<const layout::GroupTree> tree;
    layout::ExpansionState expansion;
    std::shared_ptr<const layout::Scene> scene;
    QString error;
    bool cancelled = false;
    double ms = 0;
  };
  void request(std::optional<layout::ExpansionState> expansion,
               std::optional<layout::GroupId> anchor);
  void startPending();
  void onFinished();

  std::shared_ptr<const Model> model_;
  int graph_ = -1;
  std::shared_ptr<const layout::GroupTree> tree_;
  layout::ExpansionState expansion_;  // of the scene shown (or about to be)
  std::map<int, std::shared_ptr<layout::LayoutCache>> caches_;
  std::map<int, std::shared_ptr<const layout::GroupTree>> trees_;
  std::map<int, layout::ExpansionState> remembered_;

  struct Pending {
    std::optional<layout::ExpansionState> expansion;  // nullopt = first view
    std::optional<layout::GroupId> anchor;
  };
  std::optional<Pending> pending_;
  std::optional<layout::GroupId> running_anchor_;
  std::shared_ptr<layout::CancelToken> token_;
  QFutureWatcher<Result> watcher_;
  bool running_ = false;
  double last_ms_ = 0;
};

}  // namespace edgelens::gui
