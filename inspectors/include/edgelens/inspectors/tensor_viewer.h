// Tensor viewer panel: statistics (min/max/mean/std, zero fraction, NaN/Inf), histogram, a table of
// a 2-D slice of an N-D tensor (choose the two displayed axes, spin boxes fix the others), a
// heatmap of the same slice, and export to .npy. Follows the context's current tensor (constants of
// the model, or its values after a run when the context holds a run result); showValues() shows
// any other decoded values.
#pragma once

#include <QWidget>

#include <vector>

#include "edgelens/inspectors/tensor_values.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;
class QTabWidget;

namespace edgelens::inspect {

class SessionContext;
class HistogramWidget;
class HeatmapWidget;
class SliceTableModel;

class TensorViewer : public QWidget {
  Q_OBJECT
 public:
  explicit TensorViewer(SessionContext& context, QWidget* parent = nullptr);
  ~TensorViewer() override;

  // Shows decoded values that do not come from the model file (e.g. a runtime capture).
  void showValues(const QString& title, TensorValues values);

  const TensorValues& values() const { return values_; }
  const TensorStats& stats() const { return stats_; }
  const Slice2D& slice() const { return slice_; }
  // Chooses the displayed axes (column axis -1 = last) and the index of every other axis.
  void setSliceAxes(int row_axis, int col_axis);
  void setFixedIndex(int axis, int64_t index);
  // Writes the shown tensor: the raw file data when it is a model constant, else decoded float64.
  bool exportNpy(const QString& path, QString* error = nullptr);

 private:
  void followContext();
  void setValues(const QString& title, TensorValues values);
  void rebuildSliceControls();
  void updateSlice();
  void onExport();

  SessionContext& context_;
  TensorValues values_;
  TensorStats stats_;
  Slice2D slice_;
  int row_axis_ = 0, col_axis_ = -1;
  std::vector<int64_t> fixed_;
  bool from_model_ = false;  // values_ decode context_.tensor()
  bool from_run_ = false;    // values_ are context_.tensor() as the last run computed it

  QLabel* title_;
  QLabel* stats_label_;
  QCheckBox* dequantize_;
  HistogramWidget* histogram_;
  QComboBox* row_axis_box_;
  QComboBox* col_axis_box_;
  QHBoxLayout* fixed_layout_;
  std::vector<QSpinBox*> fixed_boxes_;
  QTabWidget* tabs_;
  QTableView* table_;
  SliceTableModel* table_model_;
  HeatmapWidget* heatmap_;
  QPushButton* export_;
};

}  // namespace edgelens::inspect
