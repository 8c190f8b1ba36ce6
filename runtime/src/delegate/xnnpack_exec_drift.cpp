// Delegate numeric drift: every delegated node's XNNPACK output against its reference kernel's
// output on the same inputs (preserve-all-tensors mode keeps every node's inputs and outputs).
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "../tensor_values.h"
#include "edgelens/runtime/interpreter.h"

namespace edgelens::runtime {
namespace {

// Values as doubles: float types as values, integer types as raw integers (quantization steps).
std::vector<double> values_of(DType dtype, const std::byte* data, int64_t count) {
  std::vector<double> out(static_cast<size_t>(std::max<int64_t>(count, 0)));
  auto read = [&]<class T>(T) {
    for (size_t i = 0; i < out.size(); ++i) {
      T v;
      std::memcpy(&v, data + i * sizeof(T), sizeof(T));
      out[i] = static_cast<double>(v);
    }
  };
  switch (dtype) {
    case DType::Float32:
      read(float{});
      break;
    case DType::Float64:
      read(double{});
      break;
    case DType::Int8:
      read(int8_t{});
      break;
    case DType::UInt8:
      read(uint8_t{});
      break;
    case DType::Int16:
      read(int16_t{});
      break;
    case DType::Int32:
      read(int32_t{});
      break;
    case DType::Float16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h = 0;
        std::memcpy(&h, data + i * 2, 2);
        out[i] = half_to_float(h);
      }
      break;
    default:
      throw std::invalid_argument(fmt::format("no drift for dtype {}", dtype_name(dtype)));
  }
  return out;
}

}  // namespace

std::vector<NodeDrift> measure_delegate_drift(Interpreter& interpreter) {
  const auto& options = interpreter.options();
  if (options.delegate.empty() || !options.preserve_all_tensors || !options.keep_all_tensors)
    throw std::logic_error(
        "delegate drift needs an interpreter with a delegate, preserve_all_tensors and "
        "keep_all_tensors, invoked once");
  const Graph& graph = interpreter.model().graphs.at(0);
  std::vector<NodeDrift> result;
  for (const auto& partition : interpreter.delegate_partitions()) {
    for (uint32_t n : partition.nodes) {
      const Node& node = graph.nodes[n];
      NodeDrift base;
      base.node = n;
      base.op = node.op.name;
      if (partition.xnn_nodes == 0) {
        base.skipped = true;
        base.note = "weights unpacked at prepare time by the reference kernel itself";
        result.push_back(base);
        continue;
      }
      std::vector<Interpreter::ReferenceOutput> reference;
      try {
        reference = interpreter.run_reference_node(n);
      } catch (const std::exception& e) {
        base.skipped = true;
        base.note = fmt::format("reference kernel failed: {}", e.what());
        result.push_back(base);
        continue;
      }
      for (size_t k = 0; k < node.outputs.size(); ++k) {
        NodeDrift d = base;
        d.output = static_cast<uint32_t>(k);
        d.tensor = node.outputs[k];
        const auto& t = interpreter.tensor(0, static_cast<uint32_t>(d.tensor));
        d.tensor_name = t.ir ? t.ir->name : "";
        d.dtype = t.dtype;
        d.elements = t.element_count();
        const auto& ref = reference[k];
        if (ref.shape != t.shape || ref.dtype != t.dtype || !t.data) {
          d.skipped = true;
          d.note = "the reference output differs in dtype or shape";
          result.push_back(d);
          continue;
        }
        const auto ours = values_of(t.dtype, t.data, d.elements);
        const auto theirs = values_of(ref.dtype, ref.data.data(), d.elements);
        for (size_t i = 0; i < ours.size(); ++i) {
          d.max_ref = std::max(d.max_ref, std::abs(theirs[i]));
          const double diff =
              std::isnan(ours[i]) && std::isnan(theirs[i]) ? 0.0 : std::abs(ours[i] - theirs[i]);
          if (!(diff <= d.max_abs)) {
            d.max_abs = diff;
            d.worst = static_cast<int64_t>(i);
          }
        }
        d.max_rel = d.max_abs / std::max(d.max_ref, kDriftRelFloor);
        result.push_back(d);
      }
    }
  }
  return result;
}

}  // namespace edgelens::runtime
