// time_partitions_directly: the delegate's XNNPACK runtimes invoked without the interpreter (the
// bound for bench_latency's delegated-vs-direct ratio).
#include "edgelens/runtime/delegate/direct_xnnpack.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "xnnpack_exec.h"

namespace edgelens::runtime {

// Declared a friend by Interpreter: reaches its Impl from code that is not an Impl member.
struct ImplAccess {
  static Interpreter::Impl& of(Interpreter& interpreter) { return *interpreter.impl_; }
};

double time_partitions_directly(Interpreter& interpreter, int iterations) {
  auto& impl = ImplAccess::of(interpreter);
  if (!impl.xnnpack || impl.graphs.empty())
    throw std::logic_error("time_partitions_directly: the interpreter has no XNNPACK delegate");
  const auto& g = impl.graphs[0];
  // The runtimes in plan order: partition ids are assigned in plan order (plan_delegate).
  std::vector<xnn_runtime_t> runtimes;
  for (size_t pid = 0; pid < impl.xnnpack->runtimes.size(); ++pid) {
    const auto* rt = &impl.xnnpack->runtimes[pid];
    if (!rt->runtime) continue;
    // run_partition set the runtime up on these buffers; if one moved since (or it never ran),
    // XNNPACK would write into freed memory.
    bool bound = rt->bound.size() == rt->externals.size();
    for (size_t k = 0; bound && k < rt->externals.size(); ++k)
      bound = g.tensors[static_cast<size_t>(rt->externals[k].second)].data == rt->bound[k];
    if (!bound)
      throw std::logic_error(fmt::format(
          "time_partitions_directly: partition {} is not set up on the interpreter's current "
          "buffers (invoke the interpreter first)",
          pid));
    runtimes.push_back(rt->runtime.get());
  }
  if (runtimes.empty())
    throw std::logic_error("time_partitions_directly: no partition has an XNNPACK runtime");

  std::vector<double> times;
  times.reserve(static_cast<size_t>(std::max(iterations, 1)));
  for (int i = 0; i < std::max(iterations, 1); ++i) {
    const auto start = std::chrono::steady_clock::now();
    for (xnn_runtime_t runtime : runtimes) {
      const auto status = xnn_invoke_runtime(runtime);
      if (status != xnn_status_success)
        throw std::runtime_error(fmt::format("time_partitions_directly: xnn_invoke_runtime: {}",
                                             xnnexec::status_name(status)));
    }
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2),
                   times.end());
  return times[times.size() / 2];
}

}  // namespace edgelens::runtime
