#include "edgelens/inspectors/quant_panel.h"

#include <QAbstractTableModel>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "edgelens/inspectors/histogram_overlay.h"
#include "edgelens/runtime/quant/metrics.h"

namespace edgelens::inspect {

using runtime::quant::QuantReport;
using runtime::quant::TensorRow;

namespace {

constexpr int kSortRole = Qt::UserRole;

const char* const kHeaders[QuantPanel::kColumnCount] = {
    "op_name",       "tensor_idx",         "num_elements", "stddev", "mean_error",
    "max_abs_error", "mean_squared_error", "rmse/scale",   "snr_db", "cosine",
    "scale",         "zero_point",         "tensor_name",  "node"};

const std::vector<TensorRow>* row_set_of(const QuantReport& r, const QString& name) {
  if (name == "layers") return &r.layers;
  if (name == "accumulated") return &r.accumulated;
  if (name == "pairs") return &r.pairs;
  if (name == "outputs") return &r.outputs;
  if (name == "outputs_vs_float") return &r.outputs_vs_float;
  return nullptr;
}

QString row_set_caption(const QString& name) {
  if (name == "layers") return QObject::tr("layer-wise (isolated)");
  if (name == "accumulated") return QObject::tr("accumulated vs float shadow");
  if (name == "pairs") return QObject::tr("vs float model");
  if (name == "outputs") return QObject::tr("outputs vs float shadow");
  return QObject::tr("outputs vs float model");
}

QString primary_row_set(const QuantReport& r) {
  const auto* primary = &r.primary();
  for (const char* name : {"layers", "pairs", "accumulated"})
    if (row_set_of(r, name) == primary) return name;
  return "layers";
}

double column_value(const TensorRow& r, int column) {
  const auto& m = r.metrics;
  switch (column) {
    case QuantPanel::kTensorIdx:
      return r.tensor_idx;
    case QuantPanel::kNumElements:
      return m.num_elements;
    case QuantPanel::kStddev:
      return m.stddev;
    case QuantPanel::kMeanError:
      return m.mean_error;
    case QuantPanel::kMaxAbsError:
      return m.max_abs_error;
    case QuantPanel::kMeanSquaredError:
      return m.mean_squared_error;
    case QuantPanel::kRmseScale:
      return m.rmse_scale;
    case QuantPanel::kSnr:
      return m.snr_db;
    case QuantPanel::kCosine:
      return m.cosine_similarity;
    case QuantPanel::kScale:
      return r.scale;
    case QuantPanel::kZeroPoint:
      return double(r.zero_point);
    case QuantPanel::kNode:
      return r.node;
    default:
      return NAN;
  }
}

QString number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return QString::number(v, 'g', 5);
}

}  // namespace

class QuantRowsModel : public QAbstractTableModel {
 public:
  explicit QuantRowsModel(QObject* parent) : QAbstractTableModel(parent) {}

  void setRows(const std::vector<TensorRow>* rows) {
    beginResetModel();
    rows_ = rows;
    endResetModel();
  }
  const std::vector<TensorRow>& rows() const { return rows_ ? *rows_ : empty_; }

