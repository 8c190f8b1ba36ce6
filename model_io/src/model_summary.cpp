#include "edgelens/model_io/model_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace edgelens {

std::string_view graph_kind_name(GraphKind kind) {
  switch (kind) {
    case GraphKind::Subgraph:
      return "subgraph";
    case GraphKind::Method:
      return "method";
    case GraphKind::DelegateBlob:
      return "delegate_blob";
  }
  return "unknown";
}

std::string shape_to_string(const std::vector<int64_t>& shape, bool has_rank) {
  if (!has_rank) return "<unranked>";
  return fmt::format("[{}]", fmt::join(shape, ","));
}

std::string quantization_summary(const Quantization& quant) {
  if (quant.custom) return "custom";
  if (quant.blockwise)
    return fmt::format("blockwise (block size {}, scales in tensor {})",
                       quant.blockwise->block_size, quant.blockwise->scales_tensor);
  if (quant.scales.size() == 1) {
    const int64_t zero_point = quant.zero_points.empty() ? 0 : quant.zero_points[0];
    return fmt::format("scale {:g} zero_point {}", quant.scales[0], zero_point);
  }
  if (quant.scales.size() > 1) {
    const auto [lo, hi] = std::minmax_element(quant.scales.begin(), quant.scales.end());
    return fmt::format("per-channel axis {}: {} scales in [{:g}, {:g}]", quant.axis,
                       quant.scales.size(), *lo, *hi);
  }
  if (!quant.min.empty() && !quant.max.empty()) {
    if (quant.min.size() == 1)
      return fmt::format("range [{:g}, {:g}] (no scale)", quant.min[0], quant.max[0]);
    return fmt::format("{} ranges (no scale)", quant.min.size());
  }
  return "";
}

namespace {

IoSummary io_summary(const Graph& graph, int32_t tensor_id) {
  IoSummary io;
  if (tensor_id < 0 || static_cast<std::size_t>(tensor_id) >= graph.tensors.size()) {
    io.name = fmt::format("<missing tensor {}>", tensor_id);
    return io;
  }
  const Tensor& t = graph.tensors[static_cast<std::size_t>(tensor_id)];
  io.name = t.name;
  io.tensor = static_cast<uint32_t>(tensor_id);
  io.dtype = t.dtype;
  io.static_shape = t.shape;
  io.has_rank = t.has_rank;
  io.shape = t.shape;
  if (t.shape_signature.size() == t.shape.size())
    for (std::size_t i = 0; i < t.shape.size(); ++i)
      if (t.shape_signature[i] < 0) io.shape[i] = -1;
  io.quantization = quantization_summary(t.quant);
  io.scales = t.quant.scales;
  io.zero_points = t.quant.zero_points;
  io.quantized_axis = t.quant.axis;
  return io;
}

std::string histogram_key(const Op& op) {
  return op.name.empty() ? fmt::format("<{}>", op.domain) : op.name;
}

}  // namespace

ModelSummary summarize(const Model& model) {
  ModelSummary s;
  s.path = model.path;
  s.file_bytes = model.file ? model.file->size() : 0;
  s.format = model.format;
  s.description = model.description;
  s.schema_version = model.schema_version;
  s.delegates = model.delegates;
  s.metadata = model.metadata;
  s.warnings = model.warnings;

  std::map<DType, ParameterSummary> by_dtype;
  std::set<std::pair<const std::byte*, std::size_t>> counted;  // shared buffers count once
  for (std::size_t gi = 0; gi < model.graphs.size(); ++gi) {
    const Graph& g = model.graphs[gi];
    GraphSummary gs;
    gs.index = static_cast<uint32_t>(gi);
    gs.name = g.name;
    gs.kind = g.kind;
    gs.node_count = g.nodes.size();
    gs.tensor_count = g.tensors.size();
    gs.parent_graph = g.parent_graph;
    gs.parent_node = g.parent_node;
    for (const Node& n : g.nodes) {
      ++gs.op_histogram[histogram_key(n.op)];
      ++s.op_histogram[histogram_key(n.op)];
      if (n.op.custom) ++s.custom_ops[n.op.name];
    }
    s.node_count += g.nodes.size();
    for (int32_t id : g.inputs) gs.inputs.push_back(io_summary(g, id));
    for (int32_t id : g.outputs) gs.outputs.push_back(io_summary(g, id));
    for (const Tensor& t : g.tensors) {
      if (!t.is_constant) continue;
      ++gs.constant_count;
      if (!t.data.empty() && !counted.insert({t.data.data(), t.data.size()}).second) continue;
      ParameterSummary& p = by_dtype[t.dtype];
      p.dtype = t.dtype;
      ++p.tensors;
      const int64_t elements = t.element_count();
      if (elements > 0) p.elements += static_cast<uint64_t>(elements);
      const int64_t expected = t.byte_size();
      p.bytes +=
          !t.data.empty() ? t.data.size() : static_cast<uint64_t>(std::max<int64_t>(expected, 0));
    }
    s.graphs.push_back(std::move(gs));
  }
  for (auto& [dtype, p] : by_dtype) {
    s.parameter_count += p.elements;
    s.parameter_bytes += p.bytes;
    s.parameters.push_back(p);
  }
  std::stable_sort(
      s.parameters.begin(), s.parameters.end(),
      [](const ParameterSummary& a, const ParameterSummary& b) { return a.bytes > b.bytes; });
  if (!s.graphs.empty()) {
    s.inputs = s.graphs[0].inputs;
    s.outputs = s.graphs[0].outputs;
  }
  for (const Signature& sig : model.signatures) {
    SignatureSummary ss;
    ss.key = sig.key;
    ss.graph = sig.graph;
    for (const auto& in : sig.inputs) ss.inputs.push_back(in.name);
    for (const auto& out : sig.outputs) ss.outputs.push_back(out.name);
    s.signatures.push_back(std::move(ss));
  }
  return s;
}

