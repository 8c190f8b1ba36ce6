#include "edgelens/inspectors/tensor_viewer.h"

#include "edgelens/inspectors/run_result.h"

#include <QAbstractTableModel>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/inspectors/value_widgets.h"

namespace edgelens::inspect {

// A read-only table over the current 2-D slice; Qt asks only for visible cells.
class SliceTableModel : public QAbstractTableModel {
 public:
  using QAbstractTableModel::QAbstractTableModel;
  void setSlice(const Slice2D* slice) {
    beginResetModel();
    slice_ = slice;
    endResetModel();
  }
  int rowCount(const QModelIndex& parent) const override {
    return parent.isValid() || !slice_ ? 0
                                       : static_cast<int>(std::min<int64_t>(slice_->rows, 1 << 20));
  }
  int columnCount(const QModelIndex& parent) const override {
    return parent.isValid() || !slice_ ? 0
                                       : static_cast<int>(std::min<int64_t>(slice_->cols, 1 << 14));
  }
  QVariant data(const QModelIndex& index, int role) const override {
    if (!slice_ || !index.isValid()) return {};
    const double v = slice_->at(index.row(), index.column());
    if (role == Qt::DisplayRole) return std::isnan(v) ? QString("NaN") : QString::number(v, 'g', 6);
    if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
  }
  QVariant headerData(int section, Qt::Orientation, int role) const override {
    if (role == Qt::DisplayRole) return section;
    return {};
  }

