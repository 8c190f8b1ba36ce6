#include "quant_controller.h"

#include <QAction>
#include <QCoreApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>

#include "edgelens/inspectors/histogram_overlay.h"
#include "edgelens/inspectors/quant_panel.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/quant/derive.h"
#include "graph_canvas.h"
#include "quant_overlay.h"

namespace edgelens::gui {

namespace rq = runtime::quant;
using runtime::Interpreter;
using runtime::InterpreterOptions;

// The first sample run once more with every tensor kept, for the histograms.
struct QuantRuns {
  std::shared_ptr<const Model> model, float_model;
  std::unique_ptr<rq::DerivedModel> shadow;  // views into *model: declared after it
  std::unique_ptr<Interpreter> quantized, shadow_run, float_run;
};

namespace {

struct QuantCancelled : std::exception {
  const char* what() const noexcept override { return "quantization report cancelled"; }
};

InterpreterOptions keep_all() {
  InterpreterOptions options;
  options.keep_all_tensors = true;
  return options;
}

std::shared_ptr<QuantRuns> first_sample_runs(const QuantRequest& r,
                                             std::shared_ptr<const Model> float_model,
                                             const rq::Sample& sample) {
  auto runs = std::make_shared<QuantRuns>();
  runs->model = r.model;
  runs->float_model = std::move(float_model);
  runs->quantized = std::make_unique<Interpreter>(*runs->model, keep_all());
  rq::feed_sample(*runs->quantized, sample);
  runs->quantized->invoke();
  runs->shadow = std::make_unique<rq::DerivedModel>(rq::float_shadow(*runs->model));
  runs->shadow_run = std::make_unique<Interpreter>(*runs->shadow->model, keep_all());
  if (runs->shadow_run->ready()) {
    rq::feed_from(*runs->shadow_run, *runs->quantized);
    runs->shadow_run->invoke();
  } else {
    runs->shadow_run.reset();
  }
  if (runs->float_model) {
    runs->float_run = std::make_unique<Interpreter>(*runs->float_model, keep_all());
    if (runs->float_run->ready()) {
      rq::feed_from(*runs->float_run, *runs->quantized);
      runs->float_run->invoke();
    } else {
      runs->float_run.reset();
    }
  }
  return runs;
}

int output_index(const Model& model, int32_t tensor) {
  const auto& outputs = model.graphs[0].outputs;
  const auto it = std::find(outputs.begin(), outputs.end(), tensor);
  return it == outputs.end() ? -1 : static_cast<int>(it - outputs.begin());
}

}  // namespace

QuantController::QuantController(QMainWindow* window, inspect::SessionContext& context,
                                 GraphCanvas* canvas)
    : QObject(window), window_(window), context_(context), canvas_(canvas) {
  panel_ = new inspect::QuantPanel(context_, window_);
  dock_ = new QDockWidget(tr("Quantization"), window_);
  dock_->setObjectName("quantDock");
  dock_->setWidget(panel_);
  window_->addDockWidget(Qt::BottomDockWidgetArea, dock_);
  dock_->hide();  // until a report is asked for

  auto* menu = window_->menuBar()->addMenu(tr("&Quantization"));
  menu->addAction(tr("&Run Report"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_Q), this, [this] {
    dock_->show();
    dock_->raise();
    start();
  });
  menu->addAction(tr("Run Report with &Float Model…"), this, [this] {
    chooseFloatModel();
    if (!panel_->floatModelPath().isEmpty()) start();
  });
  menu->addAction(tr("&Cancel Report"), this, &QuantController::cancel);
  menu->addSeparator();
  menu->addAction(dock_->toggleViewAction());

  connect(panel_, &inspect::QuantPanel::runRequested, this, [this] { start(); });
  connect(panel_, &inspect::QuantPanel::cancelRequested, this, &QuantController::cancel);
  connect(panel_, &inspect::QuantPanel::chooseFloatRequested, this,
          &QuantController::chooseFloatModel);
  connect(panel_, &inspect::QuantPanel::metricChanged, this, &QuantController::updateColoring);
  connect(panel_, &inspect::QuantPanel::rowSetChanged, this, &QuantController::updateColoring);
  connect(panel_, &inspect::QuantPanel::rowSelected, this, &QuantController::showHistogram);
  connect(&context_, &inspect::SessionContext::modelChanged, this, [this] {
    // Another model: its report (if any) is gone from the panel; drop the colouring too.
    if (last_.model && context_.modelPtr() != last_.model) {
      last_ = {};
      updateColoring();
    }
  });
  connect(&watcher_, &QFutureWatcher<QuantOutcome>::finished, this, &QuantController::onFinished);
  // The main window deletes its docks before its other children: a report still running then must
  // not reach the panel.
  connect(panel_, &QObject::destroyed, this, [this] {
    if (progress_) progress_->cancel = true;
    watcher_.disconnect(this);
    poll_.stop();
  });
  poll_.setInterval(100);
  connect(&poll_, &QTimer::timeout, this, &QuantController::updateProgress);
}

QuantController::~QuantController() {
  if (progress_) progress_->cancel = true;
  watcher_.waitForFinished();
}

QuantRequest QuantController::request() const {
  QuantRequest r;
  r.model = context_.modelPtr();
  r.float_path = panel_->floatModelPath();
  r.options.mode = panel_->mode();
  r.samples = static_cast<size_t>(std::max(1, panel_->samples()));
  r.cache_dir = cache_dir_;
  return r;
}

QuantOutcome QuantController::execute(QuantRequest request,
                                      std::shared_ptr<QuantProgress> progress) {
  QuantOutcome out;
  out.model = request.model;
  try {
    if (!request.model) throw std::invalid_argument("no model");
    std::shared_ptr<const Model> float_model;
    if (!request.float_path.isEmpty()) float_model = open_model(request.float_path.toStdString());
    out.float_model = float_model;
    const auto samples = rq::random_samples(*request.model, request.samples, request.seed);
    rq::ReportOptions options = request.options;
    options.progress = [progress](std::string_view stage, size_t done, size_t total) {
      if (progress->cancel.load()) throw QuantCancelled();
      progress->stage = stage == "what-if" ? 2 : 1;
      progress->done = static_cast<qint64>(done);
      progress->total = static_cast<qint64>(total);
    };
    const rq::ReportCache cache(request.cache_dir ? *request.cache_dir : rq::default_cache_dir());
    auto cached =
        rq::run_quant_report_cached(*request.model, float_model.get(), samples, options, &cache);
    if (progress->cancel.load()) throw QuantCancelled();
    out.from_cache = cached.from_cache;
    if (cached.from_cache)
      out.cache_note =
          QObject::tr("cached report %1").arg(QString::fromStdString(cached.entry.string()));
    else if (!cached.cache_error.empty())
      out.cache_note =
          QObject::tr("not cached: %1").arg(QString::fromStdString(cached.cache_error));
    out.report = std::make_shared<const rq::QuantReport>(std::move(cached.report));
    progress->stage = 3;
    try {
      out.runs = first_sample_runs(request, float_model, samples.front());
    } catch (const std::exception&) {
      out.runs.reset();  // the report stands; the histograms say they are unavailable
    }
    if (progress->cancel.load()) throw QuantCancelled();
  } catch (const QuantCancelled&) {
    out.report.reset();
    out.runs.reset();
    out.cancelled = true;
  } catch (const runtime::UnsupportedModel& e) {
    QStringList lines;
    for (const auto& u : e.nodes()) lines << QString::fromStdString(u.to_string());
    out.error = QObject::tr("The model cannot run:\n%1").arg(lines.join('\n'));
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

bool QuantController::start() {
  if (busy_ || !context_.modelPtr()) return false;
  busy_ = true;
  progress_ = std::make_shared<QuantProgress>();
  panel_->setRunning(true);
  panel_->setStatus(tr("Running the quantization report…"));
  poll_.start();
  watcher_.setFuture(QtConcurrent::run(&QuantController::execute, request(), progress_));
  return true;
}

void QuantController::cancel() {
  if (!busy_ || !progress_) return;
  progress_->cancel = true;
  panel_->setStatus(tr("Cancelling (the report stops at the next sample)…"));
}

bool QuantController::wait(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  while (busy_) {
    if (timer.elapsed() > timeout_ms) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (watcher_.isFinished() && busy_) onFinished();
  }
  return true;
}

const QuantOutcome& QuantController::runBlocking() {
  if (!busy_) {
    busy_ = true;
    progress_ = std::make_shared<QuantProgress>();
    panel_->setRunning(true);
    apply(execute(request(), progress_));
  }
  return last_;
}

void QuantController::onFinished() {
  if (!busy_) return;
  poll_.stop();
  apply(watcher_.result());
}

void QuantController::apply(QuantOutcome outcome) {
  busy_ = false;
  poll_.stop();
  panel_->setRunning(false);
  last_ = std::move(outcome);
  if (last_.cancelled) {
    last_message_ = tr("Quantization report cancelled");
    panel_->setStatus(last_message_);
  } else if (!last_.error.isEmpty()) {
    last_message_ = last_.error;
    panel_->setReport(nullptr, nullptr, tr("Report failed: %1").arg(last_.error));
  } else {
    last_message_ = tr("Quantization report: %1 rows").arg(last_.report->primary().size());
    panel_->setReport(last_.model, last_.report, last_.cache_note);
    if (!last_.runs)
      panel_->histogram()->clear(tr("Histograms unavailable: the first sample did not run again."));
  }
  updateColoring();
  emit reportFinished();
}

void QuantController::updateProgress() {
  if (!progress_) return;
  static const char* const stages[] = {"preparing", "sample", "what-if", "histograms"};
  panel_->setProgress(tr(stages[std::clamp(progress_->stage.load(), 0, 3)]), progress_->done.load(),
                      progress_->total.load());
}

void QuantController::updateColoring() {
  if (last_.report && panel_->report() == last_.report.get()) {
    coloring_ = std::make_shared<QuantColoring>(last_.model, panel_->rows(), panel_->metric());
    canvas_->setNodeColoring(coloring_);
  } else if (coloring_) {
    if (canvas_->nodeColoring() == coloring_.get()) canvas_->setNodeColoring(nullptr);
    coloring_.reset();
  }
}

bool QuantController::rowValues(const QString& row_set, const rq::TensorRow& row,
                                std::vector<float>& reference, QString& reference_label,
                                std::vector<float>& quantized) const {
  const QuantRuns* runs = last_.runs.get();
  if (!runs || row.tensor_idx < 0) return false;
  const Model& model = *runs->model;
  try {
    quantized = rq::float_values(runs->quantized->tensor(0, static_cast<uint32_t>(row.tensor_idx)));
    const bool vs_float = row_set == "pairs" || row_set == "outputs_vs_float";
    if (vs_float) {
      if (!runs->float_run) return false;
      reference_label = tr("float model");
      if (row_set == "pairs") {
        reference = rq::float_values(
            runs->float_run->tensor(0, static_cast<uint32_t>(row.reference_tensor)));
      } else {
        const int k = output_index(model, row.tensor_idx);
        if (k < 0) return false;
        reference = rq::float_values(runs->float_run->output(static_cast<size_t>(k)));
      }
    } else if (row_set == "layers") {
      // The metric's own reference: this op's float kernel on the inputs it received.
      auto single = rq::isolate_node_float(model, row.node);
      Interpreter op(*single.model);
      if (!op.ready()) return false;
      for (size_t k = 0; k < single.input_sources.size(); ++k)
        rq::copy_tensor_into(
            op, k, runs->quantized->tensor(0, static_cast<uint32_t>(single.input_sources[k])));
      op.invoke();
      const auto it =
          std::find(single.output_sources.begin(), single.output_sources.end(), row.tensor_idx);
      if (it == single.output_sources.end()) return false;
      reference =
          rq::float_values(op.output(static_cast<size_t>(it - single.output_sources.begin())));
      reference_label = tr("float op on the same inputs");
    } else {
      if (!runs->shadow_run) return false;
      reference_label = tr("float shadow");
      if (row_set == "outputs") {
        const int k = output_index(model, row.tensor_idx);
        if (k < 0) return false;
        reference = rq::float_values(runs->shadow_run->output(static_cast<size_t>(k)));
      } else {
        const int32_t twin = row.reference_tensor >= 0
                                 ? row.reference_tensor
                                 : runs->shadow->float_twin[static_cast<size_t>(row.tensor_idx)];
        if (twin < 0) return false;
        reference = rq::float_values(runs->shadow_run->tensor(0, static_cast<uint32_t>(twin)));
      }
    }
  } catch (const std::exception&) {
    return false;
  }
  return !reference.empty() && !quantized.empty();
}

void QuantController::showHistogram(const QString& row_set, int row_index) {
  const auto& rows = panel_->rows();
  if (row_index < 0 || static_cast<size_t>(row_index) >= rows.size()) return;
  const rq::TensorRow& row = rows[static_cast<size_t>(row_index)];
  std::vector<float> reference, quantized;
  QString reference_label;
  const QString title = tr("tensor %1 %2 (node %3 %4), first sample")
                            .arg(row.tensor_idx)
                            .arg(QString::fromStdString(row.tensor_name))
                            .arg(row.node)
                            .arg(QString::fromStdString(row.op_name));
  if (!rowValues(row_set, row, reference, reference_label, quantized)) {
    panel_->histogram()->clear(tr("No values for %1").arg(title));
    return;
  }
  panel_->histogram()->setSeries(title, reference, reference_label, quantized,
                                 tr("quantized (dequantized)"));
}

void QuantController::chooseFloatModel() {
  const QString path = QFileDialog::getOpenFileName(window_, tr("Float model"), QString(),
                                                    tr("Models (*.tflite);;All files (*)"));
  if (!path.isEmpty()) setFloatModel(QFileInfo(path).absoluteFilePath());
}

void QuantController::setFloatModel(const QString& path) {
  panel_->setFloatModelPath(path);
}

}  // namespace edgelens::gui
