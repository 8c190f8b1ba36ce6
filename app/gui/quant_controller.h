// Runs the quantization debugger for the GUI: the report (layer-wise or accumulated, with an
// optional float model) on a worker thread with progress and cancel in the quantization panel,
// through the report cache shared with `edgelens quant-report`; then the panel's table, the canvas
// colouring by the chosen metric, and per-row float-vs-quantized histograms from one kept run of
// the first sample (quantized model, float shadow, float model, and for layer-wise rows the op's
// float twin on the inputs it received).
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/quant/cache.h"
#include "edgelens/runtime/quant/debugger.h"

class QDockWidget;
class QMainWindow;

namespace edgelens::inspect {
class QuantPanel;
}

namespace edgelens::gui {

class GraphCanvas;
class QuantColoring;
struct QuantRuns;  // the kept first-sample runs (quant_controller.cpp)

struct QuantProgress {
  std::atomic<bool> cancel{false};
  std::atomic<int> stage{0};  // 0 preparing, 1 samples, 2 what-if, 3 histogram runs
  std::atomic<qint64> done{0}, total{0};
};

struct QuantOutcome {
  std::shared_ptr<const Model> model, float_model;
  std::shared_ptr<const runtime::quant::QuantReport> report;  // null unless it completed
  std::shared_ptr<QuantRuns> runs;                            // null when they could not run
  bool from_cache = false;
  QString cache_note;  // "cached: FILE" / "stored: FILE" / why it was not stored
  QString error;
  bool cancelled = false;
};

struct QuantRequest {
  std::shared_ptr<const Model> model;
  QString float_path;
  runtime::quant::ReportOptions options;  // without progress
  size_t samples = 1;
  uint64_t seed = 1;  // as `edgelens quant-report` (same samples, same cache entries)
  std::optional<std::filesystem::path> cache_dir;  // unset: default_cache_dir(); empty: off
};

class QuantController : public QObject {
  Q_OBJECT
 public:
  QuantController(QMainWindow* window, inspect::SessionContext& context, GraphCanvas* canvas);
  ~QuantController() override;

  // Starts a report of the current model with the panel's options; false when there is no model or
  // a report is running.
  bool start();
  bool running() const { return busy_; }
  void cancel();
  bool wait(int timeout_ms = 120000);
  // Runs on the calling thread and applies the outcome like start() does (tests, --quant-report).
  const QuantOutcome& runBlocking();

  void setFloatModel(const QString& path);
  // Where reports are cached (tests use a temporary directory); empty turns caching off.
  void setCacheDir(std::optional<std::filesystem::path> dir) { cache_dir_ = std::move(dir); }

  const QuantOutcome& lastOutcome() const { return last_; }
  QString lastMessage() const { return last_message_; }
  inspect::QuantPanel* panel() const { return panel_; }
  QDockWidget* dock() const { return dock_; }
  std::shared_ptr<const QuantColoring> coloring() const { return coloring_; }

  // The float and quantized values of a report row's tensor (first sample), with labels; false
  // when they are not available.
  bool rowValues(const QString& row_set, const runtime::quant::TensorRow& row,
                 std::vector<float>& reference, QString& reference_label,
                 std::vector<float>& quantized) const;

  static QuantOutcome execute(QuantRequest request, std::shared_ptr<QuantProgress> progress);

 signals:
  void reportFinished();

 private:
  QuantRequest request() const;
  void apply(QuantOutcome outcome);
  void onFinished();
  void updateProgress();
  void updateColoring();
  void showHistogram(const QString& row_set, int row_index);
  void chooseFloatModel();

  QMainWindow* window_;
  inspect::SessionContext& context_;
  GraphCanvas* canvas_;
  inspect::QuantPanel* panel_;
  QDockWidget* dock_;
  QFutureWatcher<QuantOutcome> watcher_;
  std::shared_ptr<QuantProgress> progress_;
  QTimer poll_;
  bool busy_ = false;
  std::optional<std::filesystem::path> cache_dir_;
  QuantOutcome last_;
  QString last_message_;
  std::shared_ptr<const QuantColoring> coloring_;
};

}  // namespace edgelens::gui