 private:
  const Slice2D* slice_ = nullptr;
};

TensorViewer::TensorViewer(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("TensorViewer");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  title_ =
      new QLabel(tr("No tensor selected — click an input or output in the node inspector"), this);
  title_->setObjectName("tensorTitle");
  title_->setWordWrap(true);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  stats_label_ = new QLabel(this);
  stats_label_->setObjectName("tensorStats");
  stats_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  stats_label_->setWordWrap(true);
  dequantize_ = new QCheckBox(tr("dequantize (scale · (q − zero point))"), this);
  dequantize_->setChecked(true);
  histogram_ = new HistogramWidget(this);

  auto* axes = new QHBoxLayout;
  row_axis_box_ = new QComboBox(this);
  col_axis_box_ = new QComboBox(this);
  axes->addWidget(new QLabel(tr("rows"), this));
  axes->addWidget(row_axis_box_);
  axes->addWidget(new QLabel(tr("cols"), this));
  axes->addWidget(col_axis_box_);
  fixed_layout_ = new QHBoxLayout;
  axes->addLayout(fixed_layout_);
  axes->addStretch();
  export_ = new QPushButton(tr("Export .npy…"), this);
  axes->addWidget(export_);

  tabs_ = new QTabWidget(this);
  table_ = new QTableView(this);
  table_->setObjectName("tensorTable");
  table_model_ = new SliceTableModel(this);
  table_->setModel(table_model_);
  table_->horizontalHeader()->setDefaultSectionSize(92);
  table_->verticalHeader()->setDefaultSectionSize(20);
  heatmap_ = new HeatmapWidget(this);
  tabs_->addTab(table_, tr("Table"));
  tabs_->addTab(heatmap_, tr("Heatmap"));

  layout->addWidget(title_);
  layout->addWidget(stats_label_);
  layout->addWidget(dequantize_);
  layout->addWidget(histogram_);
  layout->addLayout(axes);
  layout->addWidget(tabs_, 1);

  connect(&context_, &SessionContext::tensorChanged, this, &TensorViewer::followContext);
  connect(&context_, &SessionContext::runChanged, this, [this] {
    if (from_model_ || from_run_) followContext();
  });
  connect(dequantize_, &QCheckBox::toggled, this, [this] {
    if (from_model_ || from_run_) followContext();
  });
  connect(row_axis_box_, &QComboBox::currentIndexChanged, this,
          [this](int i) { setSliceAxes(row_axis_box_->itemData(i).toInt(), col_axis_); });
  connect(col_axis_box_, &QComboBox::currentIndexChanged, this,
          [this](int i) { setSliceAxes(row_axis_, col_axis_box_->itemData(i).toInt()); });
  connect(export_, &QPushButton::clicked, this, &TensorViewer::onExport);
  export_->setEnabled(false);
}

TensorViewer::~TensorViewer() = default;

void TensorViewer::followContext() {
  const Tensor* t = context_.tensor();
  if (!t) {
    from_model_ = false;
    setValues(tr("No tensor selected"), {});
    return;
  }
  // After a run, a tensor the run computed shows its runtime values (graph 0 is what runs).
  const auto run = context_.runResult();
  if (run && context_.currentGraph() == 0 && run->hasValues(t->id)) {
    from_model_ = false;
    from_run_ = true;
    TensorValues values = run->values(t->id, dequantize_->isChecked());
    const QString title = QString("%1\ntensor %2 · %3 %4 · after run")
                              .arg(QString::fromStdString(t->name))
                              .arg(t->id)
                              .arg(QString::fromUtf8(dtype_name(t->dtype).data()),
                                   QString::fromStdString(shape_text(values.shape)));
    setValues(title, std::move(values));
    return;
  }
  from_run_ = false;
  from_model_ = true;
  QString title = QString("%1\ntensor %2 · %3 %4")
                      .arg(QString::fromStdString(t->name))
                      .arg(t->id)
                      .arg(QString::fromUtf8(dtype_name(t->dtype).data()),
                           QString::fromStdString(shape_text(t->shape)));
  if (const std::string q = quant_channel_summary(t->quant); !q.empty())
    title += "\n" + QString::fromStdString(q);
  setValues(title, decode_tensor(*t, dequantize_->isChecked()));
}

void TensorViewer::showValues(const QString& title, TensorValues values) {
  from_model_ = false;
  from_run_ = false;
  setValues(title, std::move(values));
}

void TensorViewer::setValues(const QString& title, TensorValues values) {
  const bool same_rank = values.shape.size() == values_.shape.size();
  values_ = std::move(values);
  title_->setText(title);
  stats_ = compute_stats(values_.values);
  histogram_->setHistogram(compute_histogram(values_.values, 64));
  QString text;
  if (!values_.problem.empty()) text = QString::fromStdString(values_.problem) + "\n";
  if (stats_.count) {
    text += tr("min %1   max %2   mean %3   std %4\nzeros %5%   NaN %6   Inf %7   elements %8%9")
                .arg(stats_.min, 0, 'g', 6)
                .arg(stats_.max, 0, 'g', 6)
                .arg(stats_.mean, 0, 'g', 6)
                .arg(stats_.std, 0, 'g', 6)
                .arg(100.0 * stats_.zero_fraction(), 0, 'f', 2)
                .arg(stats_.nan_count)
                .arg(stats_.inf_count)
                .arg(stats_.count)
                .arg(values_.dequantized ? tr("   (dequantized)") : QString());
  }
  stats_label_->setText(text);
  dequantize_->setVisible(from_model_ && context_.tensor() &&
                          !context_.tensor()->quant.scales.empty());
  export_->setEnabled(stats_.count > 0);
  if (!same_rank || fixed_.size() != values_.shape.size()) {
    // Columns along the last axis, rows along the largest other one: a [24,1,1,8] 1x1 filter
    // shows as 24x8, not 1x8.
    const int rank = static_cast<int>(values_.shape.size());
    col_axis_ = rank - 1;
    row_axis_ = rank >= 2 ? rank - 2 : 0;
    for (int d = 0; d + 1 < rank; ++d)
      if (values_.shape[static_cast<size_t>(d)] > values_.shape[static_cast<size_t>(row_axis_)])
        row_axis_ = d;
    fixed_.assign(values_.shape.size(), 0);
  }
  rebuildSliceControls();
  updateSlice();
}

void TensorViewer::rebuildSliceControls() {
  const int rank = static_cast<int>(values_.shape.size());
  {
    const QSignalBlocker b1(row_axis_box_), b2(col_axis_box_);
    row_axis_box_->clear();
    col_axis_box_->clear();
    for (int d = 0; d < rank; ++d) {
      const QString label =
          QString("axis %1 (%2)").arg(d).arg(values_.shape[static_cast<size_t>(d)]);
      row_axis_box_->addItem(label, d);
      col_axis_box_->addItem(label, d);
    }
    row_axis_box_->setCurrentIndex(row_axis_box_->findData(row_axis_));
    col_axis_box_->setCurrentIndex(col_axis_box_->findData(col_axis_));
    row_axis_box_->setEnabled(rank >= 2);
    col_axis_box_->setEnabled(rank >= 2);
  }
  for (QSpinBox* box : fixed_boxes_) box->deleteLater();
  fixed_boxes_.clear();
  for (int d = 0; d < rank; ++d) {
    if (d == row_axis_ || d == col_axis_) continue;
    auto* box = new QSpinBox(this);
    box->setPrefix(QString("axis %1: ").arg(d));
    box->setRange(
        0, static_cast<int>(std::max<int64_t>(values_.shape[static_cast<size_t>(d)] - 1, 0)));
    box->setValue(static_cast<int>(fixed_[static_cast<size_t>(d)]));
    box->setObjectName(QString("fixedAxis%1").arg(d));
    connect(box, &QSpinBox::valueChanged, this, [this, d](int v) { setFixedIndex(d, v); });
    fixed_layout_->addWidget(box);
    fixed_boxes_.push_back(box);
  }
}

void TensorViewer::setSliceAxes(int row_axis, int col_axis) {
  const int rank = static_cast<int>(values_.shape.size());
  if (col_axis < 0) col_axis = rank - 1;
  if (rank >= 2 && row_axis == col_axis) {
    // swapping keeps two distinct axes: picking the other's axis exchanges them
    if (row_axis != row_axis_)
      col_axis = row_axis_;
    else
      row_axis = col_axis_;
  }
  if (row_axis == row_axis_ && col_axis == col_axis_) return;
  row_axis_ = row_axis;
  col_axis_ = col_axis;
  rebuildSliceControls();
  updateSlice();
}

void TensorViewer::setFixedIndex(int axis, int64_t index) {
  if (axis < 0 || axis >= static_cast<int>(fixed_.size())) return;
  fixed_[static_cast<size_t>(axis)] = index;
  for (QSpinBox* box : fixed_boxes_)
    if (box->objectName() == QString("fixedAxis%1").arg(axis) && box->value() != index) {
      const QSignalBlocker b(box);
      box->setValue(static_cast<int>(index));
    }
  updateSlice();
}

void TensorViewer::updateSlice() {
  slice_ = slice_2d(values_, row_axis_, col_axis_, fixed_);
  table_model_->setSlice(&slice_);
  heatmap_->setSlice(slice_);
}

bool TensorViewer::exportNpy(const QString& path, QString* error) {
  try {
    const std::filesystem::path p = path.toStdString();
    if (from_model_ && context_.tensor())
      write_npy(p, *context_.tensor());
    else
      write_npy_f64(p, values_.shape, values_.values);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void TensorViewer::onExport() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export tensor"), "tensor.npy",
                                                    tr("NumPy arrays (*.npy)"));
  if (path.isEmpty()) return;
  QString error;
  if (!exportNpy(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

}  // namespace edgelens::inspect
