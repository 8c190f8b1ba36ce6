// Error metrics of the quantization debugger, defined exactly as TFLite's QuantizationDebugger
// (tflite/tools/optimize/debugging/python/debugger.py, _DEFAULT_LAYER_DEBUG_METRICS) computes
// them on `diffs = dequant(quantized) - float` (NumericVerify's sign: quantized minus float):
//   num_elements       = diffs.size
//   stddev             = np.std(diffs)            (population, ddof = 0)
//   mean_error         = np.average(diffs)        (signed)
//   max_abs_error      = np.max(np.abs(diffs))
//   mean_squared_error = np.average(diffs ** 2)
// plus EdgeLens' extra metrics
//   rmse_scale         = sqrt(mean_squared_error) / scale  (TFLite notebook; ~1/sqrt(12) = 0.289
//                        for pure rounding error)
//   snr_db             = 10 log10(sum(float^2) / sum(diffs^2))   (+inf when diffs are all 0)
//   cosine_similarity  = <dequant, float> / (|dequant| |float|)  (NaN when either is all 0)
// Each metric is computed per sample and the report value is the NaN-aware mean over samples
// (np.nanmean), so max_abs_error is the mean of per-sample maxima, as in TFLite's CSV. rmse_scale
// of the report is computed the way the TFLite notebook does it, from the averaged
// mean_squared_error: sqrt(nanmean(mse)) / scale.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edgelens::runtime::quant {

inline constexpr double kUniformRoundingRmse = 0.28867513459481287;  // 1/sqrt(12)
// rmse/scale above this flags a layer (TFLite's quantization debugger notebook uses 0.7 to pick
// the layers it keeps in float).
inline constexpr double kSuspiciousRmseScale = 0.7;

struct ErrorMetrics {
  double num_elements = 0;
  double stddev = NAN;
  double mean_error = NAN;
  double max_abs_error = NAN;
  double mean_squared_error = NAN;
  double rmse_scale = NAN;
  double snr_db = NAN;
  double cosine_similarity = NAN;
};

// Metric names in report order (TFLite's defaults first, then the extra ones).
inline constexpr std::string_view kMetricNames[] = {
    "num_elements",       "stddev",     "mean_error", "max_abs_error",
    "mean_squared_error", "rmse_scale", "snr_db",     "cosine_similarity"};
double metric_value(const ErrorMetrics& m, std::string_view name);  // NaN for unknown names

// One sample: `quantized` holds dequantized values, `reference` the float values (same size).
// `scale` is the quantized tensor's first scale (0 or NaN: rmse_scale is NaN).
ErrorMetrics compute_metrics(std::span<const float> quantized, std::span<const float> reference,
                             double scale);

// NaN-aware mean over samples of every metric (np.nanmean: NaNs are skipped; all-NaN -> NaN).
class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(double scale = NAN) : scale_(scale) {}
  void add(const ErrorMetrics& sample);
  size_t samples() const { return samples_.size(); }
  ErrorMetrics mean() const;

 private:
  double scale_;
  std::vector<ErrorMetrics> samples_;
};

}  // namespace edgelens::runtime::quant
