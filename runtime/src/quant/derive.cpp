// Derived models: keep-float rewrites, the float shadow and single-node float models (derive.h).
#include "edgelens/runtime/quant/derive.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>

#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime::quant {
namespace {

bool dequantizable_dtype(DType t) {
  switch (t) {
    case DType::Int4:
    case DType::Int8:
    case DType::UInt8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
      return true;
    default:
      return false;
  }
}

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// The integer at element i of a packed buffer.
int64_t integer_at(DType dtype, std::span<const std::byte> data, int64_t i) {
  const auto k = static_cast<size_t>(i);
  switch (dtype) {
    case DType::Int4: {
      // Two elements per byte, low nibble first (TFLite packing), sign-extended.
      const auto byte = static_cast<uint8_t>(data[k / 2]);
      const int nibble = (k % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
      return nibble >= 8 ? nibble - 16 : nibble;
    }
    case DType::Int8:
      return static_cast<int8_t>(data[k]);
    case DType::UInt8:
      return static_cast<uint8_t>(data[k]);
    case DType::Int16:
      return load<int16_t>(data.data() + 2 * k);
    case DType::Int32:
      return load<int32_t>(data.data() + 4 * k);
    case DType::Int64:
      return load<int64_t>(data.data() + 8 * k);
    default:
      throw std::invalid_argument("not an integer dtype");
  }
}

size_t bytes_for(DType dtype, int64_t count) {
  return static_cast<size_t>((count * int64_t(dtype_bits(dtype)) + 7) / 8);
}

Op tflite_op(std::string_view name) {
  Op op;
  op.domain = "tflite";
  op.name = std::string(name);
  op.code = tflite_builtin_code(name);
  return op;
}

bool is_conv_like_bias(const Node& node, size_t input) {
  const auto& name = node.op.name;
  if (name == "CONV_2D" || name == "DEPTHWISE_CONV_2D" || name == "FULLY_CONNECTED" ||
      name == "CONV_3D")
    return input == 2;
  if (name == "TRANSPOSE_CONV") return input == 3;
  return false;
}

// The quantization to dequantize input `input` of `node` with: the tensor's own, or for an
// integer bias stored without parameters, input_scale * weight_scale[c] (how TFLite's kernels
// interpret it). nullopt when the input is not quantized.
std::optional<Quantization> input_quantization(const Graph& g, const Node& node, size_t input) {
  const int32_t id = node.inputs.at(input);
  if (id < 0) return std::nullopt;
  const Tensor& t = g.tensors.at(static_cast<size_t>(id));
  if (is_quantized(t)) return t.quant;
  if (!is_conv_like_bias(node, input) || (t.dtype != DType::Int32 && t.dtype != DType::Int64) ||
      !t.quant.empty())
    return std::nullopt;
  const size_t data_input = node.op.name == "TRANSPOSE_CONV" ? 2 : 0;
  const size_t weight_input = node.op.name == "TRANSPOSE_CONV" ? 1 : 1;
  if (node.inputs.size() <= data_input || node.inputs[data_input] < 0 ||
      node.inputs[weight_input] < 0)
    return std::nullopt;
  const Tensor& x = g.tensors.at(static_cast<size_t>(node.inputs[data_input]));
  const Tensor& w = g.tensors.at(static_cast<size_t>(node.inputs[weight_input]));
  if (!is_quantized(x) || !is_quantized(w)) return std::nullopt;
  Quantization q;
  for (float s : w.quant.scales) q.scales.push_back(x.quant.scales[0] * s);
  q.zero_points.assign(q.scales.size(), 0);
  q.axis = 0;
  return q;
}

bool output_is_quantized(const Graph& g, int32_t id) {
  return id >= 0 && is_quantized(g.tensors.at(static_cast<size_t>(id)));
}

// A float tensor standing for `like` (same name + suffix, same shape, no data).
int32_t add_float_tensor(Graph& dg, const Tensor& like, std::string_view suffix) {
  Tensor t = like;
  t.id = static_cast<uint32_t>(dg.tensors.size());
  t.name = like.name + std::string(suffix);
  t.dtype = DType::Float32;
  t.quant = {};
  t.data = {};
  t.is_constant = false;
  t.is_variable = false;
  t.sparsity.reset();
  t.placement.reset();
  t.external_offset = 0;
  dg.tensors.push_back(std::move(t));
  return static_cast<int32_t>(dg.tensors.size() - 1);
}

// A float32 constant holding the dequantized values of constant `like`.
int32_t add_dequantized_constant(Model& out, Graph& dg, const Tensor& like,
                                 const Quantization& quant) {
  const int64_t n = like.element_count();
  if (n < 0) throw std::invalid_argument(fmt::format("tensor {} has no static shape", like.id));
  if (like.data.size() < bytes_for(like.dtype, n))
    throw std::invalid_argument(fmt::format("tensor {} '{}': {} data bytes for {} elements",
                                            like.id, like.name, like.data.size(), n));
  const auto values = dequantize_values(like.dtype, like.data, n, quant, like.shape);
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  out.owned_data.push_back(std::move(bytes));
  const int32_t id = add_float_tensor(dg, like, "/dequantized");
  Tensor& t = dg.tensors[static_cast<size_t>(id)];
  t.data = out.owned_data.back();
  t.is_constant = true;
  return id;
}

Model empty_copy(const Model& source) {
  Model out;
  out.format = source.format;
  out.path = source.path;
  out.description = source.description;
  out.schema_version = source.schema_version;
  out.file = source.file;
  return out;
}

Node identity_node(int32_t input, int32_t output, const Tensor& shape_of) {
  Node n;
  n.op = tflite_op("RESHAPE");
  n.inputs = {input};
  n.outputs = {output};
  n.attrs.push_back({"new_shape", shape_of.shape});
  return n;
}

}  // namespace

bool is_quantized(const Tensor& tensor) {
  return dequantizable_dtype(tensor.dtype) && !tensor.quant.scales.empty() &&
         !tensor.quant.blockwise && !tensor.quant.custom;
}

bool is_quantized_activation(const Tensor& tensor) {
  return is_quantized(tensor) && (tensor.dtype == DType::Int8 || tensor.dtype == DType::UInt8 ||
                                  tensor.dtype == DType::Int16);
}

std::vector<float> dequantize_values(DType dtype, std::span<const std::byte> data, int64_t count,
                                     const Quantization& quant, std::span<const int64_t> shape) {
  std::vector<float> out(static_cast<size_t>(std::max<int64_t>(count, 0)));
  if (quant.scales.empty()) throw std::invalid_argument("no quantization scales");
  if (data.size() < bytes_for(dtype, count))
    throw std::invalid_argument(fmt::format("{} bytes hold fewer than {} {} elements", data.size(),
                                            count, dtype_name(dtype)));
  if (quant.scales.size() == 1) {
    // reference_ops::Dequantize: DequantizationParams keeps the scale as double.
    const double scale = quant.scales[0];
    const int64_t zp = quant.zero_points.empty() ? 0 : quant.zero_points[0];
    for (int64_t i = 0; i < count; ++i)
      out[size_t(i)] = static_cast<float>(scale * double(integer_at(dtype, data, i) - zp));
    return out;
  }
  // PerChannelDequantize: float arithmetic per channel along the quantized dimension.
  auto axis = static_cast<size_t>(quant.axis);
  // Old converters record biases with the filter's axis (3) on a rank-1 tensor: one scale per
  // element is the only reading that fits.
  if (axis >= shape.size() && shape.size() == 1 && shape[0] == int64_t(quant.scales.size()))
    axis = 0;
  if (axis >= shape.size() || shape[axis] != int64_t(quant.scales.size()))
    throw std::invalid_argument(fmt::format("{} per-channel scales do not match dimension {} of {}",
                                            quant.scales.size(), axis, shape_string(shape)));
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t channels = shape[axis];
  for (int64_t i = 0; i < count; ++i) {
    const auto c = static_cast<size_t>((i / inner) % channels);
    const int64_t zp = c < quant.zero_points.size() ? quant.zero_points[c] : 0;
    out[size_t(i)] = static_cast<float>(integer_at(dtype, data, i) - zp) * quant.scales[c];
  }
  return out;
}

std::vector<uint32_t> quantized_nodes(const Model& model) {
  std::vector<uint32_t> nodes;
  if (model.graphs.empty()) return nodes;
  const Graph& g = model.graphs[0];
  for (const Node& n : g.nodes)
    if (std::any_of(n.outputs.begin(), n.outputs.end(),
                    [&](int32_t id) { return output_is_quantized(g, id); }))
      nodes.push_back(n.id);
  return nodes;
}

std::string float_blocker(const Model& model, uint32_t node_id) {
  if (model.graphs.empty() || node_id >= model.graphs[0].nodes.size()) return "no such node";
  const Graph& g = model.graphs[0];
  const Node& node = g.nodes[node_id];
  if (!node.called_graphs.empty()) return "control flow (calls subgraphs)";
  if (!node.intermediates.empty()) return "has intermediate tensors (stateful/recurrent op)";
  std::vector<DType> key_dtypes;  // the float model's input dtypes, to find its kernel's key
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int32_t id = node.inputs[i];
    key_dtypes.push_back(DType::Unknown);
    if (id < 0) continue;
    const Tensor& t = g.tensors.at(static_cast<size_t>(id));
    const auto q = input_quantization(g, node, i);
    key_dtypes.back() = q ? DType::Float32 : t.dtype;
    if (t.is_variable) return fmt::format("input {} is a state (variable) tensor", i);
    if (!q) continue;
    if (!t.is_constant && !is_quantized_activation(t))
      return fmt::format("input {} is a {} activation DEQUANTIZE cannot read", i,
                         dtype_name(t.dtype));
  }
  for (int32_t id : node.outputs)
    if (output_is_quantized(g, id) && !is_quantized_activation(g.tensors[size_t(id)]))
      return fmt::format("output tensor {} is {} (QUANTIZE cannot write it)", id,
                         dtype_name(g.tensors[size_t(id)].dtype));
  if (node.op.name == "QUANTIZE") return "";  // becomes the identity
  const DType key = KernelRegistry::global().key_dtype(node.op.name, key_dtypes);
  if (!KernelRegistry::global().find(node.op.name, key))
    return fmt::format("no {} kernel for {}", dtype_name(key), node.op.name);
  return "";
}

