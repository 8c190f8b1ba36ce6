// ExecuTorch XNNPACK payload -> nested Graph. Layout: 30-byte "XH00" header, then the XNNGraph
// flatbuffer, then constant data, each located by the header.
#include "xnnpack_blob.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <unordered_map>

#include "edgelens/model_io/error.h"
#include "edgelens/schema/executorch_xnnpack_generated.h"

namespace edgelens::xnnpack {

namespace xfb = edgelens_fb::xnn;

namespace {

constexpr std::size_t kHeaderMinLength = 30;
constexpr uint32_t kInvalidValueId = 0xFFFFFFFFu;  // XNN_INVALID_VALUE_ID: an absent operand
constexpr uint32_t kFlagExternalInput = 1u;
constexpr uint32_t kFlagExternalOutput = 2u;
constexpr uint64_t kNamedOffset = ~uint64_t{0};  // offset of a constant stored by name

template <typename T>
T load_le(std::span<const std::byte> bytes, std::size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

DType to_dtype(xfb::XNNDatatype t) {
  using X = xfb::XNNDatatype;
  switch (t) {
    case X::xnn_datatype_fp32:
    case X::xnn_datatype_pfp32:
      return DType::Float32;
    case X::xnn_datatype_fp16:
      return DType::Float16;
    case X::xnn_datatype_bf16:
      return DType::BFloat16;
    case X::xnn_datatype_qint8:
    case X::xnn_datatype_qcint8:
    case X::xnn_datatype_qdint8:
    case X::xnn_datatype_qpint8:
      return DType::Int8;
    case X::xnn_datatype_quint8:
      return DType::UInt8;
    case X::xnn_datatype_qint32:
    case X::xnn_datatype_qcint32:
      return DType::QInt32;
    case X::xnn_datatype_qcint4:
    case X::xnn_datatype_qbint4:
      return DType::Int4;
    case X::xnn_datatype_int32:
      return DType::Int32;
    default:
      return DType::Unknown;
  }
}

// How a node's table is laid out; several union members share one table type.
enum class Layout {
  Unary,
  Binary,
  Conv,
  Pooling,
  Concat,
  FullyConnected,
  Transpose,
  ResizeBilinear,
  ConstantPad,
  Reshape,
  ArgMaxPooling,
  LeakyRelu,
  Elu,
  Slice,
  Attention,
  Unknown
};

Layout layout_of(xfb::XNodeUnion type) {
  using U = xfb::XNodeUnion;
  switch (type) {
    case U::XNNAdd:
    case U::XNNDiv:
    case U::XNNMinimum:
    case U::XNNMultiply:
    case U::XNNSubtract:
    case U::XNNMaximum:
    case U::XNNPReLU:
    case U::XNNBatchMatrixMultiply:
      return Layout::Binary;
    case U::XNNSoftmax:
    case U::XNNSigmoid:
    case U::XNNClamp:
    case U::XNNFloor:
    case U::XNNConvert:
    case U::XNNGlobalAvgPooling2d:
    case U::XNNSquareRoot:
    case U::XNNCeiling:
    case U::XNNHardswish:
    case U::XNNNegate:
    case U::XNNSquare:
    case U::XNNAbs:
    case U::XNNReciprocalSquareRoot:
    case U::XNNLog:
    case U::XNNGelu:
    case U::XNNTanh:
    case U::XNNExp:
    case U::XNNSin:
    case U::XNNCopy:
    case U::XNNCos:
      return Layout::Unary;
    case U::XNNConv2d:
    case U::XNNDepthwiseConv2d:
    case U::XNNConvTranspose2d:
      return Layout::Conv;
    case U::XNNAvgPooling2d:
    case U::XNNMaxPooling2d:
      return Layout::Pooling;
    case U::XNNConcatenate2:
    case U::XNNConcatenate3:
    case U::XNNConcatenate4:
    case U::XNNConcatenate5:
      return Layout::Concat;
    case U::XNNFullyConnected:
      return Layout::FullyConnected;
    case U::XNNStaticTranspose:
      return Layout::Transpose;
    case U::XNNStaticResizeBilinear2D:
      return Layout::ResizeBilinear;
    case U::XNNStaticConstantPad:
      return Layout::ConstantPad;
    case U::XNNStaticReshape:
      return Layout::Reshape;
    case U::XNNArgMaxPooling2d:
      return Layout::ArgMaxPooling;
    case U::XNNLeakyReLU:
      return Layout::LeakyRelu;
    case U::XNNELU:
      return Layout::Elu;
    case U::XNNStaticSlice:
      return Layout::Slice;
    case U::XNNScaledDotProductAttention:
      return Layout::Attention;
    default:
      return Layout::Unknown;
  }
}

std::vector<int64_t> to_ints(const flatbuffers::Vector<uint32_t>* v) {
  return v ? std::vector<int64_t>(v->begin(), v->end()) : std::vector<int64_t>{};
}

class BlobDecoder {
 public:
  BlobDecoder(std::span<const std::byte> blob, const BlobContext& ctx,
              std::vector<std::string>& warnings)
      : blob_(blob), ctx_(ctx), warnings_(warnings) {}

  Graph decode() {
    header_ = read_blob_header(blob_, ctx_);
    const auto fb_bytes = blob_.subspan(header_.flatbuffer_offset, header_.flatbuffer_size);
    if (fb_bytes.size() < 8) fail("flatbuffer", "too short for a flatbuffer");
    identifier_.assign(reinterpret_cast<const char*>(fb_bytes.data()) + 4, 4);
    if (identifier_ != "XN01" && identifier_ != "XN00")
      fail(fmt::format("byte {}", header_.flatbuffer_offset + 4),
           fmt::format("XNNGraph identifier is \"{}\", expected \"XN01\" or \"XN00\"",
                       printable(identifier_)));
    // Writers pad the header to 16 bytes; an unaligned start would make the Verifier's
    // alignment checks (relative to the buffer) meaningless.
    if (reinterpret_cast<std::uintptr_t>(fb_bytes.data()) % 8 != 0)
      fail(fmt::format("byte {}", header_.flatbuffer_offset), "the XNNGraph is not 8-byte aligned");
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(fb_bytes.data()),
                                   fb_bytes.size());
    if (!verifier.VerifyBuffer<xfb::XNNGraph>(nullptr))
      fail("XNNGraph", "the flatbuffer fails verification (truncated or corrupt)");
    graph_fb_ = flatbuffers::GetRoot<xfb::XNNGraph>(fb_bytes.data());
    constants_ = blob_.subspan(header_.constant_data_offset, header_.constant_data_size);

    read_values();
    read_io();
    read_nodes();
    return std::move(graph_);
  }

 private:
  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s) out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
    return out;
  }
  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    throw ModelError(ctx_.file, fmt::format("{}, {}", ctx_.place, where), problem);
  }
  void warn(const std::string& message) {
    warnings_.push_back(fmt::format("{}: {}", ctx_.place, message));
  }

  // ---- values ----------------------------------------------------------------------------
  void read_values() {
    const auto* values = graph_fb_->xvalues();
    if (!values) return;
    for (flatbuffers::uoffset_t i = 0; i < values->size(); ++i) {
      const xfb::XValue* xv = values->Get(i);
      const xfb::XNNTensorValue* tv = nullptr;
      const xfb::XNNQuantizedTensorValue* qv = nullptr;
      if (xv->xvalue_union_type() == xfb::XValueUnion::XNNTensorValue) {
        tv = xv->xvalue_union_as_XNNTensorValue();
      } else if (xv->xvalue_union_type() == xfb::XValueUnion::XNNQuantizedTensorValue) {
        qv = xv->xvalue_union_as_XNNQuantizedTensorValue();
        if (qv) tv = qv->tensor_value();
      }
      if (!tv) fail(fmt::format("xvalue {}", i), "neither a tensor nor a quantized tensor");
      add_tensor(i, *tv, qv);
    }
  }

  void add_tensor(uint32_t index, const xfb::XNNTensorValue& tv,
                  const xfb::XNNQuantizedTensorValue* qv) {
    const std::string where = fmt::format("xvalue {}", index);
    Tensor t;
    t.id = static_cast<uint32_t>(graph_.tensors.size());
    t.name = fmt::format("v{}", tv.id_out());
    t.dtype = to_dtype(tv.datatype());
    if (t.dtype == DType::Unknown)
      warn(fmt::format("{}: datatype {} has no EdgeLens dtype", where,
                       static_cast<int>(tv.datatype())));
    t.shape = to_ints(tv.dims());
    if (tv.dims() && tv.num_dims() != tv.dims()->size())
      warn(fmt::format("{}: num_dims {} but {} dims", where, tv.num_dims(), tv.dims()->size()));
    if (qv) t.quant = quantization(where, *qv);
    if (tv.constant_buffer_idx() != 0) {
      t.is_constant = true;
      t.data = constant(where, tv.constant_buffer_idx(), t.byte_size(), t.name);
      if (!t.data.empty() && !ctx_.file_bytes.empty())
        t.external_offset = static_cast<uint64_t>(t.data.data() - ctx_.file_bytes.data());
    }
    if (!id_to_tensor_.emplace(tv.id_out(), static_cast<int32_t>(t.id)).second)
      fail(where, fmt::format("value id {} is used twice", tv.id_out()));
    external_.push_back({tv.external_id(), tv.flags()});
    graph_.tensors.push_back(std::move(t));
  }

  // Bytes of constant `index`: from the blob's constant region, from named data in the
  // program, or (XN00) from the in-flatbuffer buffers. Empty when a name cannot be resolved.
  std::span<const std::byte> constant(const std::string& where, uint32_t index, int64_t nbytes,
                                      std::string& name) {
    const auto* table = graph_fb_->constant_data();
    if (table && table->size() > 0) {
      if (index >= table->size())
        fail(where, fmt::format("constant {} but constant_data has {}", index, table->size()));
      const xfb::ConstantDataOffset* c = table->Get(index);
      if (c->named_key() && c->named_key()->size() > 0) {
        const std::string key = c->named_key()->str();
        const auto data = ctx_.named_data ? ctx_.named_data(key) : std::nullopt;
        if (!data) {
          warn(fmt::format("{}: constant \"{}\" is not in the program's named data", where, key));
          name = key;
          return {};
        }
        if (c->size() > data->size())
          fail(where, fmt::format("named constant \"{}\" has {} bytes, {} expected", key,
                                  data->size(), c->size()));
        if (nbytes >= 0 && static_cast<uint64_t>(nbytes) > c->size())
          fail(where, fmt::format("tensor needs {} bytes, named constant \"{}\" holds {}", nbytes,
                                  key, c->size()));
        return data->first(c->size());
      }
      if (c->offset() == kNamedOffset) fail(where, "constant has neither offset nor name");
      if (c->offset() > constants_.size() || c->size() > constants_.size() - c->offset())
        fail(where, fmt::format("constant {} at offset {} + {} bytes runs past the constant data "
                                "({} bytes)",
                                index, c->offset(), c->size(), constants_.size()));
      if (nbytes >= 0 && static_cast<uint64_t>(nbytes) > c->size())
        fail(where,
             fmt::format("tensor needs {} bytes, constant {} holds {}", nbytes, index, c->size()));
      return constants_.subspan(c->offset(), c->size());
    }
    const auto* buffers = graph_fb_->constant_buffer();  // XN00
    if (!buffers || index >= buffers->size())
      fail(where, fmt::format("constant {} but the blob has no such constant", index));
    const auto* storage = buffers->Get(index)->storage();
    if (!storage) return {};
    return {reinterpret_cast<const std::byte*>(storage->data()), storage->size()};
  }

  // Scales stored as constant data (num_scales floats, or bf16 for blockwise scales).
  std::vector<float> scales_from_buffer(const std::string& where, uint32_t buffer, uint32_t count) {
    std::string unused;
    const auto data = constant(where + ", scales", buffer, -1, unused);
    std::vector<float> scales(count);
    if (data.size() >= std::size_t{count} * 4) {
      std::memcpy(scales.data(), data.data(), std::size_t{count} * 4);
    } else if (data.size() >= std::size_t{count} * 2) {
      for (uint32_t k = 0; k < count; ++k) {
        uint32_t bits = uint32_t{load_le<uint16_t>(data, std::size_t{k} * 2)} << 16;
        std::memcpy(&scales[k], &bits, 4);
      }
    } else {
      fail(where, fmt::format("{} scales but the scale buffer holds {} bytes", count, data.size()));
    }
    return scales;
  }

  Quantization quantization(const std::string& where, const xfb::XNNQuantizedTensorValue& qv) {
    Quantization q;
    switch (qv.quant_params_type()) {
      case xfb::XNNQuantParams::PerTensorQuant:
        if (const auto* p = qv.quant_params_as_PerTensorQuant()) {
          q.scales = {p->scale()};
          q.zero_points = {p->zero_point()};
        }
        break;
      case xfb::XNNQuantParams::PerChannelQuant:
        if (const auto* p = qv.quant_params_as_PerChannelQuant()) {
          if (p->scale() && p->scale()->size() > 0)
            q.scales.assign(p->scale()->begin(), p->scale()->end());
          else if (p->scale_buffer_idx() != 0)
            q.scales = scales_from_buffer(where, p->scale_buffer_idx(), p->num_scales());
          q.zero_points.assign(q.scales.size(), 0);  // XNNPACK channelwise is symmetric
          q.axis = p->channel_dim();
        }
        break;
      case xfb::XNNQuantParams::PerChannelGroupQuant:
        if (const auto* p = qv.quant_params_as_PerChannelGroupQuant()) {
          if (p->scale() && p->scale()->size() > 0)
            q.scales.assign(p->scale()->begin(), p->scale()->end());
          else if (p->scale_buffer_idx() != 0)
            q.scales = scales_from_buffer(where, p->scale_buffer_idx(), p->num_scales());
          q.zero_points.assign(q.scales.size(), 0);
          q.axis = p->channel_dim();
          q.blockwise = Blockwise{-1, -1, p->group_size()};
        }
        break;
      case xfb::XNNQuantParams::PerTokenDynamicQuant:
        break;  // computed at run time
      default:
        break;
    }
    return q;
  }

  int32_t tensor_for(uint32_t id, const std::string& where) const {
    if (id == kInvalidValueId) return -1;
    const auto it = id_to_tensor_.find(id);
    if (it == id_to_tensor_.end())
      fail(where, fmt::format("refers to value id {}, not defined", id));
    return it->second;
  }

  // Graph inputs/outputs in external-id order, which is the order of the DelegateCall's
  // arguments (inputs first, then outputs).
  void read_io() {
    auto collect = [&](const flatbuffers::Vector<uint32_t>* ids, uint32_t flag, const char* what,
                       std::vector<int32_t>& out) {
      std::vector<std::pair<uint32_t, int32_t>> by_external;
      if (ids && ids->size() > 0) {
        for (flatbuffers::uoffset_t k = 0; k < ids->size(); ++k) {
          const int32_t t = tensor_for(ids->Get(k), fmt::format("{} {}", what, k));
          if (t < 0) fail(fmt::format("{} {}", what, k), "is the invalid value id");
          by_external.emplace_back(external_[static_cast<std::size_t>(t)].first, t);
        }
      } else {
        for (std::size_t t = 0; t < external_.size(); ++t)
          if (external_[t].second & flag)
            by_external.emplace_back(external_[t].first, static_cast<int32_t>(t));
      }
      std::stable_sort(by_external.begin(), by_external.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [ext, t] : by_external) out.push_back(t);
    };
    collect(graph_fb_->input_ids(), kFlagExternalInput, "input", graph_.inputs);
    collect(graph_fb_->output_ids(), kFlagExternalOutput, "output", graph_.outputs);
  }

  // ---- nodes -----------------------------------------------------------------------------
  void read_nodes() {
    const auto* nodes = graph_fb_->xnodes();
    if (!nodes) return;
    for (flatbuffers::uoffset_t i = 0; i < nodes->size(); ++i) {
      const xfb::XNode* xn = nodes->Get(i);
      const std::string where = fmt::format("xnode {}", i);
      Node node;
      node.id = static_cast<uint32_t>(graph_.nodes.size());
      const auto type = xn->xnode_union_type();
      std::string name = xfb::EnumNameXNodeUnion(type);
      if (name.rfind("XNN", 0) == 0) name.erase(0, 3);
      if (name.empty() || !xn->xnode_union())
        fail(where, fmt::format("unknown or empty node type {}", static_cast<int>(type)));
      node.op = Op{"xnnpack", name, static_cast<int32_t>(type)};
      decode_fields(type, xn->xnode_union(), where, node);
      node.attrs.push_back({"debug_handle", int64_t{xn->debug_handle()}});
      node.debug_info = fmt::format("debug_handle {}", xn->debug_handle());
      if (const auto* mm = xn->output_min_max()) {
        node.attrs.push_back({"output_min", double{mm->output_min()}});
        node.attrs.push_back({"output_max", double{mm->output_max()}});
      }
      graph_.nodes.push_back(std::move(node));
    }
  }

  void in(Node& n, uint32_t id, const std::string& where) {
    n.inputs.push_back(tensor_for(id, where));
  }
  void out(Node& n, uint32_t id, const std::string& where) {
    const int32_t t = tensor_for(id, where);
    if (t < 0) fail(where, "output is the invalid value id");
    n.outputs.push_back(t);
  }
  static void pair(Node& n, const char* name, uint32_t h, uint32_t w) {
    n.attrs.push_back({name, std::vector<int64_t>{h, w}});
  }
  static void flags(Node& n, uint32_t f) { n.attrs.push_back({"flags", int64_t{f}}); }

  void decode_fields(xfb::XNodeUnion type, const void* table, const std::string& where, Node& n) {
    switch (layout_of(type)) {
      case Layout::Unary: {
        const auto* t = static_cast<const xfb::_XNNNode1x1*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        flags(n, t->flags());
        break;
      }
      case Layout::Binary: {
        const auto* t = static_cast<const xfb::_XNNNode2x1*>(table);
        in(n, t->input1_id(), where);
        in(n, t->input2_id(), where);
        out(n, t->output_id(), where);
        flags(n, t->flags());
        break;
      }
      case Layout::Conv: {
        const auto* t = static_cast<const xfb::_XNNNodeConv*>(table);
        in(n, t->input1_id(), where);
        in(n, t->filter_id(), where);
        in(n, t->bias_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back(
            {"padding", std::vector<int64_t>{t->padding_top(), t->padding_right(),
                                             t->padding_bottom(), t->padding_left()}});
        pair(n, "kernel", t->kernel_height(), t->kernel_width());
        pair(n, "strides", t->subsampling_height(), t->subsampling_width());
        pair(n, "dilation", t->dilation_height(), t->dilation_width());
        n.attrs.push_back({"groups", int64_t{t->groups()}});
        n.attrs.push_back({"group_input_channels", int64_t{t->group_input_channels()}});
        n.attrs.push_back({"group_output_channels", int64_t{t->group_output_channels()}});
        if (type == xfb::XNodeUnion::XNNConvTranspose2d)
          pair(n, "adjustment", t->adjustment_height(), t->adjustment_width());
        flags(n, t->flags());
        break;
      }
      case Layout::Pooling: {
        const auto* t = static_cast<const xfb::_XNNPooling2D*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back(
            {"padding", std::vector<int64_t>{t->padding_top(), t->padding_right(),
                                             t->padding_bottom(), t->padding_left()}});
        pair(n, "kernel", t->pooling_height(), t->pooling_width());
        pair(n, "strides", t->stride_height(), t->stride_width());
        pair(n, "dilation", t->dilation_height(), t->dilation_width());
        flags(n, t->flags());
        break;
      }
      case Layout::Concat: {
        const auto* t = static_cast<const xfb::_XNNCat*>(table);
        const int count =
            2 + (static_cast<int>(type) - static_cast<int>(xfb::XNodeUnion::XNNConcatenate2));
        const uint32_t ids[] = {t->input1_id(), t->input2_id(), t->input3_id(), t->input4_id(),
                                t->input5_id()};
        const int inputs = type == xfb::XNodeUnion::XNNConcatenate5 ? 5 : count;
        for (int k = 0; k < inputs; ++k) in(n, ids[k], where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"axis", int64_t{t->axis()}});
        flags(n, t->flags());
        break;
      }
      case Layout::FullyConnected: {
        const auto* t = static_cast<const xfb::XNNFullyConnected*>(table);
        in(n, t->input1_id(), where);
        in(n, t->filter_id(), where);
        in(n, t->bias_id(), where);
        out(n, t->output_id(), where);
        flags(n, t->flags());
        break;
      }
      case Layout::Transpose: {
        const auto* t = static_cast<const xfb::XNNStaticTranspose*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"perm", to_ints(t->perm())});
        flags(n, t->flags());
        break;
      }
      case Layout::ResizeBilinear: {
        const auto* t = static_cast<const xfb::XNNStaticResizeBilinear2D*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        pair(n, "new_size", t->new_height(), t->new_width());
        flags(n, t->flags());
        break;
      }
      case Layout::ConstantPad: {
        const auto* t = static_cast<const xfb::XNNStaticConstantPad*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"pre_paddings", to_ints(t->pre_paddings())});
        n.attrs.push_back({"post_paddings", to_ints(t->post_paddings())});
        n.attrs.push_back({"padding_value", double{t->padding_value()}});
        flags(n, t->flags());
        break;
      }
      case Layout::Reshape: {
        const auto* t = static_cast<const xfb::XNNStaticReshape*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"new_shape", to_ints(t->new_shape())});
        flags(n, t->flags());
        break;
      }
      case Layout::ArgMaxPooling: {
        const auto* t = static_cast<const xfb::XNNArgMaxPooling2d*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_value_id(), where);
        out(n, t->output_index_id(), where);
        n.attrs.push_back(
            {"padding", std::vector<int64_t>{t->padding_top(), t->padding_right(),
                                             t->padding_bottom(), t->padding_left()}});
        pair(n, "kernel", t->pooling_height(), t->pooling_width());
        flags(n, t->flags());
        break;
      }
      case Layout::LeakyRelu: {
        const auto* t = static_cast<const xfb::XNNLeakyReLU*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"negative_slope", double{t->negative_slope()}});
        flags(n, t->flags());
        break;
      }
      case Layout::Elu: {
        const auto* t = static_cast<const xfb::XNNELU*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"alpha", double{t->alpha()}});
        flags(n, t->flags());
        break;
      }
      case Layout::Slice: {
        const auto* t = static_cast<const xfb::XNNStaticSlice*>(table);
        in(n, t->input_id(), where);
        out(n, t->output_id(), where);
        n.attrs.push_back({"offsets", to_ints(t->offsets())});
        n.attrs.push_back({"sizes", to_ints(t->sizes())});
        flags(n, t->flags());
        break;
      }
      case Layout::Attention: {
        const auto* t = static_cast<const xfb::XNNScaledDotProductAttention*>(table);
        for (uint32_t id : {t->query_id(), t->key_id(), t->value_id(), t->scale_id(), t->mask_id()})
          in(n, id, where);
        out(n, t->output_id(), where);
        flags(n, t->flags());
        break;
      }
      case Layout::Unknown:
        fail(where, fmt::format("node type {} is not known", static_cast<int>(type)));
    }
  }

  std::span<const std::byte> blob_;
  const BlobContext& ctx_;
  std::vector<std::string>& warnings_;
  BlobHeader header_;
  std::string identifier_;
  const xfb::XNNGraph* graph_fb_ = nullptr;
  std::span<const std::byte> constants_;
  Graph graph_;
  std::unordered_map<uint32_t, int32_t> id_to_tensor_;
  std::vector<std::pair<uint32_t, uint32_t>> external_;  // per tensor: external id, flags
};

}  // namespace

