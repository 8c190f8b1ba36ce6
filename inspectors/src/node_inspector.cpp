#include "edgelens/inspectors/node_inspector.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/inspectors/tensor_values.h"

namespace edgelens::inspect {
namespace {

constexpr int kTensorRole = Qt::UserRole + 1;
constexpr int kGraphRole = Qt::UserRole + 2;

QString qs(std::string_view s) {
  return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QTreeWidgetItem* add_row(QTreeWidgetItem* parent, const QString& key, const QString& value) {
  auto* item = new QTreeWidgetItem(parent, {key, value});
  item->setToolTip(1, value);
  return item;
}

void add_tensor_rows(QTreeWidgetItem* section, const Graph& graph, std::span<const int32_t> ids) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const int id = ids[i];
    if (id < 0 || id >= static_cast<int>(graph.tensors.size())) {
      auto* item = add_row(section, QString::number(i), id < 0 ? "(omitted)" : "(bad tensor id)");
      item->setData(0, kTensorRole, -1);
      continue;
    }
    const Tensor& t = graph.tensors[static_cast<size_t>(id)];
    QString summary = QString("%1  %2").arg(qs(dtype_name(t.dtype)), qs(shape_text(t.shape)));
    if (t.is_constant) summary += "  const";
    if (t.is_variable) summary += "  variable";
    auto* item = add_row(section, QString::number(i), qs(t.name.empty() ? "(unnamed)" : t.name));
    item->setText(2, summary);
    item->setData(0, kTensorRole, id);
    item->setToolTip(1, QString("tensor %1: %2").arg(id).arg(qs(t.name)));
    add_row(item, "type", summary)->setData(0, kTensorRole, id);
    add_row(item, "tensor id", QString::number(id))->setData(0, kTensorRole, id);
    if (!t.shape_signature.empty())
      add_row(item, "shape signature", qs(shape_text(t.shape_signature)))
          ->setData(0, kTensorRole, id);
    if (const std::string q = quant_channel_summary(t.quant); !q.empty())
      add_row(item, "quantization", qs(q))->setData(0, kTensorRole, id);
    if (t.is_constant)
      add_row(item, "bytes", QString::number(static_cast<qlonglong>(t.data.size())))
          ->setData(0, kTensorRole, id);
    item->setExpanded(false);
  }
}

}  // namespace

NodeInspector::NodeInspector(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("NodeInspector");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  title_ = new QLabel(this);
  title_->setObjectName("nodeTitle");
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  title_->setWordWrap(true);
  QFont f = title_->font();
  f.setBold(true);
  title_->setFont(f);
  tree_ = new QTreeWidget(this);
  tree_->setObjectName("nodeTree");
  tree_->setColumnCount(3);
  tree_->setHeaderLabels({"property", "value", "type"});
  tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  tree_->header()->setSectionResizeMode(1, QHeaderView::Interactive);
  tree_->header()->resizeSection(1, 190);  // tensor names; the type column takes the rest
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  layout->addWidget(title_);
  layout->addWidget(tree_);
  connect(tree_, &QTreeWidget::itemClicked, this,
          [this](QTreeWidgetItem* item) { onItemActivated(item); });
  connect(tree_, &QTreeWidget::itemDoubleClicked, this,
          [this](QTreeWidgetItem* item) { onItemDoubleClicked(item); });
  connect(tree_, &QTreeWidget::itemActivated, this,
          [this](QTreeWidgetItem* item) { onItemActivated(item); });
  connect(&context_, &SessionContext::nodeChanged, this, &NodeInspector::refresh);
  connect(&context_, &SessionContext::graphChanged, this, &NodeInspector::refresh);
  refresh();
}

void NodeInspector::onItemActivated(QTreeWidgetItem* item) {
  const QVariant v = item->data(0, kTensorRole);
  if (v.isValid() && v.toInt() >= 0) context_.setCurrentTensor(v.toInt());
}