namespace {

using ojson = nlohmann::ordered_json;

ojson io_to_json(const IoSummary& io) {
  ojson j;
  j["name"] = io.name;
  j["tensor"] = io.tensor;
  j["dtype"] = dtype_name(io.dtype);
  j["shape"] = io.has_rank ? ojson(io.shape) : ojson(nullptr);
  j["static_shape"] = io.has_rank ? ojson(io.static_shape) : ojson(nullptr);
  if (!io.quantization.empty()) {
    ojson q;
    q["summary"] = io.quantization;
    if (io.scales.size() == 1) {
      q["scale"] = io.scales[0];
      q["zero_point"] = io.zero_points.empty() ? 0 : io.zero_points[0];
    } else if (io.scales.size() > 1) {
      q["scales"] = io.scales;
      q["zero_points"] = io.zero_points;
      q["axis"] = io.quantized_axis;
    }
    j["quantization"] = std::move(q);
  } else {
    j["quantization"] = nullptr;
  }
  return j;
}

ojson ios_to_json(const std::vector<IoSummary>& ios) {
  ojson a = ojson::array();
  for (const auto& io : ios) a.push_back(io_to_json(io));
  return a;
}

ojson histogram_to_json(const std::map<std::string, std::size_t>& histogram) {
  // Most used first: that is what a reader scans for.
  std::vector<std::pair<std::string, std::size_t>> sorted(histogram.begin(), histogram.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  ojson j = ojson::object();
  for (const auto& [name, count] : sorted) j[name] = count;
  return j;
}

}  // namespace

nlohmann::ordered_json to_json(const ModelSummary& s) {
  ojson j;
  j["file"] = s.path;
  j["file_bytes"] = s.file_bytes;
  j["format"] = format_name(s.format);
  j["description"] = s.description;
  j["schema_version"] = s.schema_version;
  j["node_count"] = s.node_count;
  ojson graphs = ojson::array();
  for (const auto& g : s.graphs) {
    ojson gj;
    gj["index"] = g.index;
    gj["name"] = g.name;
    gj["kind"] = graph_kind_name(g.kind);
    gj["node_count"] = g.node_count;
    gj["tensor_count"] = g.tensor_count;
    gj["constant_count"] = g.constant_count;
    if (g.parent_graph >= 0) {
      gj["parent_graph"] = g.parent_graph;
      gj["parent_node"] = g.parent_node;
    }
    gj["op_histogram"] = histogram_to_json(g.op_histogram);
    gj["inputs"] = ios_to_json(g.inputs);
    gj["outputs"] = ios_to_json(g.outputs);
    graphs.push_back(std::move(gj));
  }
  j["graphs"] = std::move(graphs);
  j["op_histogram"] = histogram_to_json(s.op_histogram);
  ojson params;
  params["count"] = s.parameter_count;
  params["bytes"] = s.parameter_bytes;
  ojson by_dtype = ojson::array();
  for (const auto& p : s.parameters)
    by_dtype.push_back({{"dtype", dtype_name(p.dtype)},
                        {"tensors", p.tensors},
                        {"elements", p.elements},
                        {"bytes", p.bytes}});
  params["by_dtype"] = std::move(by_dtype);
  j["parameters"] = std::move(params);
  j["inputs"] = ios_to_json(s.inputs);
  j["outputs"] = ios_to_json(s.outputs);
  j["custom_ops"] = histogram_to_json(s.custom_ops);
  ojson delegates = ojson::array();
  for (const auto& d : s.delegates) {
    ojson dj;
    dj["backend"] = d.backend;
    dj["graph"] = d.graph;
    dj["node"] = d.node;
    dj["blob_bytes"] = d.blob_bytes;
    dj["decoded_graph"] = d.decoded_graph >= 0 ? ojson(d.decoded_graph) : ojson(nullptr);
    ojson specs = ojson::array();
    for (const auto& [key, value] : d.compile_specs)
      specs.push_back({{"key", key}, {"value", value}});
    dj["compile_specs"] = std::move(specs);
    delegates.push_back(std::move(dj));
  }
  j["delegates"] = std::move(delegates);
  ojson metadata = ojson::array();
  for (const auto& [name, value] : s.metadata)
    metadata.push_back({{"name", name}, {"value", value}});
  j["metadata"] = std::move(metadata);
  ojson signatures = ojson::array();
  for (const auto& sig : s.signatures)
    signatures.push_back(
        {{"key", sig.key}, {"graph", sig.graph}, {"inputs", sig.inputs}, {"outputs", sig.outputs}});
  j["signatures"] = std::move(signatures);
  j["warnings"] = s.warnings;
  return j;
}

namespace {

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
  if (bytes < 1024ull * 1024 * 1024)
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
}

void append_ios(std::string& out, std::string_view title, const std::vector<IoSummary>& ios) {
  out += fmt::format("{} ({}):\n", title, ios.size());
  for (const auto& io : ios) {
    out += fmt::format("  {:<32} {:<8} {}", io.name.empty() ? "<unnamed>" : io.name,
                       dtype_name(io.dtype), shape_to_string(io.shape, io.has_rank));
    if (!io.quantization.empty()) out += fmt::format("  {}", io.quantization);
    out += fmt::format("  (tensor {})\n", io.tensor);
  }
}

void append_histogram(std::string& out, const std::map<std::string, std::size_t>& histogram,
                      std::string_view indent) {
  std::vector<std::pair<std::string, std::size_t>> sorted(histogram.begin(), histogram.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [name, count] : sorted) out += fmt::format("{}{:>5}  {}\n", indent, count, name);
}

}  // namespace

