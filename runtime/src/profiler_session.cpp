// Builds the interpreter `edgelens bench` and the GUI profile run use, for a delegate name.
#include <fmt/format.h>

#include <stdexcept>

#include "edgelens/runtime/profiler.h"

namespace edgelens::runtime {

ProfileSession make_profile_session(const Model& model, std::string_view delegate, int threads,
                                    bool keep_all_tensors, bool preserve_all_tensors) {
  if (threads < 1) throw std::invalid_argument(fmt::format("--threads {} must be >= 1", threads));
  ProfileSession session;
  InterpreterOptions options;
  options.keep_all_tensors = keep_all_tensors;
  if (delegate == "none" || delegate.empty()) {
    session.delegate_name = "none (reference kernels)";
    session.interpreter = std::make_unique<Interpreter>(model, options);
    return session;
  }
  if (delegate == "xnnpack") {
    options.delegate = "xnnpack";
    options.threads = threads;
    options.preserve_all_tensors = preserve_all_tensors;
    session.interpreter = std::make_unique<Interpreter>(model, options);
    const auto& summary = session.interpreter->delegate_summary();
    session.delegate_name =
        fmt::format("xnnpack ({} of {} nodes in {} partition(s){})", summary.delegated_nodes,
                    summary.delegated_nodes + summary.cpu_nodes, summary.partitions,
                    preserve_all_tensors ? ", one per node" : "");
    for (const auto& p : session.interpreter->delegate_partitions()) {
      session.partitions.push_back(p.nodes);
      session.partition_lines.push_back(
          fmt::format("{}: nodes {}", p.label, fmt::join(p.nodes, " ")));
    }
    for (const auto& f : summary.fallbacks) session.partition_lines.push_back("fallback: " + f);
    return session;
  }
  throw std::invalid_argument(
      fmt::format("unknown delegate '{}' (expected none or xnnpack)", delegate));
}

}  // namespace edgelens::runtime
