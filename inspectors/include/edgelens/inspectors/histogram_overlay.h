// Two histograms of one tensor drawn over each other on shared bins: its float values (float
// shadow or float model) and its quantized values dequantized, so clipping, a shifted zero point
// or too coarse a scale show as the two shapes parting. One widget, translucent fills, a legend.
#pragma once

#include <QString>
#include <QWidget>

#include <span>
#include <vector>

namespace edgelens::inspect {

struct HistogramPair {
  double lo = 0, hi = 0;                  // shared range (finite values of both series)
  std::vector<int> reference, quantized;  // counts per bin
  int reference_nonfinite = 0, quantized_nonfinite = 0;
};

// Bins both series over the union of their finite ranges (`bins` equal bins; a constant range is
// widened by one unit so every value lands in a bin).
HistogramPair bin_pair(std::span<const float> reference, std::span<const float> quantized,
                       int bins);

class HistogramOverlay : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramOverlay(QWidget* parent = nullptr);

  void setSeries(const QString& title, std::span<const float> reference,
                 const QString& reference_label, std::span<const float> quantized,
                 const QString& quantized_label, int bins = 64);
  void clear(const QString& message);
  const HistogramPair& histogram() const { return pair_; }
  QString title() const { return title_; }
  bool hasData() const { return !pair_.reference.empty(); }

  QSize sizeHint() const override { return {360, 180}; }
  QSize minimumSizeHint() const override { return {200, 120}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  HistogramPair pair_;
  QString title_, message_, reference_label_, quantized_label_;
};

}  // namespace edgelens::inspect