DerivedModel keep_float(const Model& source, std::span<const uint32_t> nodes,
                        std::vector<uint32_t>* skipped) {
  if (source.graphs.empty()) throw std::invalid_argument("model has no graph");
  const Graph& g = source.graphs[0];
  DerivedModel result;
  result.model = std::make_unique<Model>(empty_copy(source));
  Model& out = *result.model;
  out.graphs = source.graphs;  // other subgraphs stay as they are
  out.signatures = source.signatures;
  out.delegates = source.delegates;
  Graph& dg = out.graphs[0];
  dg.nodes.clear();

  std::vector<char> keep(g.nodes.size(), 0);
  for (uint32_t n : nodes) {
    if (n >= g.nodes.size()) continue;
    if (float_blocker(source, n).empty())
      keep[n] = 1;
    else if (skipped)
      skipped->push_back(n);
  }
  for (size_t n = 0; n < keep.size(); ++n)
    if (keep[n]) result.float_nodes.push_back(uint32_t(n));

  std::vector<std::vector<uint32_t>> consumers(g.tensors.size());
  for (const Node& n : g.nodes)
    for (int32_t id : n.inputs)
      if (id >= 0 && size_t(id) < g.tensors.size()) consumers[size_t(id)].push_back(n.id);

  result.float_twin.assign(g.tensors.size(), -1);
  result.node_map.assign(g.nodes.size(), 0);
  auto& twin = result.float_twin;
  std::map<std::pair<int32_t, size_t>, int32_t> constants;  // (tensor, per-node quant) -> float
  auto emit = [&](Node n) {
    n.id = static_cast<uint32_t>(dg.nodes.size());
    dg.nodes.push_back(std::move(n));
  };
  // The float value of input `i` of `node`, creating it when needed.
  auto float_input = [&](const Node& node, size_t i) -> int32_t {
    const int32_t id = node.inputs[i];
    if (id < 0) return id;
    const auto q = input_quantization(g, node, i);
    if (!q) return id;
    const Tensor& t = g.tensors[size_t(id)];
    if (t.is_constant) {
      // An int32 bias without parameters gets a per-node scale: key the cache by the node too.
      const size_t key_node = is_quantized(t) ? SIZE_MAX : node.id;
      auto [it, fresh] = constants.try_emplace({id, key_node}, -1);
      if (fresh) it->second = add_dequantized_constant(out, dg, t, *q);
      return it->second;
    }
    if (twin[size_t(id)] >= 0) return twin[size_t(id)];
    const int32_t f = add_float_tensor(dg, t, "/dequantized");
    Node dq;
    dq.op = tflite_op("DEQUANTIZE");
    dq.inputs = {id};
    dq.outputs = {f};
    emit(std::move(dq));
    twin[size_t(id)] = f;
    return f;
  };

  for (const Node& node : g.nodes) {
    if (!keep[node.id]) {
      const int32_t in = node.inputs.empty() ? -1 : node.inputs[0];
      if (node.op.name == "DEQUANTIZE" && in >= 0 && twin[size_t(in)] >= 0) {
        // Its input already exists in float: pass that through instead of a int8 round trip.
        result.node_map[node.id] = uint32_t(dg.nodes.size());
        emit(identity_node(twin[size_t(in)], node.outputs.at(0), g.tensors[size_t(in)]));
        continue;
      }
      result.node_map[node.id] = uint32_t(dg.nodes.size());
      emit(node);
      continue;
    }
    Node f = node;
    f.intermediates.clear();
    if (node.op.name == "QUANTIZE") {
      f = identity_node(float_input(node, 0), -1, g.tensors[size_t(node.outputs.at(0))]);
    } else {
      for (size_t i = 0; i < node.inputs.size(); ++i) f.inputs[i] = float_input(node, i);
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const int32_t id = node.outputs[k];
      if (!output_is_quantized(g, id)) {
        f.outputs.resize(node.outputs.size());
        f.outputs[k] = id;
        continue;
      }
      const int32_t ft = add_float_tensor(dg, g.tensors[size_t(id)], "/float");
      twin[size_t(id)] = ft;
      f.outputs.resize(node.outputs.size());
      f.outputs[k] = ft;
    }
    result.node_map[node.id] = uint32_t(dg.nodes.size());
    emit(std::move(f));
    // Quantize back for consumers that stay quantized (a DEQUANTIZE consumer reads the float).
    for (int32_t id : node.outputs) {
      if (!output_is_quantized(g, id)) continue;
      const bool needed =
          std::any_of(consumers[size_t(id)].begin(), consumers[size_t(id)].end(),
                      [&](uint32_t c) { return !keep[c] && g.nodes[c].op.name != "DEQUANTIZE"; });
      if (!needed) continue;
      Node q;
      q.op = tflite_op("QUANTIZE");
      q.inputs = {twin[size_t(id)]};
      q.outputs = {id};
      emit(std::move(q));
    }
  }
  // Graph outputs produced in float are reported in float.
  for (auto& id : dg.outputs) {
    if (id < 0 || size_t(id) >= g.tensors.size() || twin[size_t(id)] < 0) continue;
    const int32_t old = id;
    id = twin[size_t(id)];
    for (auto& sig : out.signatures)
      if (sig.graph == 0)
        for (auto& o : sig.outputs)
          if (int32_t(o.tensor) == old) o.tensor = uint32_t(id);
  }
  return result;
}

