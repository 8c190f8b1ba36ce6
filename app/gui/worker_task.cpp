#include "worker_task.h"

#include <QEventLoop>
#include <QProgressBar>
#include <QStatusBar>
#include <QStringList>
#include <QToolButton>

#include <algorithm>
#include <exception>

#include "edgelens/runtime/interpreter.h"

namespace edgelens::gui {

namespace {
struct WorkCancelled : std::exception {
  const char* what() const noexcept override { return "cancelled"; }
};
}  // namespace

void ProgressObserver::on_node_end(const runtime::NodeEvent& event) {
  if (counts_ == Counts::Graph0Nodes && event.graph == 0)
    progress_.done.fetch_add(1, std::memory_order_relaxed);
  if (progress_.cancel.load(std::memory_order_relaxed)) throw WorkCancelled();
}

void ProgressObserver::on_invoke_end(const runtime::Interpreter&) {
  if (counts_ == Counts::Invokes) progress_.done.fetch_add(1, std::memory_order_relaxed);
}

QString unsupported_message(const std::vector<runtime::UnsupportedNode>& nodes) {
  QStringList lines;
  for (const auto& node : nodes) lines << QString::fromStdString(node.to_string());
  return QObject::tr("The model cannot run: %n node(s) are not supported.\n\n", nullptr,
                     static_cast<int>(nodes.size())) +
         lines.join('\n');
}

WorkerTaskBase::WorkerTaskBase(QObject* parent) : QObject(parent) {
  poll_.setInterval(100);
  connect(&poll_, &QTimer::timeout, this, [this] {
    if (bar_ && progress_) bar_->setValue(progress_->done.load());
  });
}

void WorkerTaskBase::attachStatusBar(QStatusBar* bar, const QString& format,
                                     const QString& cancel_text) {
  bar_ = new QProgressBar(bar);  // owned by the status bar
  bar_->setMaximumWidth(180);
  bar_->setFormat(format);
  bar_->setVisible(false);
  cancel_button_ = new QToolButton(bar);
  cancel_button_->setText(cancel_text);
  cancel_button_->setVisible(false);
  connect(cancel_button_, &QToolButton::clicked, this, &WorkerTaskBase::cancel);
  bar->addPermanentWidget(bar_);
  bar->addPermanentWidget(cancel_button_);
}

void WorkerTaskBase::cancel() {
  if (progress_) progress_->cancel = true;
}

bool WorkerTaskBase::wait(int timeout_ms) {
  if (!running()) return true;
  QEventLoop loop;
  QTimer timeout;
  timeout.setSingleShot(true);
  connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
  connect(this, &WorkerTaskBase::finished, &loop, &QEventLoop::quit);
  timeout.start(timeout_ms);
  if (running()) loop.exec();
  return !running();
}

std::shared_ptr<WorkProgress> WorkerTaskBase::begin(int total) {
  progress_ = std::make_shared<WorkProgress>();
  progress_->total = total;
  if (bar_) {
    bar_->setRange(0, std::max(1, total));
    bar_->setValue(0);
    bar_->setVisible(true);
    cancel_button_->setVisible(true);
  }
  busy_ = true;
  poll_.start();
  return progress_;
}

void WorkerTaskBase::hideProgress() {
  poll_.stop();
  if (bar_) {
    bar_->setVisible(false);
    cancel_button_->setVisible(false);
  }
}

void WorkerTaskBase::finish() {
  busy_ = false;
  emit finished();
}

}  // namespace edgelens::gui
