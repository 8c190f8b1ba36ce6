#include "layout_controller.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace edgelens::gui {

LayoutController::LayoutController(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<Result>::finished, this, &LayoutController::onFinished);
}

LayoutController::~LayoutController() {
  if (token_) token_->cancel();
  watcher_.waitForFinished();
}

void LayoutController::setGraph(std::shared_ptr<const Model> model, int graph) {
  if (model != model_) {
    caches_.clear();
    trees_.clear();
    remembered_.clear();
  } else if (graph_ >= 0 && tree_) {
    remembered_[graph_] = expansion_;
  }
  model_ = std::move(model);
  graph_ = graph;
  tree_ = trees_.count(graph) ? trees_[graph] : nullptr;
  std::optional<layout::ExpansionState> expansion;
  if (auto it = remembered_.find(graph); it != remembered_.end()) expansion = it->second;
  request(expansion, std::nullopt);
}

void LayoutController::toggleGroup(layout::GroupId group) {
  if (!tree_) return;
  layout::ExpansionState next = pending_ && pending_->expansion ? *pending_->expansion : expansion_;
  next.toggle(group);
  request(next, group);
}

void LayoutController::expandAll() {
  if (!tree_) return;
  layout::ExpansionState next;
  next.expand_all(*tree_);
  request(next, std::nullopt);
}

void LayoutController::collapseAll() {
  if (!tree_) return;
  request(layout::ExpansionState{}, std::nullopt);
}

void LayoutController::expandToDepth(uint32_t depth) {
  if (!tree_) return;
  layout::ExpansionState next;
  next.expand_to_depth(*tree_, depth);
  request(next, std::nullopt);
}

void LayoutController::revealNode(int node) {
  if (!tree_ || node < 0 || static_cast<size_t>(node) >= tree_->node_count()) return;
  layout::ExpansionState next = pending_ && pending_->expansion ? *pending_->expansion : expansion_;
  const layout::ExpansionState before = next;
  next.reveal_node(*tree_, static_cast<uint32_t>(node));
  if (next != before) request(next, std::nullopt);
}

void LayoutController::cancel() {
  pending_.reset();
  if (token_) token_->cancel();
}

void LayoutController::request(std::optional<layout::ExpansionState> expansion,
                               std::optional<layout::GroupId> anchor) {
  pending_ = Pending{std::move(expansion), anchor};
  if (running_) {
    token_->cancel();  // onFinished starts the pending request
    return;
  }
  startPending();
}

void LayoutController::startPending() {
  if (!pending_ || !model_ || graph_ < 0 || graph_ >= static_cast<int>(model_->graphs.size())) {
    pending_.reset();
    return;
  }
  Pending job = std::move(*pending_);
  pending_.reset();
  running_ = true;
  running_anchor_ = job.anchor;
  token_ = std::make_shared<layout::CancelToken>();
  auto& cache = caches_[graph_];
  if (!cache) cache = std::make_shared<layout::LayoutCache>();
  emit started();

  // Everything the worker touches is owned by the lambda (shared pointers) or immutable.
  QPointer<LayoutController> self(this);
  auto report = [self](double fraction, std::string_view stage) {
    static thread_local auto last = std::chrono::steady_clock::time_point{};
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(40) && fraction < 1.0) return;
    last = now;
    const QString text = QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size()));
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, fraction, text] {
          if (self) emit self->progress(fraction, text);
        },
        Qt::QueuedConnection);
  };
  watcher_.setFuture(QtConcurrent::run([model = model_, graph_index = graph_, tree = tree_,
                                        expansion = std::move(job.expansion), cache, token = token_,
                                        report]() -> Result {
    Result r;
    r.model = model;
    r.graph = graph_index;
    QElapsedTimer timer;
    timer.start();
    try {
      const Graph& graph = model->graphs[static_cast<size_t>(graph_index)];
      r.tree = tree;
      if (!r.tree) {
        report(0.0, "grouping nodes");
        r.tree = std::make_shared<const layout::GroupTree>(layout::GroupTree::build(graph));
      }
      r.expansion = expansion ? *expansion : layout::ExpansionState::initial(*r.tree);
      auto scene = std::make_shared<layout::Scene>(
          layout::layout_graph(graph, *r.tree, r.expansion, {}, token.get(), report, cache.get()));
      scene->graph_index = static_cast<uint32_t>(graph_index);
      r.scene = std::move(scene);
    } catch (const layout::LayoutCancelled&) {
      r.cancelled = true;
    } catch (const std::exception& e) {
      r.error = QString::fromUtf8(e.what());
    }
    r.ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return r;
  }));
}

void LayoutController::onFinished() {
  running_ = false;
  const Result r = watcher_.result();
  const bool current = r.model == model_ && r.graph == graph_;
  if (current && r.tree && !tree_) {
    tree_ = r.tree;
    trees_[graph_] = r.tree;
  }
  if (pending_) {  // superseded: the newer request wins, this result is dropped
    startPending();
    return;
  }
  if (r.cancelled || !current) {
    emit cancelled();
    return;
  }
  if (!r.error.isEmpty()) {
    emit failed(r.error);
    return;
  }
  expansion_ = r.expansion;
  last_ms_ = r.ms;
  emit finished(CanvasView{model_, graph_, tree_, r.scene}, running_anchor_);
}

bool LayoutController::waitForIdle(int timeout_ms) {
  QElapsedTimer timer;
  timer.start();
  while ((running_ || pending_) && timer.elapsed() < timeout_ms)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  QCoreApplication::processEvents();
  return !running_ && !pending_;
}

}  // namespace edgelens::gui
