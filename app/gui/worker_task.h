// The worker-thread plumbing the Run and Profile controllers share: one job at a time on
// QtConcurrent, a status-bar progress bar and cancel button polled while it runs, cancel, and a
// wait() that spins the event loop until the outcome has been handed back on the GUI thread.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "edgelens/runtime/observer.h"

class QProgressBar;
class QStatusBar;
class QToolButton;

namespace edgelens::runtime {
struct UnsupportedNode;
}

namespace edgelens::gui {

// Shared between the GUI and the worker: progress counters and the cancel request.
struct WorkProgress {
  std::atomic<bool> cancel{false};
  std::atomic<int> done{0};
  int total = 0;
};

// Stops a run between nodes (by throwing; the interpreter may wrap it, so callers test
// WorkProgress::cancel to tell a cancel from an error) and counts progress: finished graph-0 nodes
// or finished invokes.
class ProgressObserver : public runtime::Observer {
 public:
  enum class Counts { Graph0Nodes, Invokes };
  ProgressObserver(WorkProgress& progress, Counts counts) : progress_(progress), counts_(counts) {}
  void on_node_end(const runtime::NodeEvent& event) override;
  void on_invoke_end(const runtime::Interpreter&) override;

 private:
  WorkProgress& progress_;
  Counts counts_;
};

// "The model cannot run: N node(s) are not supported." and one line per node.
QString unsupported_message(const std::vector<runtime::UnsupportedNode>& nodes);

// The part that does not depend on the outcome type (moc cannot handle templates).
class WorkerTaskBase : public QObject {
  Q_OBJECT
 public:
  explicit WorkerTaskBase(QObject* parent);

  // Adds the progress bar (`format`, e.g. "run %v/%m") and the cancel button, hidden while idle,
  // to the status bar.
  void attachStatusBar(QStatusBar* bar, const QString& format, const QString& cancel_text);
  bool running() const { return busy_; }  // until the outcome is handed back
  void cancel();
  bool wait(int timeout_ms);  // false on timeout

 signals:
  void finished();  // after the outcome was handed back; running() is false again

 protected:
  std::shared_ptr<WorkProgress> begin(int total);
  void hideProgress();
  void finish();

 private:
  std::shared_ptr<WorkProgress> progress_;
  QTimer poll_;
  QProgressBar* bar_ = nullptr;
  QToolButton* cancel_button_ = nullptr;
  bool busy_ = false;
};

template <class Outcome>
class WorkerTask : public WorkerTaskBase {
 public:
  using Work = std::function<Outcome(std::shared_ptr<WorkProgress>)>;

  // `done` receives each outcome on the GUI thread, before finished() is emitted.
  WorkerTask(QObject* parent, std::function<void(Outcome)> done)
      : WorkerTaskBase(parent), done_(std::move(done)) {
    connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, [this] {
      hideProgress();
      done_(watcher_.result());
      finish();
    });
  }
  ~WorkerTask() override {
    cancel();
    watcher_.waitForFinished();
  }

  // Runs `work` on a worker thread with a progress of `total` steps; false while a job is going.
  bool start(int total, Work work) {
    if (running()) return false;
    watcher_.setFuture(QtConcurrent::run(std::move(work), begin(total)));
    return true;
  }

 private:
  std::function<void(Outcome)> done_;
  QFutureWatcher<Outcome> watcher_;
};

}  // namespace edgelens::gui
