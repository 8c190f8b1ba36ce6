// The result of one interpreter run as the GUI keeps it: the interpreter itself (built with
// keep_all_tensors, so every graph-0 tensor stays readable), per-tensor statistics, which nodes
// produced NaN/Inf, and the per-node statistic the canvas colour overlay shows. Qt-free.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "edgelens/inspectors/tensor_values.h"
#include "edgelens/model_io/model.h"
#include "edgelens/runtime/interpreter.h"

namespace edgelens::inspect {

// What the canvas overlay colours nodes by (over each node's outputs).
enum class RunStatistic { None, MaxAbs, Mean, Std, NanCount };
std::string_view statistic_name(RunStatistic statistic);

struct RunResult {
  std::shared_ptr<const Model> model;
  std::shared_ptr<runtime::Interpreter> interpreter;     // owns the tensors; model must outlive it
  std::vector<std::optional<TensorStats>> tensor_stats;  // graph 0, by tensor id; produced ones
  std::vector<bool> node_nonfinite;  // graph 0, by node: an output holds NaN or Inf
  double seconds = 0;                // wall time of invoke()

  // Graph-0 tensor computed by the run (not a constant of the file).
  bool hasValues(int tensor) const;
  TensorValues values(int tensor, bool dequantize = true) const;
  // The statistic over node `node`'s outputs (graph 0); nullopt when it produced nothing readable.
  std::optional<double> nodeStatistic(int node, RunStatistic statistic) const;
};

// Builds the result after invoke(): statistics of every graph-0 tensor a node wrote.
std::shared_ptr<RunResult> summarize_run(std::shared_ptr<const Model> model,
                                         std::shared_ptr<runtime::Interpreter> interpreter,
                                         double seconds);

}  // namespace edgelens::inspect
