// TFLite QuantizationDebugger metrics (see metrics.h for the definitions and their sources).
#include "edgelens/runtime/quant/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgelens::runtime::quant {

double metric_value(const ErrorMetrics& m, std::string_view name) {
  if (name == "num_elements") return m.num_elements;
  if (name == "stddev") return m.stddev;
  if (name == "mean_error") return m.mean_error;
  if (name == "max_abs_error") return m.max_abs_error;
  if (name == "mean_squared_error") return m.mean_squared_error;
  if (name == "rmse_scale") return m.rmse_scale;
  if (name == "snr_db") return m.snr_db;
  if (name == "cosine_similarity") return m.cosine_similarity;
  return NAN;
}

ErrorMetrics compute_metrics(std::span<const float> quantized, std::span<const float> reference,
                             double scale) {
  ErrorMetrics m;
  const size_t n = std::min(quantized.size(), reference.size());
  m.num_elements = double(n);
  if (n == 0) return m;  // numpy: mean of an empty array is NaN, max raises; we keep NaN
  // Double accumulation: the sums of millions of squared errors must not lose the small ones.
  double sum = 0, sum_sq = 0, max_abs = 0, ref_sq = 0, q_sq = 0, dot = 0;
  bool nan_seen = false;
  for (size_t i = 0; i < n; ++i) {
    const double q = quantized[i], r = reference[i];
    const double d = q - r;
    if (std::isnan(d)) nan_seen = true;
    sum += d;
    sum_sq += d * d;
    max_abs = std::max(max_abs, std::abs(d));
    ref_sq += r * r;
    q_sq += q * q;
    dot += q * r;
  }
  const double count = double(n);
  m.mean_error = sum / count;
  m.mean_squared_error = sum_sq / count;
  // np.std: sqrt(mean(|d - mean(d)|^2)); second pass for accuracy.
  double var = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = double(quantized[i]) - double(reference[i]) - m.mean_error;
    var += d * d;
  }
  m.stddev = std::sqrt(var / count);
  m.max_abs_error = nan_seen ? NAN : max_abs;  // np.max propagates NaN
  m.rmse_scale = scale > 0 ? std::sqrt(m.mean_squared_error) / scale : NAN;
  if (sum_sq == 0)
    m.snr_db = ref_sq == 0 ? NAN : std::numeric_limits<double>::infinity();
  else
    m.snr_db = 10.0 * std::log10(ref_sq / sum_sq);
  m.cosine_similarity = (q_sq > 0 && ref_sq > 0) ? dot / std::sqrt(q_sq * ref_sq) : NAN;
  return m;
}

void MetricsAccumulator::add(const ErrorMetrics& sample) {
  samples_.push_back(sample);
}

ErrorMetrics MetricsAccumulator::mean() const {
  ErrorMetrics out;
  auto nanmean = [&](double ErrorMetrics::*field) {
    double sum = 0;
    size_t count = 0;
    bool pos_inf = false, neg_inf = false;
    for (const auto& s : samples_) {
      const double v = s.*field;
      if (std::isnan(v)) continue;
      if (std::isinf(v))
        (v > 0 ? pos_inf : neg_inf) = true;
      else
        sum += v;
      ++count;
    }
    if (count == 0) return double(NAN);
    if (pos_inf && neg_inf) return double(NAN);
    if (pos_inf) return std::numeric_limits<double>::infinity();
    if (neg_inf) return -std::numeric_limits<double>::infinity();
    return sum / double(count);
  };
  out.num_elements = nanmean(&ErrorMetrics::num_elements);
  out.stddev = nanmean(&ErrorMetrics::stddev);
  out.mean_error = nanmean(&ErrorMetrics::mean_error);
  out.max_abs_error = nanmean(&ErrorMetrics::max_abs_error);
  out.mean_squared_error = nanmean(&ErrorMetrics::mean_squared_error);
  out.rmse_scale =
      scale_ > 0 ? std::sqrt(out.mean_squared_error) / scale_ : nanmean(&ErrorMetrics::rmse_scale);
  out.snr_db = nanmean(&ErrorMetrics::snr_db);
  out.cosine_similarity = nanmean(&ErrorMetrics::cosine_similarity);
  return out;
}

}  // namespace edgelens::runtime::quant