  int rowCount(const QModelIndex& parent = {}) const override {
    return parent.isValid() ? 0 : static_cast<int>(rows().size());
  }
  int columnCount(const QModelIndex& parent = {}) const override {
    return parent.isValid() ? 0 : QuantPanel::kColumnCount;
  }
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
    if (orientation != Qt::Horizontal || section < 0 || section >= QuantPanel::kColumnCount)
      return {};
    if (role == Qt::DisplayRole) return QString(kHeaders[section]);
    if (role == Qt::ToolTipRole && section == QuantPanel::kRmseScale)
      return QObject::tr("sqrt(mean_squared_error) / scale; rounding alone gives 1/√12 ≈ 0.289");
    return {};
  }
  QVariant data(const QModelIndex& index, int role) const override {
    if (!index.isValid() || static_cast<size_t>(index.row()) >= rows().size()) return {};
    const TensorRow& r = rows()[static_cast<size_t>(index.row())];
    const int c = index.column();
    switch (role) {
      case Qt::DisplayRole:
        if (c == QuantPanel::kOpName) return QString::fromStdString(r.op_name);
        if (c == QuantPanel::kTensorName) return QString::fromStdString(r.tensor_name);
        if (c == QuantPanel::kTensorIdx || c == QuantPanel::kNode || c == QuantPanel::kZeroPoint ||
            c == QuantPanel::kNumElements)
          return QString::number(static_cast<qint64>(column_value(r, c)));
        return number_text(column_value(r, c));
      case kSortRole:
        if (c == QuantPanel::kOpName) return QString::fromStdString(r.op_name);
        if (c == QuantPanel::kTensorName) return QString::fromStdString(r.tensor_name);
        return column_value(r, c);
      case Qt::TextAlignmentRole:
        return c == QuantPanel::kOpName || c == QuantPanel::kTensorName
                   ? int(Qt::AlignLeft | Qt::AlignVCenter)
                   : int(Qt::AlignRight | Qt::AlignVCenter);
      case Qt::BackgroundRole:
        if (r.flagged) return QColor(255, 205, 195);
        return {};
      case Qt::ForegroundRole:
        if (r.flagged) return QColor(Qt::black);
        return {};
      case Qt::ToolTipRole:
        if (r.flagged)
          return QObject::tr("rmse/scale %1 > %2: far above the %3 of rounding alone")
              .arg(number_text(r.metrics.rmse_scale))
              .arg(runtime::quant::kSuspiciousRmseScale)
              .arg(runtime::quant::kUniformRoundingRmse, 0, 'f', 3);
        return {};
      default:
        return {};
    }
  }

 private:
  const std::vector<TensorRow>* rows_ = nullptr;
  std::vector<TensorRow> empty_;
};

namespace {

// Numbers sort numerically with NaN always last (either order); text columns as text.
class QuantSortProxy : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;

 protected:
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override {
    const QVariant a = left.data(kSortRole), b = right.data(kSortRole);
    if (a.typeId() != QMetaType::Double || b.typeId() != QMetaType::Double)
      return QString::localeAwareCompare(a.toString(), b.toString()) < 0;
    const double x = a.toDouble(), y = b.toDouble();
    const bool ascending = sortOrder() == Qt::AscendingOrder;
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? !ascending : ascending;
    return x < y;
  }
};

}  // namespace

QStringList quant_overlay_metrics() {
  QStringList names;
  for (auto name : runtime::quant::kMetricNames)
    if (name != "num_elements") names << QString::fromUtf8(name.data(), qsizetype(name.size()));
  return names;
}

bool quant_metric_lower_is_worse(const QString& metric) {
  return metric == "snr_db" || metric == "cosine_similarity";
}

