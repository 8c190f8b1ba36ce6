// One claimed TFLite node -> XNNPACK subgraph node(s), following TFLite's xnnpack_delegate.cc
// (Subgraph::Visit*Node) on the 2022 subgraph API. The claim rules ("xnnpack-local") decide what
// reaches here; anything XNNPACK still refuses is a BuildError naming the node.
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "../delegate/rule_support.h"
#include "xnnpack_exec.h"

namespace edgelens::runtime::xnnexec {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Range {
  float min = -kInf, max = kInf;
};

Range activation_range(const Node& node) {
  const std::string act = delegate::detail::fused_activation(node);
  if (act == "RELU") return {0.0f, kInf};
  if (act == "RELU_N1_TO_1") return {-1.0f, 1.0f};
  if (act == "RELU6") return {0.0f, 6.0f};
  if (act == "NONE") return {};
  throw BuildError(fmt::format("fused activation {} has no XNNPACK output range", act));
}

int64_t attr_int(const Node& node, std::string_view name, int64_t fallback) {
  return delegate::detail::attr_int_or(node, name, fallback);
}

bool same_padding(const Node& node) {
  return delegate::detail::attr_string_or(node, "padding", "SAME") == "SAME";
}

void ok(xnn_status status, const Node& node, std::string_view what) {
  if (status != xnn_status_success)
    throw BuildError(
        fmt::format("xnn_define_{} for {}: {}", what, node.op.name, status_name(status)));
}

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(std::max<int64_t>(v, 0));
}

struct Io {
  SubgraphBuilder& b;
  const Node& node;
  int32_t in_id(size_t i) const {
    if (i >= node.inputs.size() || node.inputs[i] < 0)
      throw BuildError(fmt::format("input {} is missing", i));
    return node.inputs[i];
  }
  bool has(size_t i) const { return i < node.inputs.size() && node.inputs[i] >= 0; }
  uint32_t in(size_t i) const { return b.value(in_id(i)); }
  uint32_t out(size_t i = 0) const { return b.value(node.outputs.at(i)); }
  const TensorBuffer& tin(size_t i) const { return b.tensor(in_id(i)); }
  const TensorBuffer& tout(size_t i = 0) const { return b.tensor(node.outputs.at(i)); }
};

void conv_2d(const Io& io, bool depthwise) {
  const Node& node = io.node;
  const auto& input = io.tin(0);
  const auto& filter = io.tin(1);
  if (input.rank() != 4 || filter.rank() != 4) throw BuildError("convolution needs 4-D tensors");
  const Range r = activation_range(node);
  const uint32_t in = io.in(0), f = io.in(1);
  const uint32_t bias =
      io.has(2) ? io.b.bias_value(io.in_id(2), io.in_id(0), io.in_id(1)) : XNN_INVALID_VALUE_ID;
  const uint32_t out = io.out();
  const uint32_t flags = same_padding(node) ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
  const auto kh = u32(filter.dim(1)), kw = u32(filter.dim(2));
  const auto sh = u32(attr_int(node, "stride_h", 1)), sw = u32(attr_int(node, "stride_w", 1));
  const auto dh = u32(attr_int(node, "dilation_h_factor", 1));
  const auto dw = u32(attr_int(node, "dilation_w_factor", 1));
  if (depthwise) {
    const int64_t in_ch = input.dim(3), out_ch = filter.dim(3);
    if (in_ch <= 0 || out_ch % in_ch != 0)
      throw BuildError(fmt::format("{} output channels for {} input channels", out_ch, in_ch));
    ok(xnn_define_depthwise_convolution_2d(io.b.subgraph(), 0, 0, 0, 0, kh, kw, sh, sw, dh, dw,
                                           u32(out_ch / in_ch), static_cast<size_t>(in_ch), r.min,
                                           r.max, in, f, bias, out, flags),
       node, "depthwise_convolution_2d");
  } else {
    const int64_t in_ch = input.dim(3), filter_in = filter.dim(3), out_ch = filter.dim(0);
    if (filter_in <= 0 || in_ch % filter_in != 0)
      throw BuildError(fmt::format("{} input channels, filter takes {}", in_ch, filter_in));
    const int64_t groups = in_ch / filter_in;
    if (out_ch % groups != 0)
      throw BuildError(fmt::format("{} output channels in {} groups", out_ch, groups));
    ok(xnn_define_convolution_2d(io.b.subgraph(), 0, 0, 0, 0, kh, kw, sh, sw, dh, dw, u32(groups),
                                 static_cast<size_t>(filter_in),
                                 static_cast<size_t>(out_ch / groups), r.min, r.max, in, f, bias,
                                 out, flags),
       node, "convolution_2d");
  }
}

