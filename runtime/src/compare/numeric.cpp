// Numeric diff: both models run on the same samples in the interpreter; outputs and matched
// tensors are compared as float (quantized values dequantized with their own parameters).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "edgelens/runtime/compare.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/quant/derive.h"

namespace edgelens::runtime::compare {
namespace {

const Tensor* input_tensor(const Model& m, size_t k) {
  if (m.graphs.empty() || k >= m.graphs[0].inputs.size()) return nullptr;
  const int32_t id = m.graphs[0].inputs[k];
  return id >= 0 && size_t(id) < m.graphs[0].tensors.size() ? &m.graphs[0].tensors[size_t(id)]
                                                            : nullptr;
}

// Quantized integer arrays become float with the parameters of the input that has that dtype, so
// either model can take the sample (feed_sample quantizes float into a quantized input).
quant::Sample to_float(quant::Sample sample, const Model& a, const Model& b) {
  if (sample.image) return sample;  // decoded pixels: feed_sample fits them to either input
  for (size_t k = 0; k < sample.inputs.size(); ++k) {
    NpyArray& arr = sample.inputs[k];
    if (arr.dtype == DType::Float32 || arr.dtype == DType::Float64) continue;
    for (const Model* m : {&a, &b}) {
      const Tensor* t = input_tensor(*m, k);
      if (!t || t->dtype != arr.dtype || !quant::is_quantized_activation(*t)) continue;
      const auto values =
          quant::dequantize_values(arr.dtype, arr.data, arr.element_count(), t->quant, arr.shape);
      NpyArray f;
      f.dtype = DType::Float32;
      f.shape = arr.shape;
      f.data.resize(values.size() * sizeof(float));
      std::memcpy(f.data.data(), values.data(), f.data.size());
      arr = std::move(f);
      break;
    }
  }
  return sample;
}

// The model whose inputs are float (the natural source of float samples): a unless only b is.
const Model& float_side(const Model& a, const Model& b) {
  const Tensor* ta = input_tensor(a, 0);
  const Tensor* tb = input_tensor(b, 0);
  if (ta && ta->dtype == DType::Float32) return a;
  if (tb && tb->dtype == DType::Float32) return b;
  return a;
}

// Running sums of one compared pair over every sample.
struct Accumulator {
  NumericMetrics m;
  double sum_sq = 0, dot = 0, norm_a = 0, norm_b = 0;

  void add(std::span<const float> va, std::span<const float> vb) {
    // Relative error against max(|a|, eps): eps keeps zeros in A from dominating.
    for (float x : va)
      if (std::isfinite(x))
        m.max_abs_reference = std::max(m.max_abs_reference, double(std::abs(x)));
    const double eps = 1e-6 * std::max(1.0, m.max_abs_reference);
    for (size_t i = 0; i < va.size(); ++i) {
      const double x = va[i], y = vb[i];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        const bool same = (std::isnan(x) && std::isnan(y)) || x == y;
        if (!same) ++m.nonfinite_mismatch;
        continue;
      }
      const double d = std::abs(y - x);
      ++m.count;
      m.max_abs = std::max(m.max_abs, d);
      sum_sq += d * d;
      dot += x * y;
      norm_a += x * x;
      norm_b += y * y;
      m.max_rel = std::max(m.max_rel, d / std::max(std::abs(x), eps));
    }
  }
  NumericMetrics finish() {
    m.rmse = m.count ? std::sqrt(sum_sq / double(m.count)) : 0.0;
    m.cosine = norm_a > 0 && norm_b > 0 ? dot / (std::sqrt(norm_a) * std::sqrt(norm_b)) : NAN;
    if (norm_a == 0 && norm_b == 0 && m.count > 0) m.cosine = 1.0;
    return m;
  }
};

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

std::unique_ptr<Interpreter> make_runner(const Model& m, const char* side, std::string& why) {
  try {
    InterpreterOptions options;
    options.keep_all_tensors = true;  // matched intermediates are read after invoke()
    auto interpreter = std::make_unique<Interpreter>(m, options);
    if (!interpreter->ready()) {
      const auto& u = interpreter->unsupported();
      why = fmt::format("model {} cannot run: {}{}", side, u.front().to_string(),
                        u.size() > 1 ? fmt::format(" (and {} more)", u.size() - 1) : "");
      return nullptr;
    }
    return interpreter;
  } catch (const std::exception& e) {
    why = fmt::format("model {} cannot run: {}", side, e.what());
    return nullptr;
  }
}

}  // namespace

std::vector<quant::Sample> ramp_sample(const Model& a, const Model& b) {
  Interpreter interpreter(float_side(a, b));
  for (size_t k = 0; k < interpreter.input_count(); ++k) fill_ramp(interpreter.input(k));
  return {to_float(quant::capture_sample(interpreter, "ramp"), a, b)};
}

std::vector<quant::Sample> samples_from_specs(const Model& a, const Model& b,
                                              std::span<const std::string> specs) {
  std::vector<InputSpec> parsed;
  for (const auto& s : specs) parsed.push_back(parse_input_spec(s));
  const Model& first = float_side(a, b);
  const Model& second = &first == &a ? b : a;
  try {
    Interpreter interpreter(first);
    apply_inputs(interpreter, parsed);
    return {to_float(quant::capture_sample(interpreter, "inputs"), a, b)};
  } catch (const std::invalid_argument& first_error) {
    // A quantized .npy fits only the quantized model's inputs.
    try {
      Interpreter interpreter(second);
      apply_inputs(interpreter, parsed);
      return {to_float(quant::capture_sample(interpreter, "inputs"), a, b)};
    } catch (const std::invalid_argument&) {
      throw first_error;
    }
  }
}

