#include "edgelens/model_io/json_dump.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "edgelens/model_io/model_summary.h"

namespace edgelens {

namespace {

using ojson = nlohmann::ordered_json;

// Offset of `bytes` inside the mapped file, or -1 when they live elsewhere (Model::owned_data).
int64_t offset_in_file(const Model& model, std::span<const std::byte> bytes) {
  if (!model.file || bytes.empty()) return -1;
  const std::byte* base = model.file->data();
  if (base == nullptr || bytes.data() < base ||
      bytes.data() + bytes.size() > base + model.file->size())
    return -1;
  return bytes.data() - base;
}

ojson quantization_json(const Quantization& q) {
  if (q.empty()) return nullptr;
  ojson j;
  j["scales"] = q.scales;
  j["zero_points"] = q.zero_points;
  j["axis"] = q.axis;
  if (!q.min.empty()) j["min"] = q.min;
  if (!q.max.empty()) j["max"] = q.max;
  if (q.blockwise)
    j["blockwise"] = {{"scales_tensor", q.blockwise->scales_tensor},
                      {"zero_points_tensor", q.blockwise->zero_points_tensor},
                      {"block_size", q.blockwise->block_size}};
  j["custom"] = q.custom;
  j["summary"] = quantization_summary(q);
  return j;
}

ojson sparsity_json(const Sparsity& s) {
  ojson j;
  j["traversal_order"] = s.traversal_order;
  j["block_map"] = s.block_map;
  ojson dims = ojson::array();
  for (const auto& d : s.dims) {
    ojson dj;
    dj["format"] = d.sparse_csr ? "sparse_csr" : "dense";
    if (d.sparse_csr) {
      dj["segments"] = d.segments.size();
      dj["indices"] = d.indices.size();
    } else {
      dj["dense_size"] = d.dense_size;
    }
    dims.push_back(std::move(dj));
  }
  j["dims"] = std::move(dims);
  return j;
}

ojson tensor_json(const Model& model, const Tensor& t) {
  ojson j;
  j["id"] = t.id;
  j["name"] = t.name;
  j["dtype"] = dtype_name(t.dtype);
  j["shape"] = t.has_rank ? ojson(t.shape) : ojson(nullptr);
  j["shape_signature"] = t.shape_signature.empty() ? ojson(nullptr) : ojson(t.shape_signature);
  j["is_constant"] = t.is_constant;
  j["is_variable"] = t.is_variable;
  j["byte_size"] = t.byte_size() >= 0 ? ojson(t.byte_size()) : ojson(nullptr);
  if (t.is_constant || !t.data.empty()) {
    const int64_t offset = offset_in_file(model, t.data);
    j["data"] = {{"bytes", t.data.size()},
                 {"file_offset", offset >= 0 ? ojson(offset) : ojson(nullptr)},
                 {"external_offset", t.external_offset}};
  } else {
    j["data"] = nullptr;
  }
  j["quantization"] = quantization_json(t.quant);
  j["sparsity"] = t.sparsity ? sparsity_json(*t.sparsity) : ojson(nullptr);
  j["placement"] =
      t.placement ? ojson{{"memory_id", t.placement->memory_id}, {"offset", t.placement->offset}}
                  : ojson(nullptr);
  j["dim_order"] = t.dim_order.empty() ? ojson(nullptr) : ojson(t.dim_order);
  return j;
}

ojson node_json(const Model& model, const Node& n) {
  ojson j;
  j["id"] = n.id;
  j["op"] = {{"domain", n.op.domain},
             {"name", n.op.name},
             {"code", n.op.code},
             {"version", n.op.version},
             {"custom", n.op.custom}};
  j["inputs"] = n.inputs;
  j["outputs"] = n.outputs;
  j["intermediates"] = n.intermediates;
  ojson attrs = ojson::object();
  for (const auto& a : n.attrs) attrs[a.name] = attr_to_json(a.value);
  j["attrs"] = std::move(attrs);
  j["called_graphs"] = n.called_graphs;
  if (!n.custom_options.empty()) {
    const int64_t offset = offset_in_file(model, n.custom_options);
    j["custom_options"] = {{"bytes", n.custom_options.size()},
                           {"file_offset", offset >= 0 ? ojson(offset) : ojson(nullptr)}};
  } else {
    j["custom_options"] = nullptr;
  }
  j["ns"] = n.ns;
  j["debug_info"] = n.debug_info;
  return j;
}

}  // namespace

nlohmann::json attr_to_json(const AttrValue& value) {
  struct Visitor {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(int64_t i) const { return i; }
    nlohmann::json operator()(double d) const { return d; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const std::vector<int64_t>& v) const { return v; }
    nlohmann::json operator()(const std::vector<double>& v) const { return v; }
    nlohmann::json operator()(const std::vector<std::string>& v) const { return v; }
  };
  return std::visit(Visitor{}, value);
}

nlohmann::ordered_json dump_json(const Model& model) {
  ojson j;
  j["edgelens_dump_version"] = kDumpSchemaVersion;
  j["file"] = model.path;
  j["file_bytes"] = model.file ? model.file->size() : 0;
  j["format"] = format_name(model.format);
  j["description"] = model.description;
  j["schema_version"] = model.schema_version;
  ojson metadata = ojson::array();
  for (const auto& [name, value] : model.metadata)
    metadata.push_back({{"name", name}, {"value", value}});
  j["metadata"] = std::move(metadata);
  ojson signatures = ojson::array();
  for (const auto& sig : model.signatures) {
    ojson sj;
    sj["key"] = sig.key;
    sj["graph"] = sig.graph;
    ojson inputs = ojson::array(), outputs = ojson::array();
    for (const auto& in : sig.inputs) inputs.push_back({{"name", in.name}, {"tensor", in.tensor}});
    for (const auto& out : sig.outputs)
      outputs.push_back({{"name", out.name}, {"tensor", out.tensor}});
    sj["inputs"] = std::move(inputs);
    sj["outputs"] = std::move(outputs);
    signatures.push_back(std::move(sj));
  }
  j["signatures"] = std::move(signatures);
  ojson delegates = ojson::array();
  for (const auto& d : model.delegates) {
    ojson dj;
    dj["backend"] = d.backend;
    dj["graph"] = d.graph;
    dj["node"] = d.node;
    dj["blob_bytes"] = d.blob_bytes;
    ojson specs = ojson::array();
    for (const auto& [key, value] : d.compile_specs)
      specs.push_back({{"key", key}, {"value", value}});
    dj["compile_specs"] = std::move(specs);
    dj["decoded_graph"] = d.decoded_graph >= 0 ? ojson(d.decoded_graph) : ojson(nullptr);
    delegates.push_back(std::move(dj));
  }
  j["delegates"] = std::move(delegates);
  j["warnings"] = model.warnings;
  ojson graphs = ojson::array();
  for (std::size_t gi = 0; gi < model.graphs.size(); ++gi) {
    const Graph& g = model.graphs[gi];
    ojson gj;
    gj["index"] = gi;
    gj["name"] = g.name;
    gj["kind"] = graph_kind_name(g.kind);
    gj["parent_graph"] = g.parent_graph >= 0 ? ojson(g.parent_graph) : ojson(nullptr);
    gj["parent_node"] = g.parent_node >= 0 ? ojson(g.parent_node) : ojson(nullptr);
    gj["inputs"] = g.inputs;
    gj["outputs"] = g.outputs;
    ojson tensors = ojson::array();
    for (const Tensor& t : g.tensors) tensors.push_back(tensor_json(model, t));
    gj["tensors"] = std::move(tensors);
    ojson nodes = ojson::array();
    for (const Node& n : g.nodes) nodes.push_back(node_json(model, n));
    gj["nodes"] = std::move(nodes);
    graphs.push_back(std::move(gj));
  }
  j["graphs"] = std::move(graphs);
  return j;
}

void write_file_atomically(const std::string& path, std::string_view text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error(path + ": cannot create a temporary file: " + std::strerror(errno));
  bool ok = true;
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0 && ok) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else {
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  const int saved_errno = errno;
  // mkstemp creates 0600; give the file the permissions a plain create would.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(tmpl.c_str());
    throw std::runtime_error(path + ": cannot write: " + std::strerror(saved_errno));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error(path + ": cannot replace: " + std::strerror(rename_errno));
  }
}

}  // namespace edgelens