BlobHeader read_blob_header(std::span<const std::byte> blob, const BlobContext& ctx) {
  auto fail = [&](const std::string& where, const std::string& problem) {
    throw ModelError(ctx.file, fmt::format("{}, {}", ctx.place, where), problem);
  };
  if (blob.size() < kHeaderMinLength)
    fail("header", fmt::format("the blob has {} bytes, fewer than the {}-byte XH00 header",
                               blob.size(), kHeaderMinLength));
  if (std::memcmp(blob.data() + 4, "XH00", 4) != 0) fail("byte 4", "no \"XH00\" header");
  BlobHeader h;
  h.length = load_le<uint16_t>(blob, 8);
  h.flatbuffer_offset = load_le<uint32_t>(blob, 10);
  h.flatbuffer_size = load_le<uint32_t>(blob, 14);
  h.constant_data_offset = load_le<uint32_t>(blob, 18);
  h.constant_data_size = load_le<uint64_t>(blob, 22);
  if (h.length < kHeaderMinLength || h.length > blob.size())
    fail("byte 8", fmt::format("header length {} (at least {}, at most the blob's {} bytes)",
                               h.length, kHeaderMinLength, blob.size()));
  if (h.flatbuffer_offset < h.length || h.flatbuffer_offset > blob.size() ||
      h.flatbuffer_size > blob.size() - h.flatbuffer_offset)
    fail("byte 10", fmt::format("flatbuffer at {} + {} bytes lies outside the blob ({} bytes)",
                                h.flatbuffer_offset, h.flatbuffer_size, blob.size()));
  if (h.constant_data_offset > blob.size() ||
      h.constant_data_size > blob.size() - h.constant_data_offset)
    fail("byte 18", fmt::format("constant data at {} + {} bytes lies outside the blob ({} bytes)",
                                h.constant_data_offset, h.constant_data_size, blob.size()));
  return h;
}

Graph decode_blob(std::span<const std::byte> blob, const BlobContext& ctx,
                  std::vector<std::string>& warnings) {
  return BlobDecoder(blob, ctx, warnings).decode();
}

}  // namespace edgelens::xnnpack
