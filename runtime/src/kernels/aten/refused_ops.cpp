// Operators of .pte fixtures that EdgeLens deliberately does not run, registered only to say why
// instead of the bare "no kernel for op".
#include "aten_util.h"

namespace edgelens::runtime::kernels::aten {
namespace {

Kernel refuse(std::string why) {
  return {[why](NodeContext& ctx) { ctx.unsupported(why); }, [](NodeContext&) {}};
}

// executorch-numpy-runtime (corey-cole/executorch-numpy-runtime) exports its LSTM as its own
// operator library "etnp"; only that runtime defines what the op computes.
const RegisterKernel kEtnpLstm(
    "etnp::lstm.out", DType::Unknown,
    refuse("etnp::lstm is a custom op of the third-party executorch-numpy-runtime (library "
           "\"etnp\"), not an ExecuTorch/ATen operator; its semantics are defined only by that "
           "runtime"));

// ExecuTorch's Arm Cortex-M backend (backends/cortex_m) replaces quantized subgraphs with these
// ops, whose kernels call CMSIS-NN on channels-last int8 tensors with per-channel requantization
// multipliers/shifts precomputed by the exporter. Not implemented yet: without CMSIS-NN (or an
// Arm board) there is no oracle to check such kernels against.
struct CortexMRefusals {
  std::vector<RegisterKernel> keep;
  CortexMRefusals() {
    for (const char* op : {"quantize_per_tensor", "dequantize_per_tensor", "quantized_conv2d",
                           "quantized_depthwise_conv2d", "quantized_avg_pool2d", "quantized_linear",
                           "quantized_add", "quantized_mul", "pad"}) {
      const std::string name = fmt::format("cortex_m::{}.out", op);
      keep.emplace_back(
          name, DType::Unknown,
          refuse(fmt::format("{} is an op of ExecuTorch's Arm Cortex-M backend (CMSIS-NN int8 "
                             "kernels on channels-last tensors); EdgeLens has no kernel for it yet",
                             name)));
    }
  }
};
const CortexMRefusals kCortexM;

}  // namespace
}  // namespace edgelens::runtime::kernels::aten
