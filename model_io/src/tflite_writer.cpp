// TfliteBuilder: serialises with the generated Create*/Builder helpers rather than the object
// API, because builtin options are encoded generically from the shared schema tables (the same
// tables the reader decodes with), which needs raw table offsets the object API cannot take.
#include "edgelens/model_io/tflite_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include "edgelens/schema/tflite_generated.h"
#include "tflite_internal.h"
#include "tflite_options.h"
#include "tflite_schema_tables.h"

namespace edgelens {

struct TfliteBuilder::Impl {
  struct Subgraph {
    std::string name;
    std::vector<TensorSpec> tensors;  // `data` moved into buffers; `buffer` resolved
    std::vector<OpSpec> ops;
    std::vector<int32_t> inputs, outputs;
  };
  std::vector<std::vector<std::byte>> buffers{std::vector<std::byte>{}};  // 0 = empty sentinel
  std::vector<Subgraph> subgraphs{Subgraph{}};
  int selected = 0;
  std::vector<SignatureSpec> signatures;
  std::string description = "EdgeLens TfliteBuilder";
  std::vector<std::pair<std::string, int32_t>> metadata;

  Subgraph& current() { return subgraphs[static_cast<size_t>(selected)]; }
};

TfliteBuilder::TfliteBuilder() : impl_(std::make_unique<Impl>()) {}
TfliteBuilder::~TfliteBuilder() = default;
TfliteBuilder::TfliteBuilder(TfliteBuilder&&) noexcept = default;
TfliteBuilder& TfliteBuilder::operator=(TfliteBuilder&&) noexcept = default;

int TfliteBuilder::add_buffer(std::span<const std::byte> bytes) {
  impl_->buffers.emplace_back(bytes.begin(), bytes.end());
  return static_cast<int>(impl_->buffers.size() - 1);
}

int TfliteBuilder::add_tensor(const TensorSpec& spec) {
  TensorSpec stored = spec;
  if (!spec.data.empty()) {
    if (spec.buffer >= 0)
      throw std::invalid_argument(
          fmt::format("tensor '{}': give either data or buffer, not both", spec.name));
    stored.buffer = add_buffer(spec.data);
    stored.data.clear();
  }
  auto& tensors = impl_->current().tensors;
  tensors.push_back(std::move(stored));
  return static_cast<int>(tensors.size() - 1);
}

int TfliteBuilder::add_op(const OpSpec& spec) {
  auto& ops = impl_->current().ops;
  ops.push_back(spec);
  return static_cast<int>(ops.size() - 1);
}

void TfliteBuilder::set_inputs(std::vector<int32_t> tensors) {
  impl_->current().inputs = std::move(tensors);
}
void TfliteBuilder::set_outputs(std::vector<int32_t> tensors) {
  impl_->current().outputs = std::move(tensors);
}

int TfliteBuilder::add_subgraph(std::string name) {
  impl_->subgraphs.push_back(Impl::Subgraph{std::move(name), {}, {}, {}, {}});
  impl_->selected = static_cast<int>(impl_->subgraphs.size() - 1);
  return impl_->selected;
}

void TfliteBuilder::select_subgraph(int index) {
  if (index < 0 || static_cast<size_t>(index) >= impl_->subgraphs.size())
    throw std::invalid_argument(
        fmt::format("select_subgraph({}): there are {} subgraphs", index, impl_->subgraphs.size()));
  impl_->selected = index;
}
int TfliteBuilder::selected_subgraph() const {
  return impl_->selected;
}
void TfliteBuilder::set_subgraph_name(std::string name) {
  impl_->current().name = std::move(name);
}
void TfliteBuilder::add_signature(SignatureSpec signature) {
  impl_->signatures.push_back(std::move(signature));
}
void TfliteBuilder::set_description(std::string description) {
  impl_->description = std::move(description);
}
void TfliteBuilder::add_metadata(std::string name, std::span<const std::byte> bytes) {
  impl_->metadata.emplace_back(std::move(name), add_buffer(bytes));
}

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

[[noreturn]] void invalid(const std::string& text) {
  throw std::invalid_argument(text);
}

Offset<flatbuffers::Vector<int32_t>> dims(FlatBufferBuilder& fbb, const std::vector<int64_t>& v,
                                          const std::string& what) {
  std::vector<int32_t> out;
  for (int64_t d : v) {
    if (d < -1 || d > std::numeric_limits<int32_t>::max())
      invalid(fmt::format("{}: dim {} out of range", what, d));
    out.push_back(static_cast<int32_t>(d));
  }
  return fbb.CreateVector(out);
}

void check_indices(const std::vector<int32_t>& list, size_t n, bool optional_ok,
                   const std::string& what) {
  for (int32_t t : list)
    if (t == -1 ? !optional_ok : (t < -1 || static_cast<size_t>(t) >= n))
      invalid(fmt::format("{}: tensor {} of {}", what, t, n));
}

struct OpKey {
  int32_t code;
  std::string custom;
  int32_t version;
  bool operator<(const OpKey& o) const {
    return std::tie(code, custom, version) < std::tie(o.code, o.custom, o.version);
  }
};

}  // namespace