// Explicit paddings and adjustments of a transposed convolution (TFLite's
// ComputePaddingWithOffset: the extra odd padding goes after).
struct DeconvGeometry {
  uint32_t pad_before = 0, pad_after = 0, adjustment = 0;
};
DeconvGeometry deconv_geometry(int64_t in, int64_t kernel, int64_t stride, int64_t out, bool same) {
  DeconvGeometry g;
  const int64_t full = (in - 1) * stride + kernel;
  const int64_t total = same ? std::max<int64_t>(full - out, 0) : 0;
  g.pad_before = u32(total / 2);
  g.pad_after = u32(total - total / 2);
  const int64_t adjustment = out - (full - total);
  if (adjustment < 0 || adjustment >= std::max<int64_t>(stride, 1))
    throw BuildError(
        fmt::format("output size {} is not reachable from input {} with kernel {} and "
                    "stride {}",
                    out, in, kernel, stride));
  g.adjustment = u32(adjustment);
  return g;
}

void deconvolution(const Io& io, size_t input, size_t filter_index, int bias_index, bool same,
                   int64_t sh, int64_t sw, Range r) {
  const auto& in_t = io.tin(input);
  const auto& filter = io.tin(filter_index);
  const auto& out_t = io.tout();
  if (in_t.rank() != 4 || filter.rank() != 4 || out_t.rank() != 4)
    throw BuildError("transposed convolution needs 4-D tensors");
  const auto gh = deconv_geometry(in_t.dim(1), filter.dim(1), sh, out_t.dim(1), same);
  const auto gw = deconv_geometry(in_t.dim(2), filter.dim(2), sw, out_t.dim(2), same);
  const uint32_t bias = bias_index >= 0 && io.has(size_t(bias_index)) ? io.in(size_t(bias_index))
                                                                      : XNN_INVALID_VALUE_ID;
  ok(xnn_define_deconvolution_2d(
         io.b.subgraph(), gh.pad_before, gw.pad_after, gh.pad_after, gw.pad_before, gh.adjustment,
         gw.adjustment, u32(filter.dim(1)), u32(filter.dim(2)), u32(sh), u32(sw), 1, 1, 1,
         static_cast<size_t>(filter.dim(3)), static_cast<size_t>(filter.dim(0)), r.min, r.max,
         io.in(input), io.in(filter_index), bias, io.out(), 0),
     io.node, "deconvolution_2d");
}

// MediaPipe's Convolution2DTransposeBias: options are a raw TfLiteTransposeConvParams
// {padding (1 SAME, 2 VALID), stride_width, stride_height} as int32.
void convolution_2d_transpose_bias(const Io& io) {
  const auto options = io.node.custom_options;
  if (options.size() < 12)
    throw BuildError("custom options shorter than TfLiteTransposeConvParams");
  int32_t params[3];
  std::memcpy(params, options.data(), sizeof(params));
  deconvolution(io, 0, 1, 2, params[0] == 1, params[2], params[1], {});
}

void fully_connected(const Io& io) {
  const Node& node = io.node;
  const Range r = activation_range(node);
  const bool keep_dims = delegate::detail::attr_bool_or(node, "keep_num_dims", false);
  const uint32_t bias =
      io.has(2) ? io.b.bias_value(io.in_id(2), io.in_id(0), io.in_id(1)) : XNN_INVALID_VALUE_ID;
  const uint32_t flags = keep_dims ? 0 : XNN_FLAG_TENSORFLOW_RESHAPE_2D;
  ok(xnn_define_fully_connected(io.b.subgraph(), r.min, r.max, io.in(0), io.in(1), bias, io.out(),
                                flags),
     node, "fully_connected");
}