std::vector<quant::Sample> random_compare_samples(const Model& a, const Model& b, size_t count,
                                                  uint64_t seed) {
  std::vector<quant::Sample> samples;
  for (auto& s : quant::random_samples(float_side(a, b), count, seed))
    samples.push_back(to_float(std::move(s), a, b));
  return samples;
}

std::vector<quant::Sample> load_compare_samples(const Model& a, const Model& b,
                                                const std::string& dir) {
  std::vector<quant::Sample> samples;
  for (auto& s : quant::load_samples(dir)) samples.push_back(to_float(std::move(s), a, b));
  return samples;
}

NumericDiff diff_numbers(const Model& a, const Model& b, const StructuralDiff& structure,
                         std::span<const quant::Sample> samples, bool intermediates) {
  NumericDiff diff;
  auto ra = make_runner(a, "A", diff.why_not);
  if (!ra) return diff;
  auto rb = make_runner(b, "B", diff.why_not);
  if (!rb) return diff;
  if (samples.empty()) {
    diff.why_not = "no samples";
    return diff;
  }
  if (ra->input_count() != rb->input_count()) {
    diff.why_not =
        fmt::format("the models take {} and {} inputs", ra->input_count(), rb->input_count());
    return diff;
  }

  const Graph& ga = a.graphs[0];
  const Graph& gb = b.graphs[0];
  // What to compare: outputs by index, then the matched tensor pairs that are not outputs.
  std::vector<TensorDiff> outputs, middles;
  for (size_t k = 0; k < std::min(ga.outputs.size(), gb.outputs.size()); ++k) {
    TensorDiff d;
    d.output = int32_t(k);
    for (const TensorPair& p : structure.tensors)
      if (p.tensor_a == ga.outputs[k] && p.tensor_b == gb.outputs[k]) d.pair = p;
    if (d.pair.tensor_a < 0)
      d.pair = {ga.outputs[k],
                gb.outputs[k],
                -1,
                -1,
                ga.tensors[size_t(ga.outputs[k])].name,
                gb.tensors[size_t(gb.outputs[k])].name,
                "output"};
    outputs.push_back(std::move(d));
  }
  if (intermediates)
    for (const TensorPair& p : structure.tensors) {
      const bool is_output =
          std::find(gb.outputs.begin(), gb.outputs.end(), p.tensor_b) != gb.outputs.end() ||
          std::find(ga.outputs.begin(), ga.outputs.end(), p.tensor_a) != ga.outputs.end();
      if (is_output) continue;
      TensorDiff d;
      d.pair = p;
      middles.push_back(std::move(d));
    }
  for (auto* list : {&outputs, &middles})
    for (TensorDiff& d : *list) {
      if (d.pair.node_b >= 0) d.change = structure.b_to_a[size_t(d.pair.node_b)];
      const Tensor& tb = gb.tensors[size_t(d.pair.tensor_b)];
      const Tensor& ta = ga.tensors[size_t(d.pair.tensor_a)];
      if (quant::is_quantized(tb))
        d.scale_b = tb.quant.scales[0];
      else if (quant::is_quantized(ta))
        d.scale_b = ta.quant.scales[0];
    }

  std::vector<Accumulator> acc_out(outputs.size()), acc_mid(middles.size());
  Accumulator all;
  for (const quant::Sample& sample : samples) {
    quant::feed_sample(*ra, sample);  // a sample that does not fit throws (bad input)
    quant::feed_sample(*rb, sample);
    // A kernel refusing these values (division by zero, index out of range) leaves the
    // structural and coverage diff intact: the numbers are reported as not computed.
    for (auto [runner, side] : {std::pair{ra.get(), "A"}, std::pair{rb.get(), "B"}}) {
      try {
        runner->invoke();
      } catch (const std::exception& e) {
        diff.why_not =
            fmt::format("model {} failed on sample '{}': {}", side, sample.name, e.what());
        return diff;
      }
    }
    auto compare_one = [&](TensorDiff& d, Accumulator& acc, bool is_output) {
      if (!d.skipped.empty()) return;
      const TensorBuffer& xa =
          is_output ? ra->output(size_t(d.output)) : ra->tensor(0, uint32_t(d.pair.tensor_a));
      const TensorBuffer& xb =
          is_output ? rb->output(size_t(d.output)) : rb->tensor(0, uint32_t(d.pair.tensor_b));
      if (xa.element_count() != xb.element_count()) {
        d.skipped =
            fmt::format("shapes differ: {} vs {}", shape_text(xa.shape), shape_text(xb.shape));
        return;
      }
      try {
        const auto va = quant::float_values(xa);
        const auto vb = quant::float_values(xb);
        acc.add(va, vb);
        if (is_output) all.add(va, vb);
      } catch (const std::invalid_argument& e) {
        d.skipped = e.what();
      }
    };
    for (size_t i = 0; i < outputs.size(); ++i) compare_one(outputs[i], acc_out[i], true);
    for (size_t i = 0; i < middles.size(); ++i) compare_one(middles[i], acc_mid[i], false);
  }
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].metrics = acc_out[i].finish();
  for (size_t i = 0; i < middles.size(); ++i) middles[i].metrics = acc_mid[i].finish();
  diff.all_outputs = all.finish();
  diff.outputs = std::move(outputs);
  diff.intermediates = std::move(middles);
  diff.samples = samples.size();
  diff.ran = true;
  return diff;
}

}  // namespace edgelens::runtime::compare
