#include "edgelens/inspectors/partition_panel.h"

#include <QFont>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <iterator>

namespace edgelens::inspect {
namespace {

constexpr int kNodeRole = Qt::UserRole;  // node id on node rows, -1 on subset rows

QIcon swatch(const QColor& color) {
  QPixmap pixmap(12, 12);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setPen(QColor(90, 90, 90));
  p.setBrush(color);
  p.drawRect(0, 0, 11, 11);
  return QIcon(pixmap);
}

QString first_output_name(const Graph& graph, const Node& node) {
  if (node.outputs.empty() || node.outputs[0] < 0 ||
      static_cast<size_t>(node.outputs[0]) >= graph.tensors.size())
    return {};
  return QString::fromStdString(graph.tensors[static_cast<size_t>(node.outputs[0])].name);
}

}  // namespace

QColor partition_color(int delegate_partition) {
  // Light, distinct hues (black labels stay readable); they repeat after eight partitions.
  static const QColor palette[] = {
      QColor(140, 215, 140), QColor(140, 190, 250), QColor(200, 160, 240), QColor(120, 215, 210),
      QColor(240, 210, 110), QColor(250, 170, 215), QColor(180, 200, 120), QColor(170, 170, 235)};
  const int n = static_cast<int>(std::size(palette));
  return palette[((delegate_partition % n) + n) % n];
}

QColor cpu_fallback_color() {
  return QColor(250, 140, 120);
}

QString count_text(int n, const char* one, const char* many) {
  return QString("%1 %2").arg(n).arg(n == 1 ? one : many);
}

QString delegate_display_name(const delegate::PartitionReport& report) {
  if (report.delegate_name == "xnnpack") return "XNNPACK";
  if (report.delegate_name == "xnnpack-local") return "XNNPACK (local rules)";
  return QString::fromStdString(report.delegate_name);
}

QString partition_summary(const delegate::PartitionReport& report) {
  QString text =
      QString("%1: %2 in %3; CPU: %4")
          .arg(delegate_display_name(report), count_text(report.delegate_ops, "node", "nodes"),
               count_text(report.delegate_partitions, "partition", "partitions"),
               count_text(report.cpu_ops, "node", "nodes"));
  if (report.claimed_but_dropped > 0)
    text += QString(" (%1 claimed but left to the CPU by partition limits)")
                .arg(report.claimed_but_dropped);
  return text;
}

PartitionPanel::PartitionPanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("PartitionPanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  summary_ = new QLabel(tr("Choose a delegate (Delegate menu) to see its partitions."), this);
  summary_->setObjectName("partitionSummary");
  summary_->setWordWrap(true);
  source_ = new QLabel(this);
  source_->setWordWrap(true);
  source_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont small = source_->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  source_->setFont(small);
  tree_ = new QTreeWidget(this);
  tree_->setObjectName("partitionTree");
  tree_->setColumnCount(3);
  tree_->setHeaderLabels({tr("Partition / node"), tr("Why"), tr("Name")});
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->header()->setStretchLastSection(true);
  layout->addWidget(summary_);
  layout->addWidget(source_);
  layout->addWidget(tree_, 1);
  // The selected row's reason in full (the column is usually too narrow for it).
  details_ = new QLabel(this);
  details_->setObjectName("partitionDetails");
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(details_);
  connect(tree_, &QTreeWidget::currentItemChanged, this, &PartitionPanel::showDetails);
  connect(tree_, &QTreeWidget::itemClicked, this,
          [this](QTreeWidgetItem* item) { onItemActivated(item); });
  connect(tree_, &QTreeWidget::itemActivated, this,
          [this](QTreeWidgetItem* item) { onItemActivated(item); });
  connect(&context_, &SessionContext::nodeChanged, this, &PartitionPanel::followContext);
  connect(&context_, &SessionContext::modelChanged, this, [this] {
    if (model_ && context_.modelPtr() != model_) setReport(nullptr, nullptr);
  });
}

QString PartitionPanel::summaryText() const {
  return report_ ? partition_summary(*report_) : QString();
}

QTreeWidgetItem* PartitionPanel::itemForNode(int node) const {
  if (node < 0 || static_cast<size_t>(node) >= node_items_.size()) return nullptr;
  return node_items_[static_cast<size_t>(node)];
}

void PartitionPanel::setReport(std::shared_ptr<const Model> model,
                               std::shared_ptr<const delegate::PartitionReport> report) {
  model_ = std::move(model);
  report_ = std::move(report);
  tree_->clear();
  node_items_.clear();
  details_->clear();
  if (!model_ || !report_ || report_->graph >= model_->graphs.size()) {
    summary_->setText(tr("Choose a delegate (Delegate menu) to see its partitions."));
    source_->clear();
    return;
  }
  const Graph& graph = model_->graphs[report_->graph];
  summary_->setText(QString("<b>%1</b>").arg(partition_summary(*report_).toHtmlEscaped()));
  QString source = QString::fromStdString(report_->delegate_description);
  if (!report_->source.empty()) source += " — " + QString::fromStdString(report_->source);
  source_->setText(source);
  node_items_.assign(graph.nodes.size(), nullptr);
  const QString name = delegate_display_name(*report_);
  int delegated_index = 0;
  for (const auto& subset : report_->subsets) {
    const bool cpu = subset.kind == delegate::NodeSubset::Kind::Cpu;
    auto* group = new QTreeWidgetItem(tree_);
    group->setData(0, kNodeRole, -1);
    const QColor color = cpu ? cpu_fallback_color() : partition_color(delegated_index);
    group->setIcon(0, swatch(color));
    group->setText(0,
                   cpu ? tr("CPU — %1").arg(count_text(int(subset.nodes.size()), "node", "nodes"))
                       : tr("%1 partition %2 — %3")
                             .arg(name)
                             .arg(delegated_index + 1)
                             .arg(count_text(int(subset.nodes.size()), "node", "nodes")));
    if (!cpu) ++delegated_index;
    for (uint32_t n : subset.nodes) {
      if (n >= graph.nodes.size()) continue;
      const Node& node = graph.nodes[n];
      const auto& placement = report_->nodes[n];
      auto* item = new QTreeWidgetItem(group);
      item->setData(0, kNodeRole, static_cast<int>(n));
      item->setText(0, QString("%1 %2").arg(n).arg(QString::fromStdString(node.op.name)));
      item->setText(2, first_output_name(graph, node));
      // Fallback nodes say why (the refused rule, or the partition limit that dropped a claim);
      // delegated ones only when the claim is not the plain one.
      QString why;
      if (!placement.verdict.claimed)
        why = QString::fromStdString(placement.verdict.reason);
      else if (!placement.delegated)
        why = QString::fromStdString(placement.placement_note);
      else
        why = QString::fromStdString(placement.verdict.reason);
      item->setText(1, why);
      item->setToolTip(
          1, why + (placement.verdict.rule.empty()
                        ? QString()
                        : QString("\n[%1]").arg(QString::fromStdString(placement.verdict.rule))));
      node_items_[n] = item;
    }
    // CPU stretches are what users look for: open them; long delegated partitions stay closed.
    group->setExpanded(cpu || subset.nodes.size() <= 12);
  }
  tree_->resizeColumnToContents(0);
  followContext();
}

void PartitionPanel::onItemActivated(QTreeWidgetItem* item) {
  if (!item || !report_) return;
  const int node = item->data(0, kNodeRole).toInt();
  if (node < 0) return;
  context_.goTo({static_cast<int>(report_->graph), node});
}

void PartitionPanel::showDetails(QTreeWidgetItem* item) {
  details_->setText(item && item->data(0, kNodeRole).toInt() >= 0
                        ? item->text(0) + ": " + item->toolTip(1)
                        : QString());
}

void PartitionPanel::followContext() {
  if (!report_ || context_.modelPtr() != model_ ||
      context_.currentGraph() != static_cast<int>(report_->graph))
    return;
  if (QTreeWidgetItem* item = itemForNode(context_.currentNode())) {
    const QSignalBlocker block(tree_);
    tree_->setCurrentItem(item);
    tree_->scrollToItem(item);
    showDetails(item);
  }
}

}  // namespace edgelens::inspect
