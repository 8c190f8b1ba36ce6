// The delegate part of `edgelens run`: options, the partition summary and the per-node drift table.
#include "run_delegate.h"

#include <fmt/format.h>

#include <algorithm>

#include "edgelens/runtime/delegate/xnnpack_delegate.h"

namespace edgelens::cli {

using namespace edgelens::runtime;

void add_delegate_options(CLI::App& sub, DelegateRunOptions& o) {
  sub.add_option("--delegate", o.delegate,
                 "none (reference kernels) or xnnpack (claimed nodes run as XNNPACK partitions)")
      ->check(CLI::IsMember({"none", "xnnpack"}));
  sub.add_option("--threads", o.threads, "Delegate threads (pthreadpool size)")
      ->check(CLI::PositiveNumber);
  sub.add_flag("--drift", o.drift,
               "With --delegate: one partition per node and each delegated node's output against "
               "its reference kernel on the same inputs (max abs / max rel)");
}

void apply_delegate_options(const DelegateRunOptions& o, InterpreterOptions& options) {
  if (o.delegate == "none") return;
  options.delegate = o.delegate;
  options.threads = o.threads;
  if (o.drift) {
    options.preserve_all_tensors = true;
    options.keep_all_tensors = true;
  }
}

void add_delegate_report(Interpreter& interpreter, const DelegateRunOptions& o,
                         nlohmann::json& report) {
  const auto& s = interpreter.delegate_summary();
  if (s.delegate.empty()) return;
  nlohmann::json d;
  d["delegate"] = s.delegate;
  d["rules"] = s.rules;
  d["threads"] = s.threads;
  d["preserve_all_tensors"] = s.preserve_all_tensors;
  d["delegated_nodes"] = s.delegated_nodes;
  d["cpu_nodes"] = s.cpu_nodes;
  d["partitions"] = s.partitions;
  d["fallbacks"] = s.fallbacks;
  d["partition_list"] = nlohmann::json::array();
  for (const auto& p : interpreter.delegate_partitions())
    d["partition_list"].push_back({{"id", p.id},
                                   {"nodes", p.nodes},
                                   {"xnnpack_nodes", p.xnn_nodes},
                                   {"inputs", p.input_tensors},
                                   {"outputs", p.output_tensors}});
  d["refused"] = nlohmann::json::array();
  for (const auto& [node, reason] : s.refused)
    d["refused"].push_back({{"node", node}, {"reason", reason}});
  report["delegate"] = std::move(d);
  if (!o.drift) return;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : measure_delegate_drift(interpreter)) {
    nlohmann::json row = {{"node", r.node}, {"op", r.op}};
    if (r.skipped) {
      row["skipped"] = r.note;
    } else {
      row.update({{"output", r.output},
                  {"tensor", r.tensor},
                  {"name", r.tensor_name},
                  {"dtype", std::string(dtype_name(r.dtype))},
                  {"elements", r.elements},
                  {"max_abs", r.max_abs},
                  {"max_rel", r.max_rel},
                  {"max_ref", r.max_ref},
                  {"worst", r.worst}});
    }
    rows.push_back(std::move(row));
  }
  report["drift"] = std::move(rows);
}

void print_delegate_report(const nlohmann::json& report) {
  if (!report.contains("delegate")) return;
  const auto& d = report["delegate"];
  fmt::print(
      "delegate {} ({} rules, {} thread{}): {} node(s) in {} partition(s), {} on the "
      "reference kernels\n",
      d["delegate"].get<std::string>(), d["rules"].get<std::string>(), d["threads"].get<int>(),
      d["threads"].get<int>() == 1 ? "" : "s", d["delegated_nodes"].get<int>(),
      d["partitions"].get<int>(), d["cpu_nodes"].get<int>());
  for (const auto& f : d["fallbacks"])
    fmt::print("  claimed but on the reference kernels: {}\n", f.get<std::string>());
  if (!report.contains("drift")) return;
  fmt::print("delegate drift (XNNPACK vs reference kernel, same inputs; quantized in steps):\n");
  fmt::print("  {:>5} {:24} {:>6} {:8} {:>12} {:>12} {:>12}\n", "node", "op", "tensor", "dtype",
             "max_abs", "max_rel", "max_ref");
  for (const auto& r : report["drift"]) {
    if (r.contains("skipped")) {
      fmt::print("  {:>5} {:24} skipped: {}\n", r["node"].get<uint32_t>(),
                 r["op"].get<std::string>(), r["skipped"].get<std::string>());
      continue;
    }
    fmt::print("  {:>5} {:24} {:>6} {:8} {:>12.4g} {:>12.4g} {:>12.4g}\n",
               r["node"].get<uint32_t>(), r["op"].get<std::string>(), r["tensor"].get<int32_t>(),
               r["dtype"].get<std::string>(), r["max_abs"].get<double>(),
               r["max_rel"].get<double>(), r["max_ref"].get<double>());
  }
}

}  // namespace edgelens::cli
