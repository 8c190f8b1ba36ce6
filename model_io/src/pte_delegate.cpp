// ExecuTorch DelegateCall -> node + DelegateInfo, with XNNPACK payloads decoded into a nested
// graph.
#include <fmt/format.h>

#include <cctype>

#include "edgelens/model_io/error.h"
#include "pte_internal.h"
#include "xnnpack_blob.h"

namespace edgelens::pte {

namespace {

constexpr std::string_view kXnnpackBackend = "XnnpackBackend";
constexpr std::size_t kMaxHexBytes = 64;  // compile specs can be whole serialized configs

std::span<const std::byte> delegate_blob(const ReadContext& ctx, const fb::BackendDelegate& d,
                                         uint32_t delegate_index, std::string& location) {
  const std::string place = fmt::format("delegate {}", delegate_index);
  const auto* ref = d.processed();
  if (!ref) throw ModelError(ctx.file, place, "no processed data reference");
  const fb::Program& program = *ctx.view.program;
  if (ref->location() == fb::DataLocation::INLINE) {
    const auto* inline_data = program.backend_delegate_data();
    const uint32_t count = inline_data ? inline_data->size() : 0;
    if (ref->index() >= count)
      throw ModelError(ctx.file, place,
                       fmt::format("inline data {} but the program has {}", ref->index(), count));
    location = fmt::format("inline {}", ref->index());
    const auto* data = inline_data->Get(ref->index())->data();
    if (!data) return {};
    return {reinterpret_cast<const std::byte*>(data->data()), data->size()};
  }
  if (ref->location() == fb::DataLocation::SEGMENT) {
    if (ref->index() >= ctx.view.segments.size())
      throw ModelError(
          ctx.file, place,
          fmt::format("segment {} but the program has {}", ref->index(), ctx.view.segments.size()));
    location = fmt::format("segment {}", ref->index());
    return ctx.view.segments[ref->index()];
  }
  throw ModelError(ctx.file, place,
                   fmt::format("unknown data location {}", static_cast<int>(ref->location())));
}

}  // namespace

std::string bytes_to_text_or_hex(std::span<const uint8_t> bytes) {
  bool printable = !bytes.empty();
  for (uint8_t b : bytes) printable &= std::isprint(b) != 0 || b == '\n' || b == '\t';
  if (printable) return std::string(bytes.begin(), bytes.end());
  std::string hex = "0x";
  for (std::size_t i = 0; i < bytes.size() && i < kMaxHexBytes; ++i)
    hex += fmt::format("{:02x}", bytes[i]);
  if (bytes.size() > kMaxHexBytes) hex += fmt::format("... ({} bytes)", bytes.size());
  return hex;
}

void build_delegate_call(const ReadContext& ctx, const fb::ExecutionPlan& plan,
                         const fb::DelegateCall& call, const DelegateCallSite& site, Node& node) {
  const auto* delegates = plan.delegates();
  const int32_t index = call.delegate_index();
  if (!delegates || index < 0 || static_cast<uint32_t>(index) >= delegates->size())
    throw ModelError(ctx.file, "delegate_index",
                     fmt::format("{} but the method has {} delegates", index,
                                 delegates ? delegates->size() : 0));
  const fb::BackendDelegate& d = *delegates->Get(static_cast<uint32_t>(index));
  const std::string backend = d.id() && d.id()->size() > 0 ? d.id()->str() : "unnamed";
  node.op = Op{"delegate", backend, index};

  DelegateInfo info;
  info.backend = backend;
  info.graph = site.graph;
  info.node = site.node;
  std::string location;
  const auto blob = delegate_blob(ctx, d, static_cast<uint32_t>(index), location);
  info.blob_bytes = blob.size();
  node.custom_options = blob;
  node.attrs.push_back({"delegate_index", int64_t{index}});
  node.attrs.push_back({"blob_bytes", static_cast<int64_t>(blob.size())});
  node.attrs.push_back({"data_location", location});
  if (const auto* specs = d.compile_specs()) {
    for (const auto* spec : *specs) {
      const std::string key = spec->key() ? spec->key()->str() : "";
      const std::string value =
          spec->value() ? bytes_to_text_or_hex({spec->value()->data(), spec->value()->size()}) : "";
      info.compile_specs.emplace_back(key, value);
      node.attrs.push_back({"compile_spec." + key, value});
    }
  }

  std::optional<std::size_t> output_count;
  if (backend == kXnnpackBackend) {
    const std::string place =
        fmt::format("method {}, delegate {} ({})", site.method, index, backend);
    xnnpack::BlobContext bctx{ctx.file, place,
                              [&ctx](std::string_view key) { return ctx.named_data(key); },
                              ctx.file_bytes};
    try {
      Graph g = xnnpack::decode_blob(blob, bctx, ctx.model.warnings);
      g.name = fmt::format("{}/{}#{}", site.method, backend, index);
      g.kind = GraphKind::DelegateBlob;
      g.parent_graph = static_cast<int32_t>(site.graph);
      g.parent_node = static_cast<int32_t>(site.node);
      output_count = g.outputs.size();
      info.decoded_graph = static_cast<int32_t>(ctx.model.graphs.size());
      node.called_graphs.push_back(static_cast<uint32_t>(ctx.model.graphs.size()));
      ctx.model.graphs.push_back(std::move(g));
    } catch (const ModelError& e) {
      // The program itself is sound; only the payload is unreadable, so keep it opaque.
      ctx.model.warnings.push_back(
          fmt::format("{}: payload not decoded: {}", e.place(), e.problem()));
    }
  }

  // Arguments are the delegate's inputs followed by its outputs. A decoded graph says how many
  // outputs there are; otherwise the outputs are the trailing tensors nothing has written yet.
  const std::size_t n = site.arg_tensors.size();
  std::size_t outputs_begin = n;
  if (output_count && *output_count <= n) {
    outputs_begin = n - *output_count;
  } else {
    while (outputs_begin > 0 && site.arg_tensors[outputs_begin - 1] >= 0 &&
           !site.arg_defined[outputs_begin - 1])
      --outputs_begin;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const int32_t t = site.arg_tensors[k];
    if (t < 0)
      node.attrs.push_back({fmt::format("arg{}", k), site.arg_values[k]});
    else
      (k < outputs_begin ? node.inputs : node.outputs).push_back(t);
  }
  ctx.model.delegates.push_back(std::move(info));
}

}  // namespace edgelens::pte
