// Runs the current model with the interpreter (keep_all_tensors, so every tensor stays readable)
// on a worker thread (QtConcurrent), shows progress and a cancel button in the status bar, reports
// unsupported ops (op, node, why) before running, and stores the result in the session context
// (SessionContext::setRunResult → runChanged), from where the tensor viewer and canvas pick it up.
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

#include "edgelens/inspectors/run_result.h"
#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/inputs.h"
#include "worker_task.h"

class QStatusBar;
class QWidget;

namespace edgelens::gui {

struct RunOutcome {
  std::shared_ptr<const Model> model;
  std::shared_ptr<inspect::RunResult> result;  // null unless the run completed
  std::vector<runtime::UnsupportedNode> unsupported;
  QString error;
  bool cancelled = false;
};

using RunProgress = WorkProgress;  // done = finished graph-0 nodes

class RunController : public QObject {
  Q_OBJECT
 public:
  RunController(inspect::SessionContext& context, QWidget* dialog_parent);

  // Adds the progress bar and cancel button (hidden while idle) to the status bar.
  void attachStatusBar(QStatusBar* bar);
  void setInteractive(bool on) { interactive_ = on; }

  // Starts a run of the current model; false when there is no model or a run is going.
  bool start(std::vector<runtime::InputSpec> specs);
  bool running() const { return task_.running(); }  // until the outcome is applied
  void cancel() { task_.cancel(); }
  bool wait(int timeout_ms = 60000) { return task_.wait(timeout_ms); }  // false on timeout
  // Runs on the calling thread and applies the outcome like an asynchronous run (tests, --run).
  const RunOutcome& runBlocking(std::vector<runtime::InputSpec> specs);

  const RunOutcome& lastOutcome() const { return last_; }
  QString lastMessage() const { return last_message_; }  // what the message box said / would say

  // The run itself (any thread): builds the interpreter, reports unsupported nodes, applies the
  // inputs, invokes with progress/cancel, summarizes.
  static RunOutcome execute(std::shared_ptr<const Model> model,
                            std::vector<runtime::InputSpec> specs,
                            std::shared_ptr<RunProgress> progress);

 signals:
  void runFinished();

 private:
  void apply(RunOutcome outcome);

  inspect::SessionContext& context_;
  QWidget* dialog_parent_;
  bool interactive_ = true;
  RunOutcome last_;
  QString last_message_;
  WorkerTask<RunOutcome> task_;  // last: its destructor waits for the worker
};

}  // namespace edgelens::gui