void pool_2d(const Io& io, bool max) {
  const Node& node = io.node;
  const Range r = activation_range(node);
  const auto fh = u32(attr_int(node, "filter_height", 1)),
             fw = u32(attr_int(node, "filter_width", 1));
  const auto sh = u32(attr_int(node, "stride_h", 1)), sw = u32(attr_int(node, "stride_w", 1));
  if (fh == 1 && fw == 1) {  // XNNPACK refuses 1x1 pooling; with stride 1 it is a clamp
    ok(xnn_define_clamp(io.b.subgraph(), r.min, r.max, io.in(0), io.out(), 0), node, "clamp");
    return;
  }
  const uint32_t flags = same_padding(node) ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
  if (max)
    ok(xnn_define_max_pooling_2d(io.b.subgraph(), 0, 0, 0, 0, fh, fw, sh, sw, 1, 1, r.min, r.max,
                                 io.in(0), io.out(), flags),
       node, "max_pooling_2d");
  else
    ok(xnn_define_average_pooling_2d(io.b.subgraph(), 0, 0, 0, 0, fh, fw, sh, sw, r.min, r.max,
                                     io.in(0), io.out(), flags),
       node, "average_pooling_2d");
}

void binary(const Io& io, const std::string& op) {
  auto* sg = io.b.subgraph();
  const uint32_t a = io.in(0), b = io.in(1), out = io.out();
  if (op == "ADD" || op == "SUB" || op == "MUL" || op == "DIV") {
    const Range r = activation_range(io.node);
    auto define = op == "ADD"   ? xnn_define_add2
                  : op == "SUB" ? xnn_define_subtract
                  : op == "MUL" ? xnn_define_multiply2
                                : xnn_define_divide;
    ok(define(sg, r.min, r.max, a, b, out, 0), io.node, op);
    return;
  }
  auto define = op == "MAXIMUM"   ? xnn_define_maximum2
                : op == "MINIMUM" ? xnn_define_minimum2
                                  : xnn_define_squared_difference;
  ok(define(sg, a, b, out, 0), io.node, op);
}

void prelu(const Io& io) {
  const auto& input = io.tin(0);
  const auto& slope = io.tin(1);
  if (input.rank() != 4) throw BuildError("PRELU input must be 4-D here");
  const int64_t channels = input.dim(3);
  if (slope.element_count() != channels)
    throw BuildError(
        fmt::format("slope has {} elements for {} channels", slope.element_count(), channels));
  const uint32_t s = io.b.static_value_with_dims(io.in_id(1), {static_cast<size_t>(channels)});
  ok(xnn_define_prelu(io.b.subgraph(), io.in(0), s, io.out(), 0), io.node, "prelu");
}

void unary(const Io& io, const std::string& op) {
  auto* sg = io.b.subgraph();
  const uint32_t in = io.in(0), out = io.out();
  if (op == "RELU") return ok(xnn_define_clamp(sg, 0.0f, kInf, in, out, 0), io.node, "clamp");
  if (op == "RELU6") return ok(xnn_define_clamp(sg, 0.0f, 6.0f, in, out, 0), io.node, "clamp");
  if (op == "RELU_N1_TO_1")
    return ok(xnn_define_clamp(sg, -1.0f, 1.0f, in, out, 0), io.node, "clamp");
  if (op == "ELU") return ok(xnn_define_elu(sg, 1.0f, in, out, 0), io.node, "elu");
  if (op == "LEAKY_RELU")
    return ok(xnn_define_leaky_relu(
                  sg, static_cast<float>(delegate::detail::attr_float_or(io.node, "alpha", 0.2)),
                  in, out, 0),
              io.node, "leaky_relu");
  using Define = xnn_status (*)(xnn_subgraph_t, uint32_t, uint32_t, uint32_t);
  static const std::map<std::string, Define, std::less<>> simple = {
      {"ABS", xnn_define_abs},
      {"CEIL", xnn_define_ceiling},
      {"FLOOR", xnn_define_floor},
      {"HARD_SWISH", xnn_define_hardswish},
      {"LOGISTIC", xnn_define_sigmoid},
      {"NEG", xnn_define_negate},
      {"ROUND", xnn_define_bankers_rounding},
      {"SQUARE", xnn_define_square},
      {"SQRT", xnn_define_square_root},
      {"SOFTMAX", xnn_define_softmax},
      {"QUANTIZE", xnn_define_convert},
      {"DEQUANTIZE", xnn_define_convert},
  };
  auto it = simple.find(op);
  if (it == simple.end()) throw BuildError(fmt::format("no XNNPACK node for {}", op));
  ok(it->second(sg, in, out, 0), io.node, op);
}

