// libedgelens: handles, errors, strings, info / partition / quant report / compare. Every entry
// point runs its body through guard(), so no C++ exception crosses the C boundary.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>

#include "capi_internal.h"
#include "edgelens/model_io/model_summary.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/compare.h"
#include "edgelens/runtime/delegate/partition_json.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/quant/report.h"

namespace edgelens::capi {

namespace {
thread_local std::string last_error_message;
}  // namespace

void set_last_error(std::string_view message) noexcept {
  try {
    last_error_message.assign(message);
  } catch (...) {  // keep the old message rather than throw from an error path
  }
}

char* copy_string(std::string_view s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgelens::capi

using namespace edgelens;
using edgelens::capi::copy_string;
using edgelens::capi::guard;

extern "C" {

const char* edgelens_version(void) {
  return "0.1.0";
}
int edgelens_api_version(void) {
  return EDGELENS_API_VERSION;
}

const char* edgelens_status_string(edgelens_status status) {
  switch (status) {
    case EDGELENS_OK:
      return "ok";
    case EDGELENS_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case EDGELENS_ERR_BAD_MODEL:
      return "bad model";
    case EDGELENS_ERR_UNSUPPORTED:
      return "unsupported model";
    case EDGELENS_ERR_IO:
      return "i/o error";
    case EDGELENS_ERR_BUFFER_TOO_SMALL:
      return "buffer too small";
    case EDGELENS_ERR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

const char* edgelens_last_error(void) {
  return capi::last_error_message.c_str();
}

void edgelens_free(void* p) {
  std::free(p);
}

edgelens_status edgelens_open(const char* path, edgelens_model** model, char** error) {
  if (error) *error = nullptr;
  if (model) *model = nullptr;
  const edgelens_status status = guard([&] {
    capi::require(path && model, "edgelens_open: path and model must not be NULL");
    auto handle = std::make_unique<edgelens_model>();
    handle->model = open_model(path);
    *model = handle.release();  // owned by the caller until edgelens_close
  });
  if (status != EDGELENS_OK && error) {
    // A failed copy leaves *error NULL; the message is still in edgelens_last_error().
    *error = static_cast<char*>(std::malloc(std::strlen(edgelens_last_error()) + 1));
    if (*error) std::strcpy(*error, edgelens_last_error());
  }
  return status;
}

void edgelens_close(edgelens_model* model) {
  const std::unique_ptr<edgelens_model> owned(model);
}

size_t edgelens_input_count(const edgelens_model* model) {
  if (!model || model->model->graphs.empty()) return 0;
  return model->model->graphs[0].inputs.size();
}

size_t edgelens_output_count(const edgelens_model* model) {
  if (!model || model->model->graphs.empty()) return 0;
  return model->model->graphs[0].outputs.size();
}

edgelens_status edgelens_info_json(const edgelens_model* model, char** json) {
  return guard([&] {
    capi::require(model && json, "edgelens_info_json: model and json must not be NULL");
    *json = copy_string(capi::dump_json(to_json(summarize(*model->model))));
  });
}

edgelens_status edgelens_partition_json(const edgelens_model* model, const char* delegate_name,
                                        char** json) {
  return guard([&] {
    capi::require(model && json, "edgelens_partition_json: model and json must not be NULL");
    const Model& m = *model->model;
    capi::require(!m.graphs.empty(), "the model has no graph");
    const auto rules = delegate::make_delegate_rules(delegate_name ? delegate_name : "xnnpack");
    delegate::PartitionOptions options;
    options.limits = rules->default_limits();
    const auto r = delegate::analyze_partitions(m, 0, *rules, options);
    *json = copy_string(capi::dump_json(delegate::partition_json(m, r)));
  });
}

edgelens_status edgelens_quant_report_json(const edgelens_model* quantized,
                                           const edgelens_model* float_model,
                                           const char* inputs_dir, size_t samples, const char* mode,
                                           char** json) {
  return guard([&] {
    capi::require(quantized && json,
                  "edgelens_quant_report_json: quantized and json must not be NULL");
    const std::string mode_name = mode ? mode : "layer";
    capi::require(mode_name == "layer" || mode_name == "model",
                  fmt::format("mode '{}': expected layer or model", mode_name));
    const Model& q = *quantized->model;
    const auto data = inputs_dir
                          ? runtime::quant::load_samples(inputs_dir)
                          : runtime::quant::random_samples(q, std::max<size_t>(samples, 1), 1);
    runtime::quant::ReportOptions options;
    options.mode = mode_name == "model" ? runtime::quant::ReportMode::Model
                                        : runtime::quant::ReportMode::Layer;
    const auto report = runtime::quant::run_quant_report(
        q, float_model ? float_model->model.get() : nullptr, data, options);
    *json = copy_string(runtime::quant::report_json(report));
  });
}

edgelens_status edgelens_compare_json(const edgelens_model* a, const edgelens_model* b,
                                      const char* inputs_dir, size_t samples, double max_abs,
                                      double max_rel, unsigned flags, char** json, int* verdict) {
  return guard([&] {
    capi::require(a && b && json, "edgelens_compare_json: a, b and json must not be NULL");
    const Model& ma = *a->model;
    const Model& mb = *b->model;
    runtime::compare::CompareOptions options;
    options.structure_only = (flags & EDGELENS_COMPARE_STRUCTURE_ONLY) != 0;
    options.intermediates = (flags & EDGELENS_COMPARE_OUTPUTS_ONLY) == 0;
    options.coverage = (flags & EDGELENS_COMPARE_NO_COVERAGE) == 0;
    std::vector<runtime::quant::Sample> data;
    if (!options.structure_only) {
      if (inputs_dir)
        data = runtime::compare::load_compare_samples(ma, mb, inputs_dir);
      else if (samples > 0)
        data = runtime::compare::random_compare_samples(ma, mb, samples, 1);
      else
        data = runtime::compare::ramp_sample(ma, mb);
    }
    runtime::compare::Thresholds thresholds;
    if (std::isfinite(max_abs) && max_abs >= 0) thresholds.max_abs = max_abs;
    if (std::isfinite(max_rel) && max_rel >= 0) thresholds.max_rel = max_rel;
    const auto report = runtime::compare::compare_models(ma, mb, data, options);
    *json = copy_string(runtime::compare::report_json(report, thresholds));
    if (verdict)
      *verdict = runtime::compare::check_thresholds(report, thresholds).passed
                     ? EDGELENS_VERDICT_PASS
                     : EDGELENS_VERDICT_FAIL;
  });
}

}  // extern "C"
