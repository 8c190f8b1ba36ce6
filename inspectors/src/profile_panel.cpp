#include "edgelens/inspectors/profile_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace edgelens::inspect {

namespace {

constexpr int kSortRole = Qt::UserRole;      // numeric value the column sorts by
constexpr int kNodeRole = Qt::UserRole + 1;  // index into ProfileData::rows

// Shows a formatted number but sorts by its value.
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(double value, const QString& text) : QTableWidgetItem(text) {
    setData(kSortRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    return data(kSortRole).toDouble() < other.data(kSortRole).toDouble();
  }
};

QTableWidget* make_table(const QStringList& headers, QWidget* parent) {
  auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  table->setHorizontalHeaderLabels(headers);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->verticalHeader()->setVisible(false);
  table->verticalHeader()->setDefaultSectionSize(20);  // compact rows, as the other tables
  table->horizontalHeader()->setStretchLastSection(true);
  table->setWordWrap(false);
  return table;
}

QString ms_text(double ms) {
  return QString::number(ms, 'f', 3);
}

}  // namespace

ProfilePanel::ProfilePanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("profilePanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  summary_ =
      new QLabel(tr("No profile yet: Run > Profile runs the model and times every node."), this);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);
  auto* split = new QSplitter(Qt::Vertical, this);
  nodes_ = make_table({tr("Node"), tr("Op"), tr("Avg ms"), tr("%"), tr("First ms"), tr("Min ms"),
                       tr("Max ms"), tr("Calls/run"), tr("Name")},
                      split);
  nodes_->setObjectName("profileNodeTable");
  nodes_->setToolTip(tr("Time per run of every node; click a row to go to the node"));
  types_ = make_table({tr("Op type"), tr("Nodes"), tr("Avg ms"), tr("%"), tr("Cdf %")}, split);
  types_->setObjectName("profileTypeTable");
  split->addWidget(nodes_);
  split->addWidget(types_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  layout->addWidget(split, 1);

  connect(nodes_, &QTableWidget::cellClicked, this, [this](int row, int) { onCellClicked(row); });
  connect(&context_, &SessionContext::modelsChanged, this, [this] {
    // The profiled model was closed: drop the profile with it.
    if (!profile_) return;
    for (int i = 0; i < context_.modelCount(); ++i)
      if (context_.modelAt(i) == profile_->model) return;
    setProfile(nullptr);
  });
  connect(&context_, &SessionContext::modelChanged, this, &ProfilePanel::refill);
}

void ProfilePanel::setProfile(std::shared_ptr<const ProfileData> profile) {
  profile_ = std::move(profile);
  refill();
}

QString ProfilePanel::summaryText() const {
  return summary_->text();
}

void ProfilePanel::refill() {
  nodes_->setSortingEnabled(false);
  nodes_->setRowCount(0);
  types_->setSortingEnabled(false);
  types_->setRowCount(0);
  const bool shown = profile_ && profile_->model == context_.modelPtr();
  if (!profile_) {
    summary_->setText(tr("No profile yet: Run > Profile runs the model and times every node."));
    return;
  }
  if (!shown) {
    summary_->setText(tr("The profile belongs to another open model."));
    return;
  }
  const auto& p = *profile_;
  const auto table = runtime::table_by_average(p.rows, p.invokes);
  double node_sum = 0;
  for (const auto& t : table) node_sum += t.avg_ms;
  summary_->setText(tr("%1 runs, delegate %2: inference avg %3 ms (min %4, max %5, std %6); "
                       "node sum %7 ms")
                        .arg(p.invokes)
                        .arg(QString::fromStdString(p.delegate))
                        .arg(ms_text(p.inference.avg), ms_text(p.inference.min),
                             ms_text(p.inference.max), ms_text(p.inference.std),
                             ms_text(node_sum)));

  nodes_->setRowCount(static_cast<int>(table.size()));
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& t = table[i];
    const auto& r = *t.node;
    const int row = static_cast<int>(i);
    const auto index = static_cast<int>(t.node - p.rows.data());
    QString node_text = QString::number(r.node);
    if (r.partition)
      node_text = tr("%1 (+%2)")
                      .arg(r.covers.empty() ? r.node : r.covers.front())
                      .arg(std::max<size_t>(r.covers.size(), 1) - 1);
    auto* node_item =
        new NumberItem(double(r.covers.empty() ? r.node : r.covers.front()), node_text);
    node_item->setData(kNodeRole, index);
    nodes_->setItem(row, ColNode, node_item);
    nodes_->setItem(row, ColOp, new QTableWidgetItem(QString::fromStdString(r.op)));
    nodes_->setItem(row, ColAvg, new NumberItem(t.avg_ms, ms_text(t.avg_ms)));
    nodes_->setItem(row, ColPercent, new NumberItem(t.percent, QString::number(t.percent, 'f', 2)));
    nodes_->setItem(row, ColFirst, new NumberItem(r.first_ms, ms_text(r.first_ms)));
    nodes_->setItem(row, ColMin, new NumberItem(r.min_ms, ms_text(r.min_ms)));
    nodes_->setItem(row, ColMax, new NumberItem(r.max_ms, ms_text(r.max_ms)));
    nodes_->setItem(row, ColCalls,
                    new NumberItem(t.calls_per_invoke, QString::number(t.calls_per_invoke, 'g')));
    nodes_->setItem(row, ColName, new QTableWidgetItem(QString::fromStdString(r.name)));
  }
  nodes_->setSortingEnabled(true);
  nodes_->sortByColumn(ColAvg, Qt::DescendingOrder);
  nodes_->resizeColumnsToContents();

  const auto by_type = runtime::summary_by_op_type(p.rows, p.invokes);
  types_->setRowCount(static_cast<int>(by_type.size()));
  for (size_t i = 0; i < by_type.size(); ++i) {
    const auto& o = by_type[i];
    const int row = static_cast<int>(i);
    types_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(o.op)));
    types_->setItem(row, 1, new NumberItem(o.count, QString::number(o.count)));
    types_->setItem(row, 2, new NumberItem(o.avg_ms, ms_text(o.avg_ms)));
    types_->setItem(row, 3, new NumberItem(o.percent, QString::number(o.percent, 'f', 2)));
    types_->setItem(row, 4, new NumberItem(o.cdf_percent, QString::number(o.cdf_percent, 'f', 2)));
  }
  types_->setSortingEnabled(true);
  types_->sortByColumn(2, Qt::DescendingOrder);
  types_->resizeColumnsToContents();
}

void ProfilePanel::onCellClicked(int row) {
  if (!profile_ || profile_->model != context_.modelPtr()) return;
  const auto* item = nodes_->item(row, ColNode);
  if (!item) return;
  const int index = item->data(kNodeRole).toInt();
  if (index < 0 || static_cast<size_t>(index) >= profile_->rows.size()) return;
  const auto& r = profile_->rows[static_cast<size_t>(index)];
  if (r.partition && !r.covers.empty()) {
    std::vector<NodeRef> refs;
    for (uint32_t n : r.covers) refs.push_back({static_cast<int>(r.graph), static_cast<int>(n)});
    context_.setHighlights(std::move(refs));
    context_.goTo({static_cast<int>(r.graph), static_cast<int>(r.covers.front())});
    return;
  }
  context_.goTo({static_cast<int>(r.graph), static_cast<int>(r.node)});
}

}  // namespace edgelens::inspect
