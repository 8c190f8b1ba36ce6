// .tflite -> IR. The whole buffer goes through flatbuffers::Verifier before anything is read;
// then every index the IR relies on is range-checked, so later code can trust the Model.
// Constant data are spans into the mapped file: nothing is copied.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/readers.h"
#include "edgelens/model_io/tflite_writer.h"
#include "tflite_internal.h"
#include "tflite_options.h"
#include "tflite_schema_tables.h"

namespace edgelens {
namespace {

using tflite_detail::decode_flexbuffer_map;

// Deep enough for any real model's nesting, small enough to stop pathological inputs; the table
// budget scales with ~10 tables per tensor in models with 100k+ tensors.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 50'000'000;

struct OpCodeInfo {
  std::string name;
  int32_t code = 0;
  int32_t version = 1;
  bool custom = false;
};

class Reader {
 public:
  explicit Reader(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {}

  std::unique_ptr<Model> read() {
    verify();
    model_ = std::make_unique<Model>();
    model_->format = ModelFormat::TFLite;
    model_->path = file_->path();
    model_->file = file_;
    root_ = tflite::GetModel(file_->data());
    model_->schema_version = root_->version();
    if (root_->description()) model_->description = root_->description()->str();
    if (model_->schema_version != 3)
      warn(fmt::format("schema version {} (this reader knows version 3)", model_->schema_version));
    read_buffers();
    read_opcodes();
    const auto* subgraphs = root_->subgraphs();
    if (!subgraphs || subgraphs->size() == 0) fail("model", "has no subgraphs");
    n_graphs_ = subgraphs->size();
    for (uint32_t i = 0; i < subgraphs->size(); ++i) read_subgraph(i, subgraphs->Get(i));
    read_signatures();
    read_metadata();
    return std::move(model_);
  }

 private:
  [[noreturn]] void fail(const std::string& place, const std::string& problem) const {
    throw ModelError(file_->path(), place, problem);
  }
  void warn(std::string text) { model_->warnings.push_back(std::move(text)); }

  void verify() {
    const size_t size = file_->size();
    if (size < 8) fail(fmt::format("byte {}", size), "truncated: too small for a .tflite header");
    if (std::memcmp(file_->data() + 4, "TFL3", 4) != 0)
      fail("byte 4", "no \"TFL3\" file identifier");
    // Data placed after the flatbuffer (models > 2 GB) is outside what the Verifier can take;
    // the flatbuffer itself is always below 2 GB.
    const size_t verify_len = std::min<size_t>(size, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    const auto* bytes = reinterpret_cast<const uint8_t*>(file_->data());
    const uint32_t root_offset = flatbuffers::ReadScalar<uint32_t>(bytes);
    if (root_offset >= verify_len)
      fail("byte 0", fmt::format("root table offset {} beyond the end of the file ({} bytes)",
                                 root_offset, size));
    flatbuffers::Verifier verifier(bytes, verify_len, kMaxDepth, kMaxTables);
    if (!verifier.VerifyBuffer<tflite::Model>("TFL3"))
      fail("flatbuffer",
           fmt::format("failed verification (truncated or corrupt; file is {} bytes)", size));
  }

  void read_buffers() {
    const auto* buffers = root_->buffers();
    n_buffers_ = buffers ? buffers->size() : 0;
    buffer_data_.assign(n_buffers_, {});
    buffer_offsets_.assign(n_buffers_, 0);
    for (uint32_t i = 0; i < n_buffers_; ++i) {
      const auto* b = buffers->Get(i);
      if (!b) continue;
      if (b->offset() > 1) {
        const uint64_t off = b->offset(), len = b->size();
        if (off > file_->size() || len > file_->size() - off)
          fail(fmt::format("buffer {}", i),
               fmt::format("data at bytes [{}, {}) beyond the end of the file ({} bytes)", off,
                           off + len, file_->size()));
        buffer_data_[i] = file_->bytes().subspan(off, len);
        buffer_offsets_[i] = off;
      } else if (b->data()) {
        buffer_data_[i] = {reinterpret_cast<const std::byte*>(b->data()->data()),
                           b->data()->size()};
        buffer_offsets_[i] = static_cast<uint64_t>(buffer_data_[i].data() - file_->data());
      }
    }
    if (n_buffers_ > 0 && !buffer_data_[0].empty())
      warn("buffer 0 (the empty sentinel) holds data");
  }

  void read_opcodes() {
    const auto* codes = root_->operator_codes();
    if (!codes) return;
    const auto names = tflite_tables::builtin_op_names();
    for (uint32_t i = 0; i < codes->size(); ++i) {
      const auto* c = codes->Get(i);
      OpCodeInfo info;
      if (c) {
        info.code = std::max(static_cast<int32_t>(c->builtin_code()),
                             static_cast<int32_t>(c->deprecated_builtin_code()));
        info.version = c->version();
        if (info.code == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM)) {
          info.custom = true;
          info.name = c->custom_code() ? c->custom_code()->str() : std::string();
          if (info.name.empty())
            warn(fmt::format("operator code {}: custom op without a custom_code", i));
        } else if (info.code >= 0 && static_cast<size_t>(info.code) < names.size() &&
                   *names[info.code]) {
          info.name = names[info.code];
        } else {
          info.name = fmt::format("BUILTIN_{}", info.code);
          warn(fmt::format("operator code {}: builtin code {} unknown to this reader", i,
                           info.code));
        }
      }
      opcodes_.push_back(std::move(info));
    }
  }

  void check_dims(const std::string& place, const flatbuffers::Vector<int32_t>* dims,
                  bool signature, std::vector<int64_t>& out) {
    if (!dims) return;
    out.reserve(dims->size());
    for (uint32_t d = 0; d < dims->size(); ++d) {
      const int32_t v = dims->Get(d);
      // -1 marks a dynamic dim in shape_signature; some converters also leave it in shape.
      if (v < -1)
        fail(place, fmt::format("{} dim {} is {}", signature ? "shape_signature" : "shape", d, v));
      if (v == -1 && !signature) warn(fmt::format("{}: shape dim {} is -1 (dynamic)", place, d));
      out.push_back(v);
    }
  }

  void read_tensor(uint32_t g, uint32_t t, const tflite::Tensor* src, Tensor& dst) {
    const std::string place = fmt::format("subgraph {}, tensor {}", g, t);
    dst.id = t;
    if (!src) fail(place, "is null");
    if (src->name()) dst.name = src->name()->str();
    dst.dtype = tflite_detail::dtype_from_tflite(static_cast<int8_t>(src->type()));
    if (dst.dtype == DType::Unknown)
      warn(fmt::format("{}: tensor type {} unknown to this reader", place,
                       static_cast<int>(src->type())));
    check_dims(place, src->shape(), false, dst.shape);
    check_dims(place, src->shape_signature(), true, dst.shape_signature);
    if (!dst.shape_signature.empty() && dst.shape_signature.size() != dst.shape.size())
      warn(fmt::format("{}: shape_signature rank {} differs from shape rank {}", place,
                       dst.shape_signature.size(), dst.shape.size()));
    // has_rank defaults to false in the schema, but files that never set it still carry a
    // meaningful shape; only a missing shape means unknown rank.
    dst.has_rank = src->has_rank() || src->shape() != nullptr;
    if (dst.element_count() < 0 &&
        std::find(dst.shape.begin(), dst.shape.end(), -1) == dst.shape.end())
      fail(place, "element count overflows 64 bits");
    dst.is_variable = src->is_variable();
    if (src->quantization()) {
      std::vector<std::string> problems;
      dst.quant =
          tflite_detail::decode_quantization(*src->quantization(), dst.shape.size(), problems);
      // TFLite Micro runs models with such quirks (e.g. person_detect's bias with axis 3), so
      // they are reported, not fatal.
      for (auto& p : problems) warn(fmt::format("{}: quantization: {}", place, p));
      if (dst.quant.blockwise) {
        const auto& b = *dst.quant.blockwise;
        if (b.scales_tensor < 0 || b.scales_tensor >= static_cast<int32_t>(n_tensors_) ||
            b.zero_points_tensor < -1 || b.zero_points_tensor >= static_cast<int32_t>(n_tensors_))
          fail(place, fmt::format("blockwise quantization refers to tensors {} and {} of {}",
                                  b.scales_tensor, b.zero_points_tensor, n_tensors_));
      }
    }
    if (src->sparsity()) dst.sparsity = tflite_detail::decode_sparsity(*src->sparsity());
    const uint32_t buffer = src->buffer();
    if (buffer >= n_buffers_ && !(buffer == 0 && n_buffers_ == 0))
      fail(place, fmt::format("uses buffer {} of {}", buffer, n_buffers_));
    if (buffer > 0 && (!buffer_data_[buffer].empty() || buffer_offsets_[buffer] != 0)) {
      dst.data = buffer_data_[buffer];
      dst.is_constant = true;
      dst.external_offset = buffer_offsets_[buffer];
      const int64_t expected = dst.byte_size();
      if (expected >= 0 && !dst.sparsity && dst.dtype != DType::String &&
          static_cast<uint64_t>(expected) != dst.data.size())
        warn(fmt::format("{}: {} bytes of data for {} elements of {} ({} bytes expected)", place,
                         dst.data.size(), dst.element_count(), dtype_name(dst.dtype), expected));
    }
    if (src->external_buffer() != 0) {
      const auto* ext = root_->external_buffers();
      if (!ext || src->external_buffer() > ext->size())
        fail(place, fmt::format("uses external buffer {} of {}", src->external_buffer(),
                                ext ? ext->size() : 0));
      warn(fmt::format("{}: data in external buffer {} (not loaded)", place,
                       src->external_buffer()));
      dst.is_constant = true;
    }
  }

  void check_tensor_list(const std::string& place, const char* what,
                         const flatbuffers::Vector<int32_t>* list, bool optional_allowed,
                         std::vector<int32_t>& out) {
    if (!list) return;
    out.reserve(list->size());
    for (uint32_t k = 0; k < list->size(); ++k) {
      const int32_t t = list->Get(k);
      if ((t == -1 && !optional_allowed) || t < -1 || t >= static_cast<int32_t>(n_tensors_))
        fail(place, fmt::format("{} {} is tensor {} of {}", what, k, t, n_tensors_));
      out.push_back(t);
    }
  }

  static std::string namespace_of(std::string_view tensor_name) {
    tensor_name = tensor_name.substr(0, tensor_name.find(';'));
    const size_t slash = tensor_name.rfind('/');
    return slash == std::string_view::npos ? std::string()
                                           : std::string(tensor_name.substr(0, slash));
  }

  void read_options(const std::string& place, const tflite::Operator& src, Node& node) {
    const auto t1 = static_cast<size_t>(src.builtin_options_type());
    if (src.builtin_options()) {
      const auto tables = tflite_tables::options_tables(1);
      if (t1 < tables.size())
        tflite_detail::decode_options(
            tables[t1], *static_cast<const flatbuffers::Table*>(src.builtin_options()), node.attrs);
      else
        warn(fmt::format("{}: builtin options type {} unknown to this reader", place, t1));
    }
    const auto t2 = static_cast<size_t>(src.builtin_options_2_type());
    if (src.builtin_options_2()) {
      const auto tables = tflite_tables::options_tables(2);
      if (t2 < tables.size())
        tflite_detail::decode_options(
            tables[t2], *static_cast<const flatbuffers::Table*>(src.builtin_options_2()),
            node.attrs);
      else
        warn(fmt::format("{}: builtin options 2 type {} unknown to this reader", place, t2));
    }
  }

  void read_custom_options(const std::string& place, const tflite::Operator& src, Node& node) {
    if (src.custom_options()) {
      node.custom_options = {reinterpret_cast<const std::byte*>(src.custom_options()->data()),
                             src.custom_options()->size()};
    } else if (src.large_custom_options_offset() > 1) {
      const uint64_t off = src.large_custom_options_offset(), len = src.large_custom_options_size();
      if (off > file_->size() || len > file_->size() - off)
        fail(place,
             fmt::format("custom options at bytes [{}, {}) beyond the end of the file ({} bytes)",
                         off, off + len, file_->size()));
      node.custom_options = file_->bytes().subspan(off, len);
    }
    if (node.custom_options.empty() || !node.op.custom) return;
    if (src.custom_options_format() != tflite::CustomOptionsFormat::FLEXBUFFERS) return;
    std::string problem;
    std::vector<Attribute> attrs;
    // Many custom ops (e.g. MediaPipe's) store a packed C struct, not a flexbuffer: not an error.
    if (decode_flexbuffer_map(node.custom_options, attrs, problem))
      for (auto& a : attrs) node.attrs.push_back(std::move(a));
  }

  void link_called_graphs(const std::string& place, Node& node) {
    for (const auto& a : node.attrs) {
      if (a.name.find("subgraph_ind") == std::string::npos) continue;
      std::vector<int64_t> ids;
      if (const auto* i = std::get_if<int64_t>(&a.value)) ids.push_back(*i);
      if (const auto* v = std::get_if<std::vector<int64_t>>(&a.value)) ids = *v;
      for (int64_t id : ids) {
        if (id < 0 || id >= static_cast<int64_t>(n_graphs_))
          fail(place, fmt::format("{} is subgraph {} of {}", a.name, id, n_graphs_));
        node.called_graphs.push_back(static_cast<uint32_t>(id));
      }
    }
  }

  void note_delegate(uint32_t g, Node& node, const Graph& graph) {
    // LiteRT NPU dispatch ops carry the compiled blob location in flexbuffer options; Ethos-U and
    // similar ops carry it in their first (constant) input.
    const bool dispatch = node.op.name == "DISPATCH_OP";
    const bool ethos = node.op.name == "ethos-u";
    if (!dispatch && !ethos) return;
    DelegateInfo d;
    d.backend = node.op.name;
    d.graph = g;
    d.node = node.id;
    if (dispatch) {
      if (auto size = node.attr_int("bytecode_size")) d.blob_bytes = static_cast<uint64_t>(*size);
      for (const auto& a : node.attrs)
        d.compile_specs.emplace_back(a.name, attr_to_string(a.value));
    } else if (!node.inputs.empty() && node.inputs[0] >= 0) {
      d.blob_bytes = graph.tensors[node.inputs[0]].data.size();
    }
    model_->delegates.push_back(std::move(d));
  }

  void read_subgraph(uint32_t g, const tflite::SubGraph* src) {
    const std::string gplace = fmt::format("subgraph {}", g);
    if (!src) fail(gplace, "is null");
    Graph graph;
    graph.kind = GraphKind::Subgraph;
    graph.name =
        src->name() && src->name()->size() ? src->name()->str() : fmt::format("subgraph {}", g);
    n_tensors_ = src->tensors() ? src->tensors()->size() : 0;
    graph.tensors.resize(n_tensors_);
    for (uint32_t t = 0; t < n_tensors_; ++t)
      read_tensor(g, t, src->tensors()->Get(t), graph.tensors[t]);
    check_tensor_list(gplace, "input", src->inputs(), false, graph.inputs);
    check_tensor_list(gplace, "output", src->outputs(), false, graph.outputs);
    if (const auto* ops = src->operators()) {
      graph.nodes.resize(ops->size());
      for (uint32_t i = 0; i < ops->size(); ++i) {
        const std::string place = fmt::format("subgraph {}, operator {}", g, i);
        const auto* op = ops->Get(i);
        if (!op) fail(place, "is null");
        Node& node = graph.nodes[i];
        node.id = i;
        if (op->opcode_index() >= opcodes_.size())
          fail(place,
               fmt::format("uses operator code {} of {}", op->opcode_index(), opcodes_.size()));
        const OpCodeInfo& code = opcodes_[op->opcode_index()];
        node.op = Op{"tflite", code.name, code.code, code.version, code.custom};
        check_tensor_list(place, "input", op->inputs(), true, node.inputs);
        check_tensor_list(place, "output", op->outputs(), false, node.outputs);
        check_tensor_list(place, "intermediate", op->intermediates(), false, node.intermediates);
        read_options(place, *op, node);
        read_custom_options(place, *op, node);
        link_called_graphs(place, node);
        if (!node.outputs.empty()) node.ns = namespace_of(graph.tensors[node.outputs[0]].name);
        note_delegate(g, node, graph);
      }
    }
    model_->graphs.push_back(std::move(graph));
  }

  void read_signatures() {
    const auto* defs = root_->signature_defs();
    if (!defs) return;
    for (uint32_t s = 0; s < defs->size(); ++s) {
      const std::string place = fmt::format("signature {}", s);
      const auto* def = defs->Get(s);
      if (!def) fail(place, "is null");
      Signature sig;
      sig.key = def->signature_key() ? def->signature_key()->str() : std::string();
      sig.graph = def->subgraph_index();
      if (sig.graph >= model_->graphs.size())
        fail(place, fmt::format("uses subgraph {} of {}", sig.graph, model_->graphs.size()));
      const size_t n = model_->graphs[sig.graph].tensors.size();
      auto maps = [&](const auto* list, const char* what, std::vector<SignatureTensor>& out) {
        if (!list) return;
        for (uint32_t k = 0; k < list->size(); ++k) {
          const auto* m = list->Get(k);
          if (!m) fail(place, fmt::format("{} {} is null", what, k));
          if (m->tensor_index() >= n)
            fail(place, fmt::format("{} {} is tensor {} of {}", what, k, m->tensor_index(), n));
          out.push_back({m->name() ? m->name()->str() : std::string(), m->tensor_index()});
        }
      };
      maps(def->inputs(), "input", sig.inputs);
      maps(def->outputs(), "output", sig.outputs);
      model_->signatures.push_back(std::move(sig));
    }
  }

  void read_metadata() {
    const auto* meta = root_->metadata();
    if (!meta) return;
    for (uint32_t i = 0; i < meta->size(); ++i) {
      const auto* m = meta->Get(i);
      if (!m) continue;
      const std::string name = m->name() ? m->name()->str() : fmt::format("metadata {}", i);
      if (m->buffer() >= n_buffers_)
        fail(fmt::format("metadata {} ({})", i, name),
             fmt::format("uses buffer {} of {}", m->buffer(), n_buffers_));
      model_->metadata.emplace_back(
          name, tflite_detail::summarise_metadata(name, buffer_data_[m->buffer()]));
      // Older LiteRT NPU files keep the compiled bytecode in this metadata entry rather than
      // describing it in the dispatch op's options.
      if (name == "NPU_BYTE_CODE")
        for (auto& d : model_->delegates)
          if (d.backend == "DISPATCH_OP" && d.blob_bytes == 0)
            d.blob_bytes = buffer_data_[m->buffer()].size();
    }
  }

  std::shared_ptr<const MappedFile> file_;
  std::unique_ptr<Model> model_;
  const tflite::Model* root_ = nullptr;
  uint32_t n_buffers_ = 0, n_tensors_ = 0, n_graphs_ = 0;
  std::vector<std::span<const std::byte>> buffer_data_;
  std::vector<uint64_t> buffer_offsets_;
  std::vector<OpCodeInfo> opcodes_;
};

}  // namespace

std::unique_ptr<Model> read_tflite(std::shared_ptr<const MappedFile> file) {
  return Reader(std::move(file)).read();
}

int32_t tflite_builtin_code(std::string_view name) {
  const auto names = tflite_tables::builtin_op_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (name == names[i]) return static_cast<int32_t>(i);
  return -1;
}

std::string_view tflite_builtin_name(int32_t code) {
  const auto names = tflite_tables::builtin_op_names();
  if (code < 0 || static_cast<size_t>(code) >= names.size()) return {};
  return names[code];
}

}  // namespace edgelens