std::string to_text(const ModelSummary& s) {
  std::string out;
  out += fmt::format("File:        {} ({})\n", s.path, human_bytes(s.file_bytes));
  out += fmt::format("Format:      {}", format_name(s.format));
  if (s.schema_version != 0) out += fmt::format(" (schema version {})", s.schema_version);
  out += "\n";
  if (!s.description.empty()) out += fmt::format("Description: {}\n", s.description);
  out += fmt::format("Parameters:  {} in {} (constant tensors)\n", s.parameter_count,
                     human_bytes(s.parameter_bytes));
  for (const auto& p : s.parameters)
    out += fmt::format("  {:<10} {:>10} elements {:>12}  ({} tensors)\n", dtype_name(p.dtype),
                       p.elements, human_bytes(p.bytes), p.tensors);

  out += fmt::format("Graphs ({}):\n", s.graphs.size());
  std::size_t name_width = 9;
  for (const auto& g : s.graphs)
    name_width = std::max(name_width, std::min<std::size_t>(g.name.size(), 40));
  for (const auto& g : s.graphs) {
    out += fmt::format("  [{}] {:<{}} {:<13} {:>6} nodes {:>6} tensors ({} constant)", g.index,
                       g.name.empty() ? "<unnamed>" : g.name, name_width, graph_kind_name(g.kind),
                       g.node_count, g.tensor_count, g.constant_count);
    if (g.parent_graph >= 0)
      out += fmt::format("  called by graph {} node {}", g.parent_graph, g.parent_node);
    out += "\n";
  }
  append_ios(out, "Inputs", s.inputs);
  append_ios(out, "Outputs", s.outputs);

  out += fmt::format("Ops ({} nodes, {} kinds):\n", s.node_count, s.op_histogram.size());
  append_histogram(out, s.op_histogram, "  ");
  if (!s.custom_ops.empty()) {
    out += fmt::format("Custom ops ({}):\n", s.custom_ops.size());
    append_histogram(out, s.custom_ops, "  ");
  }
  if (!s.delegates.empty()) {
    out += fmt::format("Delegates ({}):\n", s.delegates.size());
    for (const auto& d : s.delegates) {
      out += fmt::format("  {:<24} graph {} node {}  blob {}", d.backend, d.graph, d.node,
                         human_bytes(d.blob_bytes));
      if (d.decoded_graph >= 0) out += fmt::format("  decoded as graph {}", d.decoded_graph);
      out += "\n";
    }
  }
  if (!s.signatures.empty()) {
    out += fmt::format("Signatures ({}):\n", s.signatures.size());
    for (const auto& sig : s.signatures)
      out += fmt::format("  {} (graph {}): ({}) -> ({})\n", sig.key, sig.graph,
                         fmt::join(sig.inputs, ", "), fmt::join(sig.outputs, ", "));
  }
  if (!s.metadata.empty()) {
    out += fmt::format("Metadata ({}):\n", s.metadata.size());
    for (const auto& [name, value] : s.metadata) {
      std::string shown = value.size() > 120 ? value.substr(0, 117) + "..." : value;
      out += fmt::format("  {}: {}\n", name, shown);
    }
  }
  if (!s.warnings.empty()) {
    out += fmt::format("Warnings ({}):\n", s.warnings.size());
    for (const auto& w : s.warnings) out += fmt::format("  {}\n", w);
  }
  return out;
}

}  // namespace edgelens
