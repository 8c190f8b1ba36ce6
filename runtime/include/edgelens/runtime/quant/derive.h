// Derived models for the quantization debugger. Everything the debugger runs is an ordinary IR
// Model run by the ordinary Interpreter: a quantized model with some nodes rewritten to run their
// float kernel (what-if "keep float", and the float shadow = every quantized node kept float),
// and single-node float models (layer-wise error). New constant bytes (dequantized weights) live
// in the derived Model's owned_data; every other constant stays a view into the source model's
// data, so a derived model must not outlive its source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::runtime::quant {

// An integer tensor with affine quantization the debugger can dequantize: int4/int8/uint8/int16/
// int32/int64 with per-tensor or per-channel scales (not blockwise, not custom).
bool is_quantized(const Tensor& tensor);
// Activation dtypes the DEQUANTIZE/QUANTIZE kernels handle (int8, uint8, int16).
bool is_quantized_activation(const Tensor& tensor);

// real = scale * (q - zero_point), as TFLite's Dequantize does it (per-tensor: double scale, per
// channel: float arithmetic along `quant.axis`). `data` holds `count` elements of `dtype`.
std::vector<float> dequantize_values(DType dtype, std::span<const std::byte> data, int64_t count,
                                     const Quantization& quant, std::span<const int64_t> shape);

// Graph-0 nodes with at least one quantized output: the layers the debugger reports.
std::vector<uint32_t> quantized_nodes(const Model& model);
// Why `node` (graph 0) cannot run as its float op, or "" when it can: a float kernel exists,
// every quantized input is an activation DEQUANTIZE can read or a constant we can dequantize,
// every quantized output is one QUANTIZE can write, no control flow, no state.
std::string float_blocker(const Model& model, uint32_t node);

struct DerivedModel {
  std::unique_ptr<Model> model;
  // Per source tensor id (graph 0): the derived tensor holding its float value when the source
  // tensor is quantized and a kept-float node produced (or dequantized) it; -1 otherwise.
  std::vector<int32_t> float_twin;
  // Per source node id: that node's index in the derived graph 0.
  std::vector<uint32_t> node_map;
  std::vector<uint32_t> float_nodes;  // source node ids that run in float (sorted)
};

// Rewrites graph 0 so that `nodes` run their float op: quantized constant inputs are replaced by
// dequantized float constants, quantized activations are dequantized by an inserted DEQUANTIZE
// (unless another kept-float node already produced their float value, which is then used
// directly, so two float neighbours never round-trip through int8), quantized outputs become
// float tensors followed by a QUANTIZE back into the original tensor when a quantized consumer
// needs it. A kept QUANTIZE becomes the identity (RESHAPE), a DEQUANTIZE of a float-produced
// tensor too. Graph outputs produced by a kept node become their float twins. Nodes whose
// float_blocker() is not empty are left quantized (listed in `skipped` when given).
DerivedModel keep_float(const Model& source, std::span<const uint32_t> nodes,
                        std::vector<uint32_t>* skipped = nullptr);

// The float shadow: a copy of the source where every quantized tensor is float32 (quantized
// constants dequantized, per tensor and per channel), QUANTIZE and DEQUANTIZE are identities and
// quantized graph inputs take the dequantized values; float_twin[t] == t for every quantized
// non-constant tensor. When some node cannot run in float (its float_blocker() is not empty, it
// is listed in `skipped`), the shadow is keep_float() of every node that can (`mixed` is set):
// those nodes stay quantized between a DEQUANTIZE and a QUANTIZE.
DerivedModel float_shadow(const Model& source, std::vector<uint32_t>* skipped = nullptr,
                          bool* mixed = nullptr);

// One graph-0 node as a standalone float model: its non-constant inputs become graph inputs
// (float32 when quantized), quantized constants are dequantized, quantized outputs are float32.
struct SingleNodeModel {
  std::unique_ptr<Model> model;
  std::vector<int32_t> input_sources;   // per graph input: the source tensor id it stands for
  std::vector<int32_t> output_sources;  // per graph output: the source tensor id
};
SingleNodeModel isolate_node_float(const Model& source, uint32_t node);

}  // namespace edgelens::runtime::quant