void NodeInspector::onItemDoubleClicked(QTreeWidgetItem* item) {
  const QVariant g = item->data(0, kGraphRole);
  // Queued: switching graphs rebuilds this tree, which must not happen inside its own signal.
  if (g.isValid())
    QMetaObject::invokeMethod(
        &context_, [this, graph = g.toInt()] { context_.setCurrentGraph(graph); },
        Qt::QueuedConnection);
}

void NodeInspector::refresh() {
  tree_->clear();
  attrs_ = inputs_ = outputs_ = nullptr;
  const Graph* graph = context_.graph();
  const Node* node = context_.node();
  if (!graph || !node) {
    title_->setText(tr("No node selected"));
    return;
  }
  title_->setText(QString("%1  ·  node %2").arg(qs(node->op.name)).arg(node->id));
  auto* op = new QTreeWidgetItem(tree_, {"op", qs(node->op.name)});
  add_row(op, "domain", qs(node->op.domain));
  if (node->op.code >= 0) add_row(op, "code", QString::number(node->op.code));
  add_row(op, "version", QString::number(node->op.version));
  if (node->op.custom) add_row(op, "custom", "yes");
  op->setExpanded(true);

  attrs_ = new QTreeWidgetItem(tree_, {"attributes", QString::number(node->attrs.size())});
  for (const Attribute& a : node->attrs) add_row(attrs_, qs(a.name), qs(attr_to_string(a.value)));
  if (!node->custom_options.empty())
    add_row(attrs_, "custom options", QString("%1 bytes").arg(node->custom_options.size()));
  attrs_->setExpanded(true);

  inputs_ = new QTreeWidgetItem(tree_, {"inputs", QString::number(node->inputs.size())});
  add_tensor_rows(inputs_, *graph, node->inputs);
  inputs_->setExpanded(true);
  outputs_ = new QTreeWidgetItem(tree_, {"outputs", QString::number(node->outputs.size())});
  add_tensor_rows(outputs_, *graph, node->outputs);
  outputs_->setExpanded(true);
  if (!node->intermediates.empty()) {
    auto* inter =
        new QTreeWidgetItem(tree_, {"intermediates", QString::number(node->intermediates.size())});
    add_tensor_rows(inter, *graph, node->intermediates);
  }
  if (!node->called_graphs.empty()) {
    auto* called =
        new QTreeWidgetItem(tree_, {"called graphs", QString::number(node->called_graphs.size())});
    const Model* m = context_.model();
    for (uint32_t g : node->called_graphs) {
      const QString name = m && g < m->graphs.size() ? qs(m->graphs[g].name) : QString("?");
      auto* row = add_row(called, QString::number(g), name);
      row->setData(0, kGraphRole, static_cast<int>(g));
      row->setToolTip(1, tr("Double-click to open this graph"));
    }
    called->setExpanded(true);
  }
  if (!node->ns.empty()) new QTreeWidgetItem(tree_, {"namespace", qs(node->ns)});
  if (!node->debug_info.empty()) {
    auto* dbg = new QTreeWidgetItem(tree_, {"debug info", ""});
    add_row(dbg, "", qs(node->debug_info));
  }
}

QString NodeInspector::attributeText(const QString& name) const {
  if (!attrs_) return {};
  for (int i = 0; i < attrs_->childCount(); ++i)
    if (attrs_->child(i)->text(0) == name) return attrs_->child(i)->text(1);
  return {};
}

static QList<int> tensors_of(QTreeWidgetItem* section) {
  QList<int> out;
  if (!section) return out;
  for (int i = 0; i < section->childCount(); ++i)
    out.push_back(section->child(i)->data(0, kTensorRole).toInt());
  return out;
}

QList<int> NodeInspector::inputTensors() const {
  return tensors_of(inputs_);
}
QList<int> NodeInspector::outputTensors() const {
  return tensors_of(outputs_);
}

}  // namespace edgelens::inspect