DerivedModel float_shadow(const Model& source, std::vector<uint32_t>* skipped, bool* mixed) {
  if (source.graphs.empty()) throw std::invalid_argument("model has no graph");
  const Graph& g = source.graphs[0];
  std::vector<uint32_t> blocked;
  for (const Node& n : g.nodes) {
    if (n.op.name == "QUANTIZE" || n.op.name == "DEQUANTIZE") continue;
    bool touches = false;
    for (size_t i = 0; i < n.inputs.size(); ++i) touches |= bool(input_quantization(g, n, i));
    for (int32_t id : n.outputs) touches |= output_is_quantized(g, id);
    if (touches && !float_blocker(source, n.id).empty()) blocked.push_back(n.id);
  }
  for (const Node& n : g.nodes)  // QUANTIZE to or from a dtype we cannot express
    if (n.op.name == "QUANTIZE" && !float_blocker(source, n.id).empty()) blocked.push_back(n.id);
  if (mixed) *mixed = !blocked.empty();
  if (!blocked.empty()) {
    const auto nodes = quantized_nodes(source);
    return keep_float(source, nodes, skipped);
  }

  DerivedModel result;
  result.model = std::make_unique<Model>(empty_copy(source));
  Model& out = *result.model;
  out.graphs = source.graphs;
  out.signatures = source.signatures;
  out.delegates = source.delegates;
  Graph& dg = out.graphs[0];
  result.float_twin.assign(g.tensors.size(), -1);
  result.node_map.resize(g.nodes.size());
  std::map<std::pair<int32_t, size_t>, int32_t> constants;
  for (const Node& n : g.nodes) {
    result.node_map[n.id] = n.id;
    Node& f = dg.nodes[n.id];
    const bool converts = n.op.name == "QUANTIZE" ||
                          (n.op.name == "DEQUANTIZE" && !n.inputs.empty() && n.inputs[0] >= 0 &&
                           is_quantized(g.tensors[size_t(n.inputs[0])]));
    if (converts) {  // float to float: the identity
      f = identity_node(n.inputs.at(0), n.outputs.at(0), g.tensors[size_t(n.outputs.at(0))]);
      f.id = n.id;
      continue;
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const int32_t id = n.inputs[i];
      if (id < 0 || !g.tensors[size_t(id)].is_constant) continue;
      const auto q = input_quantization(g, n, i);
      if (!q) continue;
      const size_t key_node = is_quantized(g.tensors[size_t(id)]) ? SIZE_MAX : n.id;
      auto [it, fresh] = constants.try_emplace({id, key_node}, -1);
      if (fresh) it->second = add_dequantized_constant(out, dg, g.tensors[size_t(id)], *q);
      f.inputs[i] = it->second;
    }
    if (!n.intermediates.empty()) f.intermediates.clear();
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const Tensor& src = g.tensors[t];
    if (!is_quantized(src) || src.is_constant) continue;
    Tensor& d = dg.tensors[t];
    d.dtype = DType::Float32;
    d.quant = {};
    result.float_twin[t] = int32_t(t);
  }
  for (const Node& n : g.nodes) {
    bool any = false;
    for (int32_t id : n.outputs) any |= output_is_quantized(g, id);
    if (any) result.float_nodes.push_back(n.id);
  }
  return result;
}

