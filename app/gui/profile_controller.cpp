#include "profile_controller.h"

#include <QAction>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QStatusBar>

#include <algorithm>
#include <chrono>
#include <exception>

#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/observer.h"
#include "edgelens/runtime/profiler.h"
#include "graph_canvas.h"
#include "legend_frame.h"
#include "run_overlay.h"

namespace edgelens::gui {

// ---- latency colouring ---------------------------------------------------------------------
LatencyColoring::LatencyColoring(std::shared_ptr<const inspect::ProfileData> profile)
    : profile_(std::move(profile)) {
  bool any = false;
  for (double ms : profile_->node_avg_ms) {
    if (ms < 0) continue;
    lo_ = any ? std::min(lo_, ms) : ms;
    hi_ = any ? std::max(hi_, ms) : ms;
    any = true;
  }
}

bool LatencyColoring::appliesTo(const Model* model, int graph) const {
  return graph == 0 && model == profile_->model.get();
}

std::optional<QColor> LatencyColoring::colorForNode(uint32_t node) const {
  const auto& ms = profile_->node_avg_ms;
  if (node >= ms.size() || ms[node] < 0) return std::nullopt;
  return overlay_color(hi_ > lo_ ? (ms[node] - lo_) / (hi_ - lo_) : 0.0);
}

void LatencyColoring::drawLegend(QPainter& p, const QRectF& area,
                                 const CanvasColors& colors) const {
  const LegendFrame frame(p, area, 240, 48, colors);
  const QRectF& box = frame.box();
  const QRectF bar(box.left() + 10, box.top() + 20, box.width() - 20, 10);
  draw_ramp_bar(p, bar);
  p.drawText(QRectF(box.left() + 10, box.top() + 3, box.width() - 20, 16), Qt::AlignLeft,
             QObject::tr("Latency: ms per run (%1 runs)").arg(profile_->invokes));
  const QRectF labels(box.left() + 10, bar.bottom() + 1, box.width() - 20, 14);
  draw_range_labels(p, labels, QString::number(lo_, 'f', 3), QString::number(hi_, 'f', 3));
}

// ---- controller ----------------------------------------------------------------------------
ProfileController::ProfileController(QMainWindow* window, inspect::SessionContext& context,
                                     GraphCanvas* canvas)
    : QObject(window),
      window_(window),
      context_(context),
      canvas_(canvas),
      task_(this, [this](ProfileOutcome outcome) { apply(std::move(outcome)); }) {
  connect(&task_, &WorkerTaskBase::finished, this, &ProfileController::profileFinished);

  panel_ = new inspect::ProfilePanel(context_, window_);
  dock_ = new QDockWidget(tr("Profile"), window_);
  dock_->setObjectName("profileDock");  // restoreState needs a stable name
  dock_->setWidget(panel_);
  window_->addDockWidget(Qt::RightDockWidgetArea, dock_);
  if (auto* node_dock = window_->findChild<QDockWidget*>("nodeDock"))
    window_->tabifyDockWidget(node_dock, dock_);
  dock_->hide();  // shown by the first profile

  // Run > Profile (the Run menu exists once MainWindow built its actions).
  QMenu* menu = nullptr;
  for (QAction* a : window_->menuBar()->actions())
    if (a->menu() && a->text() == tr("&Run")) menu = a->menu();
  if (!menu) menu = window_->menuBar()->addMenu(tr("&Run"));
  menu->addSeparator();
  auto* profile = menu->addAction(tr("&Profile (10 runs)"), this, [this] {
    if (!running() && !start({})) window_->statusBar()->showMessage(tr("Open a model first"), 3000);
  });
  profile->setObjectName("profileAction");
  profile->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
  menu->addAction(tr("Profile with &XNNPACK (2 threads)"), this, [this] {
    ProfileRequest request;
    request.delegate = "xnnpack";
    request.threads = 2;
    if (!running() && !start(request))
      window_->statusBar()->showMessage(tr("Open a model first"), 3000);
  });
  menu->addAction(tr("Cancel P&rofile"), this, &ProfileController::cancel);
  menu->addAction(dock_->toggleViewAction());

  task_.attachStatusBar(window_->statusBar(), tr("profile %v/%m"), tr("Cancel profile"));
}

ProfileOutcome ProfileController::execute(std::shared_ptr<const Model> model,
                                          ProfileRequest request,
                                          std::shared_ptr<ProfileProgress> progress) {
  ProfileOutcome out;
  out.model = model;
  try {
    auto session = runtime::make_profile_session(*model, request.delegate, request.threads);
    auto& interpreter = *session.interpreter;
    if (!interpreter.ready()) {
      out.unsupported = interpreter.unsupported();
      return out;
    }
    runtime::apply_inputs(interpreter, request.inputs);
    runtime::Profiler profiler;
    ProgressObserver cancel(*progress, ProgressObserver::Counts::Invokes);
    interpreter.add_observer(&cancel);
    for (int i = 0; i < request.warmup; ++i) interpreter.invoke();
    // The profiler first, so its clock reading is the last thing before each eval.
    interpreter.remove_observer(&cancel);
    interpreter.add_observer(&profiler);
    interpreter.add_observer(&cancel);
    for (int i = 0; i < std::max(1, request.iterations); ++i) interpreter.invoke();
    auto data = std::make_shared<inspect::ProfileData>();
    data->model = model;
    data->delegate = session.delegate_name;
    data->invokes = profiler.invokes();
    data->inference = runtime::series_stats(profiler.invoke_ms());
    data->rows = profiler.rows();
    data->node_avg_ms =
        profiler.node_avg_ms(model->graphs.empty() ? 0 : model->graphs[0].nodes.size());
    out.profile = std::move(data);
  } catch (const std::exception& e) {
    if (progress->cancel.load())
      out.cancelled = true;
    else
      out.error = QString::fromUtf8(e.what());
  }
  return out;
}

bool ProfileController::start(ProfileRequest request) {
  auto model = context_.modelPtr();
  if (!model || model->graphs.empty() || running()) return false;
  const int total = request.warmup + std::max(1, request.iterations);
  return task_.start(
      total, [model, request = std::move(request)](std::shared_ptr<ProfileProgress> progress) {
        return execute(model, request, std::move(progress));
      });
}

const ProfileOutcome& ProfileController::runBlocking(ProfileRequest request) {
  auto model = context_.modelPtr();
  if (!model || model->graphs.empty()) {
    last_ = {};
    last_.error = tr("no model is open");
    last_message_ = last_.error;
    return last_;
  }
  apply(execute(model, std::move(request), std::make_shared<ProfileProgress>()));
  emit profileFinished();
  return last_;
}

void ProfileController::apply(ProfileOutcome outcome) {
  last_ = std::move(outcome);
  last_message_.clear();
  if (!last_.unsupported.empty()) {
    last_message_ = unsupported_message(last_.unsupported);
    if (interactive_) QMessageBox::warning(window_, tr("Unsupported operators"), last_message_);
    return;
  }
  if (last_.cancelled) {
    last_message_ = tr("Profile cancelled");
    return;
  }
  if (!last_.error.isEmpty()) {
    last_message_ = tr("The profile run failed: %1").arg(last_.error);
    if (interactive_) QMessageBox::critical(window_, tr("Profile failed"), last_message_);
    return;
  }
  last_message_ = tr("Profiled %1 runs: %2 ms per run on average")
                      .arg(last_.profile->invokes)
                      .arg(last_.profile->inference.avg, 0, 'f', 2);
  show(last_.profile);
  emit profiled(last_.profile);
}

void ProfileController::show(std::shared_ptr<const inspect::ProfileData> profile) {
  panel_->setProfile(profile);
  dock_->show();
  dock_->raise();
  // The user may have switched models while it ran: colour only the model that ran.
  coloring_ = std::make_shared<LatencyColoring>(std::move(profile));
  canvas_->setNodeColoring(coloring_);
}

}  // namespace edgelens::gui