QuantPanel::QuantPanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("QuantPanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);

  auto* controls = new QHBoxLayout;
  mode_ = new QComboBox(this);
  mode_->setObjectName("quantMode");
  mode_->addItem(tr("layer-wise"), "layer");
  mode_->addItem(tr("accumulated"), "model");
  mode_->setToolTip(
      tr("layer-wise: each op on the inputs it received; accumulated: every tensor "
         "against the float shadow (or the float model)"));
  samples_ = new QSpinBox(this);
  samples_->setRange(1, 1000);
  samples_->setValue(1);
  samples_->setPrefix(tr("samples "));
  samples_->setToolTip(
      tr("Random samples (the same ones `edgelens quant-report --samples N` "
         "uses, so the cache is shared)"));
  float_button_ = new QPushButton(tr("Float model…"), this);
  float_button_->setToolTip(tr("Compare with the float model this one was quantized from"));
  run_button_ = new QPushButton(tr("Run report"), this);
  run_button_->setObjectName("quantRun");
  cancel_button_ = new QPushButton(tr("Cancel"), this);
  cancel_button_->setObjectName("quantCancel");
  cancel_button_->setEnabled(false);
  controls->addWidget(mode_);
  controls->addWidget(samples_);
  controls->addWidget(float_button_);
  controls->addStretch();
  controls->addWidget(run_button_);
  controls->addWidget(cancel_button_);
  layout->addLayout(controls);

  float_label_ = new QLabel(this);
  float_label_->setVisible(false);
  layout->addWidget(float_label_);
  progress_ = new QProgressBar(this);
  progress_->setVisible(false);
  layout->addWidget(progress_);

  auto* view_row = new QHBoxLayout;
  row_sets_ = new QComboBox(this);
  row_sets_->setObjectName("quantRowSet");
  metric_ = new QComboBox(this);
  metric_->setObjectName("quantMetric");
  metric_->addItems(quant_overlay_metrics());
  metric_->setCurrentText("rmse_scale");
  metric_->setToolTip(tr("Colour the canvas by this metric"));
  view_row->addWidget(new QLabel(tr("Rows"), this));
  view_row->addWidget(row_sets_, 1);
  view_row->addWidget(new QLabel(tr("Colour by"), this));
  view_row->addWidget(metric_);
  layout->addLayout(view_row);

  status_ = new QLabel(tr("Run the report to see per-layer quantization error."), this);
  status_->setObjectName("quantStatus");
  status_->setWordWrap(true);
  layout->addWidget(status_);

  rows_model_ = new QuantRowsModel(this);
  proxy_ = new QuantSortProxy(this);
  proxy_->setSourceModel(rows_model_);
  proxy_->setSortRole(kSortRole);
  table_ = new QTableView(this);
  table_->setObjectName("quantTable");
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(20);
  table_->horizontalHeader()->setStretchLastSection(true);
  histogram_ = new HistogramOverlay(this);
  auto* split = new QSplitter(Qt::Horizontal, this);  // the panel docks at the bottom: side by side
  split->addWidget(table_);
  split->addWidget(histogram_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  connect(run_button_, &QPushButton::clicked, this, &QuantPanel::runRequested);
  connect(cancel_button_, &QPushButton::clicked, this, &QuantPanel::cancelRequested);
  connect(float_button_, &QPushButton::clicked, this, &QuantPanel::chooseFloatRequested);
  connect(metric_, &QComboBox::currentTextChanged, this, &QuantPanel::metricChanged);
  connect(row_sets_, &QComboBox::activated, this,
          [this](int i) { setRowSet(row_sets_->itemData(i).toString()); });
  connect(table_, &QTableView::clicked, this,
          [this](const QModelIndex& index) { onRowClicked(index.row()); });
  connect(table_, &QTableView::activated, this,
          [this](const QModelIndex& index) { onRowClicked(index.row()); });
  connect(&context_, &SessionContext::modelChanged, this, [this] {
    if (model_ && context_.modelPtr() != model_) setReport(nullptr, nullptr, {});
  });
}

QuantPanel::~QuantPanel() = default;

void QuantPanel::setReport(std::shared_ptr<const Model> model,
                           std::shared_ptr<const QuantReport> report, const QString& note) {
  model_ = std::move(model);
  report_ = std::move(report);
  row_set_.clear();
  rows_model_->setRows(nullptr);
  histogram_->clear(tr("Select a row to compare the tensor's float and quantized values."));
  fillRowSets();
  if (!report_) {
    setStatus(note.isEmpty() ? tr("Run the report to see per-layer quantization error.") : note);
    return;
  }
  setRowSet(primary_row_set(*report_));
  QString text = tr("%1 rows, <b>%2 flagged</b> (rmse/scale &gt; %3; rounding alone gives %4), "
                    "%5 sample(s)")
                     .arg(rows().size())
                     .arg(flaggedCount())
                     .arg(runtime::quant::kSuspiciousRmseScale)
                     .arg(runtime::quant::kUniformRoundingRmse, 0, 'f', 3)
                     .arg(report_->samples);
  if (!report_->skipped.empty()) text += tr("; %1 node(s) skipped").arg(report_->skipped.size());
  if (!note.isEmpty()) text += " · " + note.toHtmlEscaped();
  setStatus(text);
}

void QuantPanel::fillRowSets() {
  row_sets_->clear();
  if (!report_) return;
  const QString primary = primary_row_set(*report_);
  row_sets_->addItem(row_set_caption(primary), primary);
  for (const char* name : {"layers", "accumulated", "pairs", "outputs", "outputs_vs_float"})
    if (name != primary && !row_set_of(*report_, name)->empty())
      row_sets_->addItem(row_set_caption(name), QString(name));
}

bool QuantPanel::setRowSet(const QString& name) {
  if (!report_) return false;
  const auto* rows = row_set_of(*report_, name);
  if (!rows) return false;
  row_set_ = name;
  rows_model_->setRows(rows);
  if (const int i = row_sets_->findData(name); i >= 0) row_sets_->setCurrentIndex(i);
  // Worst first: the column of the overlay metric when it is in the table, else rmse/scale.
  const bool lower_worse = quant_metric_lower_is_worse(metric());
  const int column = metric() == "snr_db"               ? kSnr
                     : metric() == "cosine_similarity"  ? kCosine
                     : metric() == "stddev"             ? kStddev
                     : metric() == "mean_error"         ? kMeanError
                     : metric() == "max_abs_error"      ? kMaxAbsError
                     : metric() == "mean_squared_error" ? kMeanSquaredError
                                                        : kRmseScale;
  table_->sortByColumn(column, lower_worse ? Qt::AscendingOrder : Qt::DescendingOrder);
  table_->resizeColumnsToContents();
  emit rowSetChanged(name);
  return true;
}

const std::vector<TensorRow>& QuantPanel::rows() const {
  return rows_model_->rows();
}

const TensorRow* QuantPanel::rowAtViewRow(int view_row) const {
  const QModelIndex source = proxy_->mapToSource(proxy_->index(view_row, 0));
  if (!source.isValid()) return nullptr;
  return &rows()[static_cast<size_t>(source.row())];
}

int QuantPanel::viewRowOf(size_t row_index) const {
  return proxy_->mapFromSource(rows_model_->index(static_cast<int>(row_index), 0)).row();
}

void QuantPanel::selectViewRow(int view_row) {
  table_->selectRow(view_row);
  onRowClicked(view_row);
}

int QuantPanel::flaggedCount() const {
  int n = 0;
  for (const TensorRow& r : rows()) n += r.flagged ? 1 : 0;
  return n;
}

void QuantPanel::onRowClicked(int view_row) {
  const QModelIndex source = proxy_->mapToSource(proxy_->index(view_row, 0));
  if (!source.isValid() || !report_) return;
  const TensorRow& row = rows()[static_cast<size_t>(source.row())];
  // Rows belong to graph 0 of the reported model (the graph the debugger runs).
  if (model_ && context_.modelPtr() == model_) context_.goTo({0, static_cast<int>(row.node)});
  emit rowSelected(row_set_, source.row());
}

runtime::quant::ReportMode QuantPanel::mode() const {
  return mode_->currentData().toString() == "model" ? runtime::quant::ReportMode::Model
                                                    : runtime::quant::ReportMode::Layer;
}

int QuantPanel::samples() const {
  return samples_->value();
}

void QuantPanel::setSamples(int samples) {
  samples_->setValue(samples);
}

void QuantPanel::setMode(runtime::quant::ReportMode mode) {
  mode_->setCurrentIndex(
      mode_->findData(mode == runtime::quant::ReportMode::Model ? "model" : "layer"));
}

void QuantPanel::setFloatModelPath(const QString& path) {
  float_path_ = path;
  float_label_->setVisible(!path.isEmpty());
  float_label_->setText(tr("Float model: %1").arg(QFileInfo(path).fileName()));
  float_label_->setToolTip(path);
  float_button_->setText(path.isEmpty() ? tr("Float model…") : tr("Change float model…"));
}

QString QuantPanel::metric() const {
  return metric_->currentText();
}

void QuantPanel::setMetric(const QString& metric) {
  metric_->setCurrentText(metric);
}

void QuantPanel::setRunning(bool running) {
  run_button_->setEnabled(!running);
  cancel_button_->setEnabled(running);
  mode_->setEnabled(!running);
  samples_->setEnabled(!running);
  float_button_->setEnabled(!running);
  progress_->setVisible(running);
  if (running) progress_->setRange(0, 0);
}

void QuantPanel::setProgress(const QString& stage, qint64 done, qint64 total) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  progress_->setFormat(QString("%1 %2/%3").arg(stage).arg(done).arg(total));
  progress_->setTextVisible(true);
}

void QuantPanel::setStatus(const QString& text) {
  status_->setText(text);
}

QString QuantPanel::statusText() const {
  return status_->text();
}

}  // namespace edgelens::inspect