void reshape(const Io& io) {
  const auto& out_t = io.tout();
  std::vector<size_t> dims;
  for (int64_t d : out_t.shape) dims.push_back(static_cast<size_t>(d));
  ok(xnn_define_static_reshape(io.b.subgraph(), dims.size(), dims.data(), io.in(0), io.out(), 0),
     io.node, "static_reshape");
}

void pad(const Io& io) {
  const auto& pads = io.tin(1);
  const auto& input = io.tin(0);
  const auto values = pads.ir ? delegate::detail::constant_ints(*pads.ir) : std::nullopt;
  const auto rank = static_cast<size_t>(input.rank());
  if (!values || values->size() != rank * 2)
    throw BuildError("paddings must be a constant [rank, 2]");
  std::vector<size_t> pre(rank), post(rank);
  for (size_t i = 0; i < rank; ++i) {
    pre[i] = static_cast<size_t>((*values)[2 * i]);
    post[i] = static_cast<size_t>((*values)[2 * i + 1]);
  }
  ok(xnn_define_static_constant_pad(io.b.subgraph(), pre.data(), post.data(), 0.0f, io.in(0),
                                    io.out(), 0),
     io.node, "static_constant_pad");
}

void resize_bilinear(const Io& io) {
  const auto& out_t = io.tout();
  uint32_t flags = 0;
  if (delegate::detail::attr_bool_or(io.node, "align_corners", false))
    flags = XNN_FLAG_ALIGN_CORNERS;
  else if (!delegate::detail::attr_bool_or(io.node, "half_pixel_centers", false))
    flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
  ok(xnn_define_static_resize_bilinear_2d(io.b.subgraph(), static_cast<size_t>(out_t.dim(1)),
                                          static_cast<size_t>(out_t.dim(2)), io.in(0), io.out(),
                                          flags),
     io.node, "static_resize_bilinear_2d");
}

}  // namespace

void define_node(SubgraphBuilder& b, const Node& node) {
  const Io io{b, node};
  const std::string& op = node.op.name;
  if (op == "CONV_2D")
    conv_2d(io, false);
  else if (op == "DEPTHWISE_CONV_2D")
    conv_2d(io, true);
  else if (op == "TRANSPOSE_CONV")
    deconvolution(io, 2, 1, 3, same_padding(node), attr_int(node, "stride_h", 1),
                  attr_int(node, "stride_w", 1), activation_range(node));
  else if (op == "Convolution2DTransposeBias")
    convolution_2d_transpose_bias(io);
  else if (op == "FULLY_CONNECTED")
    fully_connected(io);
  else if (op == "MAX_POOL_2D" || op == "AVERAGE_POOL_2D")
    pool_2d(io, op == "MAX_POOL_2D");
  else if (op == "MEAN")  // claim rules: axes {1, 2} of a 4-D tensor with keep_dims
    ok(xnn_define_global_average_pooling_2d(b.subgraph(), -kInf, kInf, io.in(0), io.out(), 0), node,
       "global_average_pooling_2d");
  else if (op == "ADD" || op == "SUB" || op == "MUL" || op == "DIV" || op == "MAXIMUM" ||
           op == "MINIMUM" || op == "SQUARED_DIFFERENCE")
    binary(io, op);
  else if (op == "PRELU")
    prelu(io);
  else if (op == "RESHAPE" || op == "EXPAND_DIMS")
    reshape(io);
  else if (op == "PAD")
    pad(io);
  else if (op == "RESIZE_BILINEAR")
    resize_bilinear(io);
  else if (op == "DEPTH_TO_SPACE")
    ok(xnn_define_depth_to_space(b.subgraph(), io.in(0), io.out(),
                                 u32(attr_int(node, "block_size", 0)), 0),
       node, "depth_to_space");
  else
    unary(io, op);
  ++b.defined_nodes;
}

}  // namespace edgelens::runtime::xnnexec
