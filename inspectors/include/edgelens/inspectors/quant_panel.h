// Quantization panel: the quantization debugger's report (runtime/quant) as a sortable table —
// TFLite's QuantizationDebugger columns in its order (op_name, tensor_idx, num_elements, stddev,
// mean_error, max_abs_error, mean_squared_error), then rmse/scale, SNR, cosine, scale, zero_point,
// tensor_name and the node. Rows whose rmse/scale is far above the 1/√12 of pure rounding are
// flagged (tinted, counted). Clicking a row selects its node on the canvas and asks for the
// tensor's float-vs-quantized histogram (HistogramOverlay, under the table). The panel only shows
// and asks: the report runs in the GUI's QuantController (worker thread, cache).
#pragma once

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/quant/debugger.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace edgelens::inspect {

class HistogramOverlay;
class QuantRowsModel;

// Metrics the overlay can colour by (names of runtime::quant::kMetricNames).
QStringList quant_overlay_metrics();
// True for metrics where a lower value is worse (SNR, cosine similarity).
bool quant_metric_lower_is_worse(const QString& metric);

class QuantPanel : public QWidget {
  Q_OBJECT
 public:
  enum Column {
    kOpName,
    kTensorIdx,
    kNumElements,
    kStddev,
    kMeanError,
    kMaxAbsError,
    kMeanSquaredError,
    kRmseScale,
    kSnr,
    kCosine,
    kScale,
    kZeroPoint,
    kTensorName,
    kNode,
    kColumnCount
  };

  explicit QuantPanel(SessionContext& context, QWidget* parent = nullptr);
  ~QuantPanel() override;

  // Shows a report computed on `model` (null clears). `note` goes to the status line ("cached").
  void setReport(std::shared_ptr<const Model> model,
                 std::shared_ptr<const runtime::quant::QuantReport> report, const QString& note);
  const runtime::quant::QuantReport* report() const { return report_.get(); }
  const std::shared_ptr<const Model>& model() const { return model_; }

  // Row sets of the report ("layers", "accumulated", "pairs", "outputs", "outputs_vs_float");
  // the table shows one (the report's primary rows first).
  QString rowSet() const { return row_set_; }
  bool setRowSet(const QString& name);
  const std::vector<runtime::quant::TensorRow>& rows() const;
  // The row under table row `view_row` (after sorting), or nullptr.
  const runtime::quant::TensorRow* rowAtViewRow(int view_row) const;
  int viewRowOf(size_t row_index) const;
  void selectViewRow(int view_row);  // as a click on that row
  int flaggedCount() const;

  // Options the controller reads when it starts a report.
  runtime::quant::ReportMode mode() const;
  int samples() const;
  void setSamples(int samples);
  void setMode(runtime::quant::ReportMode mode);
  QString floatModelPath() const { return float_path_; }
  void setFloatModelPath(const QString& path);

  QString metric() const;
  void setMetric(const QString& metric);

  void setRunning(bool running);
  void setProgress(const QString& stage, qint64 done, qint64 total);
  void setStatus(const QString& text);
  QString statusText() const;

  QTableView* table() const { return table_; }
  HistogramOverlay* histogram() const { return histogram_; }

 signals:
  void runRequested();
  void cancelRequested();
  void chooseFloatRequested();
  void metricChanged(const QString& metric);
  void rowSetChanged(const QString& row_set);
  // A row was clicked: its index in rows() of the current row set.
  void rowSelected(const QString& row_set, int row_index);

 private:
  void onRowClicked(int view_row);
  void fillRowSets();

  SessionContext& context_;
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const runtime::quant::QuantReport> report_;
  QString row_set_;
  QString float_path_;
  QuantRowsModel* rows_model_;
  QSortFilterProxyModel* proxy_;
  QComboBox* mode_;
  QSpinBox* samples_;
  QPushButton* float_button_;
  QLabel* float_label_;
  QPushButton* run_button_;
  QPushButton* cancel_button_;
  QProgressBar* progress_;
  QComboBox* row_sets_;
  QComboBox* metric_;
  QLabel* status_;
  QTableView* table_;
  HistogramOverlay* histogram_;
};

}  // namespace edgelens::inspect
