// Quantization report outputs: TFLite-compatible CSV, full JSON, and Model Explorer node data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/quant/debugger.h"

namespace edgelens::runtime::quant {

// QuantizationDebugger.layer_statistics_dump()'s columns, in its order: op_name, tensor_idx,
// num_elements, stddev, mean_error, max_abs_error, mean_squared_error, then EdgeLens' extra
// metrics (rmse_scale, snr_db, cosine_similarity), scale, zero_point, tensor_name. One row per
// QuantReport::primary() row; floats as Python prints them ("1.0", "nan", "inf").
std::string report_csv(const QuantReport& report);

// Everything in the report (schema in docs/quant-report.md); non-finite numbers are null.
std::string report_json(const QuantReport& report);

// Model Explorer node data (google-ai-edge/model-explorer node_data_builder.py, ModelNodeData):
// {"<graph id>": {"results": {"<node id>": {"value": v}}, "gradient": [...]}} where the graph id
// and node ids are those of `edgelens dump --format model-explorer` (and of Model Explorer's own
// TFLite adapter: the op index). v is the node's largest `metric` over its primary rows.
std::string report_node_data(const QuantReport& report, const Model& model,
                             std::string_view metric = "rmse_scale");

// Writes a temporary file next to `path`, flushes it and renames it over `path`, so readers
// never see half a report. Throws std::runtime_error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace edgelens::runtime::quant