SingleNodeModel isolate_node_float(const Model& source, uint32_t node_id) {
  if (source.graphs.empty() || node_id >= source.graphs[0].nodes.size())
    throw std::invalid_argument(fmt::format("no node {} in graph 0", node_id));
  const Graph& g = source.graphs[0];
  const Node& node = g.nodes[node_id];
  if (const auto why = float_blocker(source, node_id); !why.empty())
    throw std::invalid_argument(
        fmt::format("node {} ({}) cannot run in float: {}", node_id, node.op.name, why));
  SingleNodeModel result;
  result.model = std::make_unique<Model>(empty_copy(source));
  Model& out = *result.model;
  out.graphs.emplace_back();
  Graph& dg = out.graphs[0];
  dg.name = fmt::format("node {} ({})", node_id, node.op.name);

  Node f = node;
  f.id = 0;
  f.intermediates.clear();
  std::map<int32_t, int32_t> mapped;  // source non-constant tensor -> graph input
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int32_t id = node.inputs[i];
    if (id < 0) continue;
    const Tensor& t = g.tensors[size_t(id)];
    const auto q = input_quantization(g, node, i);
    if (t.is_constant) {
      if (q) {
        f.inputs[i] = add_dequantized_constant(out, dg, t, *q);
      } else {
        Tensor c = t;
        c.id = uint32_t(dg.tensors.size());
        dg.tensors.push_back(std::move(c));
        f.inputs[i] = int32_t(dg.tensors.size() - 1);
      }
      continue;
    }
    if (auto it = mapped.find(id); it != mapped.end()) {
      f.inputs[i] = it->second;
      continue;
    }
    int32_t nid;
    if (q) {
      nid = add_float_tensor(dg, t, "");
    } else {
      Tensor c = t;
      c.id = uint32_t(dg.tensors.size());
      dg.tensors.push_back(std::move(c));
      nid = int32_t(dg.tensors.size() - 1);
    }
    mapped[id] = nid;
    f.inputs[i] = nid;
    dg.inputs.push_back(nid);
    result.input_sources.push_back(id);
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    const int32_t id = node.outputs[k];
    if (id < 0) continue;
    const Tensor& t = g.tensors[size_t(id)];
    int32_t nid;
    if (is_quantized(t)) {
      nid = add_float_tensor(dg, t, "");
    } else {
      Tensor c = t;
      c.id = uint32_t(dg.tensors.size());
      dg.tensors.push_back(std::move(c));
      nid = int32_t(dg.tensors.size() - 1);
    }
    f.outputs[k] = nid;
    dg.outputs.push_back(nid);
    result.output_sources.push_back(id);
  }
  if (node.op.name == "QUANTIZE")  // its float op is the identity
    f = identity_node(f.inputs.at(0), f.outputs.at(0), g.tensors[size_t(node.outputs[0])]);
  f.id = 0;
  dg.nodes.push_back(std::move(f));
  return result;
}

}  // namespace edgelens::runtime::quant
