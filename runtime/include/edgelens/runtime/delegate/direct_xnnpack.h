// Benchmark hook for bench/bench_latency.cpp (issue 5, "Benchmarks"): the XNNPACK runtimes the
// delegate built, invoked directly without the interpreter. Comparing this with
// Interpreter::invoke() on a fully delegated model measures the interpreter's own overhead on
// the delegated path. It is not part of the interpreter's API: it only times.
#pragma once

namespace edgelens::runtime {

class Interpreter;

// Median wall-clock ms over `iterations` passes (at least 1). One pass calls xnn_invoke_runtime
// once on every partition runtime of `interpreter`, in plan order. Each runtime reads and writes
// the buffers the interpreter's last invoke bound. A pass skips everything else invoke() does:
// observers, nodes on the reference kernels, copies of unpacked weights and the check for moved
// buffers (that check runs once, before the timed passes).
// Only a fully delegated graph computes real values this way. Otherwise the reference-kernel
// nodes between partitions do not run, so partitions read stale inputs. The time is still that
// of the partitions alone.
// Throws std::logic_error when the interpreter has no XNNPACK partition to run, or has not been
// invoked since its buffers were (re)planned. Throws std::runtime_error when XNNPACK fails.
double time_partitions_directly(Interpreter& interpreter, int iterations);

}  // namespace edgelens::runtime