std::vector<std::byte> TfliteBuilder::finish() const {
  const Impl& m = *impl_;
  FlatBufferBuilder fbb(1024);
  const int32_t kCustom = static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM);

  // Operator codes, one per distinct (code, custom name, version).
  std::map<OpKey, uint32_t> code_index;
  std::vector<OpKey> codes;
  auto code_of = [&](const OpSpec& op, const std::string& where) {
    OpKey key{kCustom, {}, op.version};
    if (op.custom) {
      key.custom = op.op;
    } else {
      key.code = tflite_builtin_code(op.op);
      if (key.code < 0 || key.code == kCustom)
        invalid(fmt::format("{}: unknown builtin op '{}'", where, op.op));
    }
    auto [it, fresh] = code_index.emplace(key, static_cast<uint32_t>(codes.size()));
    if (fresh) codes.push_back(key);
    return it->second;
  };

  // Subgraphs (tensors and operators).
  std::vector<Offset<tflite::SubGraph>> subgraphs;
  for (size_t g = 0; g < m.subgraphs.size(); ++g) {
    const auto& sg = m.subgraphs[g];
    const size_t n = sg.tensors.size();
    std::vector<Offset<tflite::Tensor>> tensors;
    for (size_t t = 0; t < n; ++t) {
      const auto& spec = sg.tensors[t];
      const std::string where = fmt::format("subgraph {}, tensor {} ('{}')", g, t, spec.name);
      const int type = tflite_detail::tflite_from_dtype(spec.dtype);
      if (type < 0)
        invalid(fmt::format("{}: {} has no TFLite type", where, dtype_name(spec.dtype)));
      if (spec.buffer >= static_cast<int32_t>(m.buffers.size()))
        invalid(fmt::format("{}: buffer {} of {}", where, spec.buffer, m.buffers.size()));
      const auto& q = spec.quant;
      Offset<tflite::QuantizationParameters> quant = 0;
      if (!q.scales.empty() || !q.min.empty()) {
        if (!q.zero_points.empty() && q.zero_points.size() != q.scales.size())
          invalid(fmt::format("{}: {} scales but {} zero points", where, q.scales.size(),
                              q.zero_points.size()));
        std::vector<int64_t> zps = q.zero_points;
        if (zps.empty()) zps.assign(q.scales.size(), 0);
        quant = tflite::CreateQuantizationParameters(
            fbb, q.min.empty() ? 0 : fbb.CreateVector(q.min),
            q.max.empty() ? 0 : fbb.CreateVector(q.max),
            q.scales.empty() ? 0 : fbb.CreateVector(q.scales),
            zps.empty() ? 0 : fbb.CreateVector(zps), tflite::QuantizationDetails::NONE, 0, q.axis);
      }
      const auto shape = dims(fbb, spec.shape, where);
      const auto sig = spec.shape_signature.empty() ? 0 : dims(fbb, spec.shape_signature, where);
      tensors.push_back(tflite::CreateTensor(fbb, shape, static_cast<tflite::TensorType>(type),
                                             static_cast<uint32_t>(std::max(spec.buffer, 0)),
                                             fbb.CreateString(spec.name), quant, spec.is_variable,
                                             0, sig, spec.has_rank));
    }
    std::vector<Offset<tflite::Operator>> ops;
    for (size_t i = 0; i < sg.ops.size(); ++i) {
      const auto& op = sg.ops[i];
      const std::string where = fmt::format("subgraph {}, op {} ({})", g, i, op.op);
      check_indices(op.inputs, n, true, where + " input");
      check_indices(op.outputs, n, false, where + " output");
      check_indices(op.intermediates, n, false, where + " intermediate");
      const uint32_t opcode = code_of(op, where);
      Offset<void> options = 0, options2 = 0;
      uint8_t type1 = 0, type2 = 0;
      Offset<flatbuffers::Vector<uint8_t>> custom = 0;
      if (op.custom) {
        if (!op.custom_options.empty()) {
          custom = fbb.CreateVector(reinterpret_cast<const uint8_t*>(op.custom_options.data()),
                                    op.custom_options.size());
        } else if (!op.options.empty()) {
          custom = fbb.CreateVector(tflite_detail::encode_flexbuffer_map(op.options));
        }
      } else {
        if (!op.custom_options.empty())
          invalid(fmt::format("{}: custom_options on a builtin op", where));
        const auto oo = tflite_tables::op_options()[static_cast<size_t>(codes[opcode].code)];
        if (oo.which_union == 0) {
          if (!op.options.empty()) invalid(fmt::format("{}: {} takes no options", where, op.op));
        } else {
          const auto& desc = tflite_tables::options_tables(oo.which_union)[oo.union_type];
          const auto table = tflite_detail::encode_options(fbb, desc, op.options, where);
          if (oo.which_union == 1) {
            options = table;
            type1 = oo.union_type;
          } else {
            options2 = table;
            type2 = oo.union_type;
          }
        }
      }
      const auto in = fbb.CreateVector(op.inputs);
      const auto out = fbb.CreateVector(op.outputs);
      const auto inter = op.intermediates.empty() ? 0 : fbb.CreateVector(op.intermediates);
      tflite::OperatorBuilder ob(fbb);
      ob.add_opcode_index(opcode);
      ob.add_inputs(in);
      ob.add_outputs(out);
      if (type1) {
        ob.add_builtin_options_type(static_cast<tflite::BuiltinOptions>(type1));
        ob.add_builtin_options(options);
      }
      if (type2) {
        ob.add_builtin_options_2_type(static_cast<tflite::BuiltinOptions2>(type2));
        ob.add_builtin_options_2(options2);
      }
      if (!custom.IsNull()) {
        ob.add_custom_options(custom);
        ob.add_custom_options_format(tflite::CustomOptionsFormat::FLEXBUFFERS);
      }
      if (!inter.IsNull()) ob.add_intermediates(inter);
      ops.push_back(ob.Finish());
    }
    check_indices(sg.inputs, n, false, fmt::format("subgraph {} input", g));
    check_indices(sg.outputs, n, false, fmt::format("subgraph {} output", g));
    const auto name = fbb.CreateString(
        sg.name.empty() ? (g == 0 ? std::string("main") : fmt::format("subgraph_{}", g)) : sg.name);
    subgraphs.push_back(
        tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(sg.inputs),
                               fbb.CreateVector(sg.outputs), fbb.CreateVector(ops), name));
  }

  std::vector<Offset<tflite::OperatorCode>> opcodes;
  for (const auto& k : codes) {
    const auto custom = k.custom.empty() && k.code != kCustom ? 0 : fbb.CreateString(k.custom);
    tflite::OperatorCodeBuilder cb(fbb);
    cb.add_deprecated_builtin_code(static_cast<int8_t>(std::min(k.code, 127)));
    cb.add_builtin_code(static_cast<tflite::BuiltinOperator>(k.code));
    if (!custom.IsNull()) cb.add_custom_code(custom);
    cb.add_version(k.version);
    opcodes.push_back(cb.Finish());
  }

  std::vector<Offset<tflite::Buffer>> buffers;
  for (const auto& b : m.buffers) {
    if (b.empty()) {
      buffers.push_back(tflite::CreateBuffer(fbb));
      continue;
    }
    // The schema asks for 16-byte aligned buffer data (SIMD kernels read it in place).
    fbb.ForceVectorAlignment(b.size(), sizeof(uint8_t), 16);
    const auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(b.data()), b.size());
    buffers.push_back(tflite::CreateBuffer(fbb, data));
  }

  std::vector<Offset<tflite::SignatureDef>> sigs;
  for (size_t s = 0; s < m.signatures.size(); ++s) {
    const auto& sig = m.signatures[s];
    if (sig.subgraph < 0 || static_cast<size_t>(sig.subgraph) >= m.subgraphs.size())
      invalid(fmt::format("signature '{}': subgraph {} of {}", sig.key, sig.subgraph,
                          m.subgraphs.size()));
    const size_t n = m.subgraphs[static_cast<size_t>(sig.subgraph)].tensors.size();
    auto maps = [&](const std::vector<std::pair<std::string, int32_t>>& list) {
      std::vector<Offset<tflite::TensorMap>> out;
      for (const auto& [name, t] : list) {
        if (t < 0 || static_cast<size_t>(t) >= n)
          invalid(fmt::format("signature '{}': '{}' is tensor {} of {}", sig.key, name, t, n));
        out.push_back(
            tflite::CreateTensorMap(fbb, fbb.CreateString(name), static_cast<uint32_t>(t)));
      }
      return fbb.CreateVector(out);
    };
    const auto in = maps(sig.inputs);
    const auto out = maps(sig.outputs);
    sigs.push_back(tflite::CreateSignatureDef(fbb, in, out, fbb.CreateString(sig.key),
                                              static_cast<uint32_t>(sig.subgraph)));
  }

  std::vector<Offset<tflite::Metadata>> metadata;
  for (const auto& [name, buffer] : m.metadata)
    metadata.push_back(
        tflite::CreateMetadata(fbb, fbb.CreateString(name), static_cast<uint32_t>(buffer)));

  const auto root = tflite::CreateModel(
      fbb, 3, fbb.CreateVector(opcodes), fbb.CreateVector(subgraphs),
      fbb.CreateString(m.description), fbb.CreateVector(buffers), 0,
      metadata.empty() ? 0 : fbb.CreateVector(metadata), sigs.empty() ? 0 : fbb.CreateVector(sigs));
  tflite::FinishModelBuffer(fbb, root);
  const auto* p = reinterpret_cast<const std::byte*>(fbb.GetBufferPointer());
  return {p, p + fbb.GetSize()};
}

void TfliteBuilder::write_file(const std::string& path) const {
  const std::vector<std::byte> bytes = finish();
  const std::filesystem::path target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("{}: cannot create a temporary file: {}", path, std::strerror(errno)));
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw std::runtime_error(fmt::format("{}: {}: {}", path, what, std::strerror(err)));
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    done += static_cast<size_t>(w);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    throw std::runtime_error(fmt::format("{}: close failed: {}", path, std::strerror(errno)));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error(fmt::format("{}: rename failed: {}", path, std::strerror(err)));
  }
}

}  // namespace edgelens
