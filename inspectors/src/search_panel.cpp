#include "edgelens/inspectors/search_panel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace edgelens::inspect {
namespace {

QString node_caption(const Model& model, NodeRef ref) {
  const Graph& g = model.graphs[static_cast<size_t>(ref.graph)];
  const Node& n = g.nodes[static_cast<size_t>(ref.node)];
  QString name;
  if (!n.outputs.empty() && n.outputs[0] >= 0 &&
      n.outputs[0] < static_cast<int32_t>(g.tensors.size()))
    name = QString::fromStdString(g.tensors[static_cast<size_t>(n.outputs[0])].name);
  QString caption = QString("%1 #%2").arg(QString::fromStdString(n.op.name)).arg(n.id);
  if (model.graphs.size() > 1)
    caption = QString("[%1] ").arg(QString::fromStdString(g.name)) + caption;
  return name.isEmpty() ? caption : caption + "  " + name;
}

}  // namespace

SearchPanel::SearchPanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("SearchPanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  query_ = new QLineEdit(this);
  query_->setObjectName("searchQuery");
  query_->setPlaceholderText(tr("regex over ops, names, tensors, attributes (Ctrl+F)"));
  query_->setClearButtonEnabled(true);
  auto* options = new QHBoxLayout;
  regex_ = new QCheckBox(tr("regex"), this);
  regex_->setChecked(true);
  case_sensitive_ = new QCheckBox(tr("case"), this);
  auto* prev = new QPushButton(tr("◀"), this);
  prev->setToolTip(tr("Previous result (Shift+F3)"));
  auto* next_button = new QPushButton(tr("▶"), this);
  next_button->setToolTip(tr("Next result (F3)"));
  prev->setMaximumWidth(32);
  next_button->setMaximumWidth(32);
  options->addWidget(regex_);
  options->addWidget(case_sensitive_);
  options->addStretch();
  options->addWidget(prev);
  options->addWidget(next_button);
  status_ = new QLabel(this);
  results_ = new QListWidget(this);
  results_->setObjectName("searchResults");
  results_->setUniformItemSizes(true);
  layout->addWidget(query_);
  layout->addLayout(options);
  layout->addWidget(status_);
  layout->addWidget(results_, 1);

  // Typing searches after a short pause so a 10k-node model stays responsive while typing.
  auto* debounce = new QTimer(this);
  debounce->setSingleShot(true);
  debounce->setInterval(150);
  connect(debounce, &QTimer::timeout, this, &SearchPanel::run);
  connect(query_, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
  connect(query_, &QLineEdit::returnPressed, this, [this] {
    if (hits_.empty()) run();
    next();
  });
  connect(regex_, &QCheckBox::toggled, this, &SearchPanel::run);
  connect(case_sensitive_, &QCheckBox::toggled, this, &SearchPanel::run);
  connect(prev, &QPushButton::clicked, this, &SearchPanel::previous);
  connect(next_button, &QPushButton::clicked, this, &SearchPanel::next);
  connect(results_, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0 && row != current_) goToHit(row);
  });
  connect(&context_, &SessionContext::modelChanged, this, &SearchPanel::run);
}

void SearchPanel::setQuery(const QString& pattern) {
  query_->setText(pattern);
  run();
}

void SearchPanel::focusQuery() {
  query_->setFocus();
  query_->selectAll();
}

void SearchPanel::run() {
  hits_.clear();
  current_ = -1;
  results_->clear();
  const Model* model = context_.model();
  const QString text = query_->text();
  if (!model || text.isEmpty()) {
    status_->clear();
    context_.setHighlights({});
    return;
  }
  QRegularExpression expression(regex_->isChecked() ? text : QRegularExpression::escape(text),
                                case_sensitive_->isChecked()
                                    ? QRegularExpression::NoPatternOption
                                    : QRegularExpression::CaseInsensitiveOption);
  if (!expression.isValid()) {
    status_->setText(tr("invalid expression: %1").arg(expression.errorString()));
    context_.setHighlights({});
    return;
  }
  hits_ = search_nodes(*model, -1, expression);
  std::vector<NodeRef> refs;
  refs.reserve(hits_.size());
  constexpr size_t kListed = 5000;  // the list stays quick; highlights cover every hit
  for (size_t i = 0; i < hits_.size(); ++i) {
    refs.push_back(hits_[i].node);
    if (i < kListed)
      results_->addItem(
          QString("%1   — %2: %3")
              .arg(node_caption(*model, hits_[i].node), hits_[i].field, hits_[i].text));
  }
  status_->setText(hits_.size() > kListed
                       ? tr("%1 nodes match (first %2 listed)").arg(hits_.size()).arg(kListed)
                       : tr("%n node(s) match", nullptr, static_cast<int>(hits_.size())));
  context_.setHighlights(std::move(refs));
}

void SearchPanel::goToHit(int index) {
  if (index < 0 || index >= static_cast<int>(hits_.size())) return;
  current_ = index;
  if (index < results_->count() && results_->currentRow() != index) results_->setCurrentRow(index);
  context_.goTo(hits_[static_cast<size_t>(index)].node);
}

void SearchPanel::next() {
  if (hits_.empty()) return;
  goToHit((current_ + 1) % static_cast<int>(hits_.size()));
}

void SearchPanel::previous() {
  if (hits_.empty()) return;
  const int n = static_cast<int>(hits_.size());
  goToHit(current_ <= 0 ? n - 1 : current_ - 1);
}

BookmarksPanel::BookmarksPanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("BookmarksPanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  list_ = new QListWidget(this);
  list_->setObjectName("bookmarkList");
  layout->addWidget(new QLabel(tr("Ctrl+B toggles a bookmark; Ctrl+1…9 jump"), this));
  layout->addWidget(list_);
  connect(&context_, &SessionContext::bookmarksChanged, this, &BookmarksPanel::refresh);
  connect(list_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { context_.jumpToBookmark(list_->row(item)); });
  connect(list_, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { context_.jumpToBookmark(list_->row(item)); });
  refresh();
}

void BookmarksPanel::refresh() {
  list_->clear();
  const Model* model = context_.model();
  if (!model) return;
  int i = 0;
  for (const NodeRef& ref : context_.bookmarks()) {
    ++i;
    const QString key = i <= 9 ? QString("Ctrl+%1  ").arg(i) : QString("        ");
    list_->addItem(key + node_caption(*model, ref));
  }
}

}  // namespace edgelens::inspect
