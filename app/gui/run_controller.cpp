#include "run_controller.h"

#include <QMessageBox>

#include <chrono>
#include <exception>

#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/observer.h"

namespace edgelens::gui {

RunController::RunController(inspect::SessionContext& context, QWidget* dialog_parent)
    : QObject(dialog_parent),
      context_(context),
      dialog_parent_(dialog_parent),
      task_(this, [this](RunOutcome outcome) { apply(std::move(outcome)); }) {
  connect(&task_, &WorkerTaskBase::finished, this, &RunController::runFinished);
}

void RunController::attachStatusBar(QStatusBar* bar) {
  task_.attachStatusBar(bar, tr("run %v/%m"), tr("Cancel run"));
}

RunOutcome RunController::execute(std::shared_ptr<const Model> model,
                                  std::vector<runtime::InputSpec> specs,
                                  std::shared_ptr<RunProgress> progress) {
  RunOutcome out;
  out.model = model;
  try {
    auto interpreter =
        std::make_shared<runtime::Interpreter>(*model, runtime::InterpreterOptions{true});
    if (!interpreter->ready()) {
      out.unsupported = interpreter->unsupported();
      return out;
    }
    runtime::apply_inputs(*interpreter, specs);
    ProgressObserver observer(*progress, ProgressObserver::Counts::Graph0Nodes);
    interpreter->add_observer(&observer);
    const auto t0 = std::chrono::steady_clock::now();
    interpreter->invoke();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - t0;
    interpreter->remove_observer(&observer);
    out.result = inspect::summarize_run(model, std::move(interpreter), elapsed.count());
  } catch (const std::exception& e) {
    // The interpreter may wrap an observer's exception; the flag says what really happened.
    if (progress->cancel.load())
      out.cancelled = true;
    else
      out.error = QString::fromUtf8(e.what());
  }
  return out;
}

bool RunController::start(std::vector<runtime::InputSpec> specs) {
  auto model = context_.modelPtr();
  if (!model || model->graphs.empty() || running()) return false;
  return task_.start(static_cast<int>(model->graphs[0].nodes.size()),
                     [model, specs = std::move(specs)](std::shared_ptr<RunProgress> progress) {
                       return execute(model, specs, std::move(progress));
                     });
}

const RunOutcome& RunController::runBlocking(std::vector<runtime::InputSpec> specs) {
  auto model = context_.modelPtr();
  if (!model || model->graphs.empty()) {
    last_ = {};
    last_.error = tr("no model is open");
    last_message_ = last_.error;
    return last_;
  }
  apply(execute(model, std::move(specs), std::make_shared<RunProgress>()));
  return last_;
}

void RunController::apply(RunOutcome outcome) {
  last_ = std::move(outcome);
  last_message_.clear();
  if (!last_.unsupported.empty()) {
    last_message_ = unsupported_message(last_.unsupported);
    if (interactive_)
      QMessageBox::warning(dialog_parent_, tr("Unsupported operators"), last_message_);
    return;
  }
  if (last_.cancelled) {
    last_message_ = tr("Run cancelled");
    return;
  }
  if (!last_.error.isEmpty()) {
    last_message_ = tr("The run failed: %1").arg(last_.error);
    if (interactive_) QMessageBox::critical(dialog_parent_, tr("Run failed"), last_message_);
    return;
  }
  last_message_ = tr("Run finished in %1 ms").arg(last_.result->seconds * 1e3, 0, 'f', 1);
  // The user may have switched models while it ran: the result belongs to the model that ran.
  if (context_.modelPtr() == last_.model) context_.setRunResult(last_.result);
}

}  // namespace edgelens::gui
