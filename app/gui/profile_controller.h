// Run > Profile: runs the current model N times on a worker thread (QtConcurrent, like
// RunController) with the per-node profiler attached, shows progress and a cancel button in the
// status bar, reports unsupported ops before running, and hands the result to the profile panel
// and to the canvas as a latency colouring (average ms per run, blue → red, with a legend).
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <string>
#include <vector>

#include "edgelens/inspectors/profile_panel.h"
#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/inputs.h"
#include "node_coloring.h"
#include "worker_task.h"

class QDockWidget;
class QMainWindow;

namespace edgelens::gui {

class GraphCanvas;

struct ProfileRequest {
  std::vector<runtime::InputSpec> inputs;  // empty: ramp
  int warmup = 1;
  int iterations = 10;
  std::string delegate = "none";
  int threads = 1;
};

struct ProfileOutcome {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const inspect::ProfileData> profile;  // null unless the runs completed
  std::vector<runtime::UnsupportedNode> unsupported;
  QString error;
  bool cancelled = false;
};

using ProfileProgress = WorkProgress;  // done = finished runs (warmup included)

// The canvas colouring: graph-0 nodes by average ms per run on a linear blue → yellow → red ramp
// (the run overlay's colours) from the fastest to the slowest node, with a legend.
class LatencyColoring : public NodeColoring {
 public:
  explicit LatencyColoring(std::shared_ptr<const inspect::ProfileData> profile);
  bool appliesTo(const Model* model, int graph) const override;
  std::optional<QColor> colorForNode(uint32_t node) const override;
  void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const override;
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  std::shared_ptr<const inspect::ProfileData> profile_;
  double lo_ = 0, hi_ = 0;
};

class ProfileController : public QObject {
  Q_OBJECT
 public:
  // Adds the profile panel's dock, Run > Profile (Ctrl+Shift+P) and the status-bar progress to
  // `window`; results colour `canvas`.
  ProfileController(QMainWindow* window, inspect::SessionContext& context, GraphCanvas* canvas);

  void setInteractive(bool on) { interactive_ = on; }
  inspect::ProfilePanel* panel() const { return panel_; }
  QDockWidget* dock() const { return dock_; }
  std::shared_ptr<const LatencyColoring> coloring() const { return coloring_; }

  bool start(ProfileRequest request);  // false when there is no model or a profile is running
  bool running() const { return task_.running(); }
  void cancel() { task_.cancel(); }
  bool wait(int timeout_ms = 120000) { return task_.wait(timeout_ms); }  // false on timeout
  // Runs on the calling thread and applies the outcome (tests, --profile).
  const ProfileOutcome& runBlocking(ProfileRequest request);

  const ProfileOutcome& lastOutcome() const { return last_; }
  QString lastMessage() const { return last_message_; }

  static ProfileOutcome execute(std::shared_ptr<const Model> model, ProfileRequest request,
                                std::shared_ptr<ProfileProgress> progress);

 signals:
  // A profile completed and is shown in the panel and on the canvas.
  void profiled(std::shared_ptr<const inspect::ProfileData> profile);
  void profileFinished();  // after every attempt (message in lastMessage())

 private:
  void apply(ProfileOutcome outcome);
  void show(std::shared_ptr<const inspect::ProfileData> profile);

  QMainWindow* window_;
  inspect::SessionContext& context_;
  GraphCanvas* canvas_;
  inspect::ProfilePanel* panel_;
  QDockWidget* dock_;
  std::shared_ptr<const LatencyColoring> coloring_;
  bool interactive_ = true;
  ProfileOutcome last_;
  QString last_message_;
  WorkerTask<ProfileOutcome> task_;  // last: its destructor waits for the worker
};

}  // namespace edgelens::gui
