// Ops that only move elements (any dtype, registered under DType::Unknown): RESHAPE SQUEEZE
// EXPAND_DIMS TRANSPOSE CONCATENATION SPLIT SPLIT_V SLICE STRIDED_SLICE PACK UNPACK TILE GATHER
// GATHER_ND BROADCAST_TO FILL SHAPE PAD PADV2 MIRROR_PAD DEPTH_TO_SPACE SPACE_TO_DEPTH.
// Quantized tensors pass through unchanged, so input and output quantization must agree.
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

size_t elem_size(DType d) {
  return std::max(1u, dtype_bits(d) / 8);
}

// Values of an index-like input; prepare may call this only for constant inputs.
std::vector<int64_t> indices_of(NodeContext& ctx, size_t i) {
  const auto& t = ctx.input(i);
  if (t.dtype != DType::Int32 && t.dtype != DType::Int64)
    ctx.unsupported(fmt::format("input {} must be int32/int64, is {}", i, dtype_name(t.dtype)));
  return int_values(t);
}

// True when the output's shape can be computed in prepare (the listed inputs are constant);
// otherwise marks output 0 dynamic and returns false (eval re-runs the shape computation).
bool static_inputs(NodeContext& ctx, std::initializer_list<size_t> inputs, DType out_dtype) {
  for (size_t i : inputs)
    if (ctx.has_input(i) && !ctx.input_is_constant(i)) {
      ctx.set_output_dynamic(0, out_dtype);
      return false;
    }
  return true;
}

void same_quantization(NodeContext& ctx) {
  const auto& in = ctx.input(0).quant();
  for (size_t o = 0; o < ctx.output_count(); ++o) {
    const auto& out = ctx.output(o).quant();
    if (in.scales != out.scales || in.zero_points != out.zero_points)
      ctx.unsupported("input and output quantization differ (needs a requantizing kernel)");
  }
}

int64_t norm_axis(NodeContext& ctx, int64_t axis, int64_t rank) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    ctx.unsupported(fmt::format("axis {} out of range for rank {}", axis, rank));
  return axis;
}

// ---- RESHAPE -------------------------------------------------------------------------------
std::vector<int64_t> reshape_target(NodeContext& ctx) {
  std::vector<int64_t> shape;
  if (ctx.has_input(1) && ctx.input(1).rank() == 1) {
    shape = indices_of(ctx, 1);
  } else {
    shape = ctx.attr_ints("new_shape");
  }
  const int64_t n = ctx.input(0).element_count();
  int64_t known = 1, unknown = -1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == -1) {
      if (unknown >= 0) ctx.unsupported("more than one -1 in the new shape");
      unknown = static_cast<int64_t>(k);
    } else {
      known *= shape[k];
    }
  }
  if (unknown >= 0) shape[size_t(unknown)] = known ? n / known : 0;
  if (element_count(shape) != n)
    ctx.unsupported(fmt::format("cannot reshape {} into {}", shape_string(ctx.input(0).shape),
                                shape_string(shape)));
  return shape;
}
void reshape_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  if (!static_inputs(ctx, {1}, ctx.input(0).dtype)) return;
  ctx.set_output(0, ctx.input(0).dtype, reshape_target(ctx));
}
void copy_eval(NodeContext& ctx) {
  if (ctx.output(0).dynamic && ctx.node().op.name == "RESHAPE")
    ctx.resize_output(0, reshape_target(ctx));
  const auto& in = ctx.input(0);
  auto out = ctx.output(0).mutable_raw();
  if (out.data() != in.data) std::memmove(out.data(), in.data, std::min(out.size(), in.bytes));
}

void squeeze_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& in = ctx.input(0);
  auto dims = ctx.attr_ints("squeeze_dims");
  std::vector<bool> drop(in.shape.size(), false);
  if (dims.empty())
    for (size_t k = 0; k < in.shape.size(); ++k) drop[k] = in.shape[k] == 1;
  for (auto d : dims) {
    const auto a = norm_axis(ctx, d, in.rank());
    if (in.shape[size_t(a)] != 1) ctx.unsupported(fmt::format("dimension {} is not 1", a));
    drop[size_t(a)] = true;
  }
  std::vector<int64_t> shape;
  for (size_t k = 0; k < in.shape.size(); ++k)
    if (!drop[k]) shape.push_back(in.shape[k]);
  ctx.set_output(0, in.dtype, shape);
}

void expand_dims_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& in = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant axis");
  int64_t axis = indices_of(ctx, 1).at(0);
  if (axis < 0) axis += in.rank() + 1;
  if (axis < 0 || axis > in.rank()) ctx.unsupported("axis out of range");
  auto shape = in.shape;
  shape.insert(shape.begin() + axis, 1);
  ctx.set_output(0, in.dtype, shape);
}

// ---- TRANSPOSE -----------------------------------------------------------------------------
void transpose_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& in = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant permutation");
  const auto perm = indices_of(ctx, 1);
  if (perm.size() != in.shape.size()) ctx.unsupported("permutation rank differs from input rank");
  std::vector<int64_t> shape;
  for (auto p : perm) shape.push_back(in.shape[size_t(norm_axis(ctx, p, in.rank()))]);
  ctx.set_output(0, in.dtype, shape);
}

// Copies rows of the output's innermost dimension, reading the input at `src_strides` (elements);
// the odometer runs over the outer dimensions only. A 2-D transpose (what most collapse to)
// walks the input contiguously instead.
template <class Element>
void transpose_rows(const std::byte* in, std::byte* out, const std::vector<int64_t>& out_shape,
                    const std::vector<int64_t>& src_strides) {
  const auto load = [&](int64_t at) {
    Element v;
    std::memcpy(&v, in + at * int64_t(sizeof(Element)), sizeof(Element));
    return v;
  };
  const auto store = [&](int64_t at, Element v) {
    std::memcpy(out + at * int64_t(sizeof(Element)), &v, sizeof(Element));
  };
  const size_t rank = out_shape.size();
  if (rank == 2 && src_strides[0] == 1) {
    const int64_t rows = out_shape[0], cols = out_shape[1], step = src_strides[1];
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t i = 0; i < rows; ++i) store(i * cols + j, load(j * step + i));
    return;
  }
  const int64_t row = out_shape[rank - 1], step = src_strides[rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= out_shape[d];
  std::vector<int64_t> idx(rank, 0);
  int64_t src = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < row; ++j) store(r * row + j, load(src + j * step));
    for (size_t d = rank - 1; d-- > 0;) {
      ++idx[d];
      src += src_strides[d];
      if (idx[d] < out_shape[d]) break;
      src -= src_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

// Drops size-1 output dimensions and merges neighbours that stay neighbours in the input (their
// source strides chain), so NCHW -> NHWC becomes a 2-D transpose of [H*W, C].
void collapse_transpose(std::vector<int64_t>& shape, std::vector<int64_t>& strides) {
  std::vector<int64_t> s, st;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!s.empty() && st.back() == strides[k] * shape[k]) {
      s.back() *= shape[k];
      st.back() = strides[k];
    } else {
      s.push_back(shape[k]);
      st.push_back(strides[k]);
    }
  }
  if (s.empty()) s = {1}, st = {1};
  shape = std::move(s);
  strides = std::move(st);
}

void transpose_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  const auto perm = indices_of(ctx, 1);
  const size_t rank = in.shape.size(), es = elem_size(in.dtype);
  if (rank == 0 || out.element_count() == 0) {
    std::memcpy(out.mutable_raw().data(), in.data, std::min(out.mutable_raw().size(), in.bytes));
    return;
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * in.shape[k];
  std::vector<int64_t> src_strides(rank);
  for (size_t k = 0; k < rank; ++k)
    src_strides[k] = in_strides[size_t(norm_axis(ctx, perm[k], int64_t(rank)))];
  std::byte* dst = out.mutable_raw().data();
  std::vector<int64_t> shape = out.shape;
  collapse_transpose(shape, src_strides);
  switch (es) {
    case 1:
      return transpose_rows<uint8_t>(in.data, dst, shape, src_strides);
    case 2:
      return transpose_rows<uint16_t>(in.data, dst, shape, src_strides);
    case 4:
      return transpose_rows<uint32_t>(in.data, dst, shape, src_strides);
    case 8:
      return transpose_rows<uint64_t>(in.data, dst, shape, src_strides);
    default:
      ctx.unsupported(fmt::format("TRANSPOSE of {}-byte elements", es));
  }
}

// ---- CONCATENATION / PACK ------------------------------------------------------------------
void concat_prepare(NodeContext& ctx) {
  const auto& first = ctx.input(0);
  const bool pack = ctx.node().op.name == "PACK";
  const int64_t out_rank = first.rank() + (pack ? 1 : 0);
  const int64_t axis = norm_axis(ctx, ctx.attr_int("axis", 0), out_rank);
  auto shape = first.shape;
  if (pack)
    shape.insert(shape.begin() + axis, 0);
  else
    shape[size_t(axis)] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const auto& t = ctx.input(i);
    if (t.dtype != first.dtype) ctx.unsupported("inputs have different dtypes");
    if (t.quant().scales != ctx.output(0).quant().scales ||
        t.quant().zero_points != ctx.output(0).quant().zero_points)
      ctx.unsupported("input and output quantization differ (needs a requantizing kernel)");
    if (t.rank() != first.rank()) ctx.unsupported("inputs have different ranks");
    for (int64_t d = 0; d < first.rank(); ++d) {
      const int64_t od = pack && d >= axis ? d + 1 : d;
      if (!pack && d == axis) continue;
      if (t.shape[size_t(d)] != shape[size_t(od)]) ctx.unsupported("input shapes do not match");
    }
    shape[size_t(axis)] += pack ? 1 : t.shape[size_t(axis)];
  }
  if (first.dtype == DType::Float32) (void)activation_range(ctx);
  ctx.set_output(0, first.dtype, shape);
}
void concat_eval(NodeContext& ctx) {
  auto& out = ctx.output(0);
  const bool pack = ctx.node().op.name == "PACK";
  const int64_t axis = norm_axis(ctx, ctx.attr_int("axis", 0), out.rank());
  const size_t es = elem_size(out.dtype);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out.shape[size_t(d)];
  int64_t inner_out = es;
  for (int64_t d = axis; d < out.rank(); ++d) inner_out *= out.shape[size_t(d)];
  auto dst = out.mutable_raw();
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const auto& t = ctx.input(i);
    int64_t inner = es;
    for (int64_t d = pack ? axis : axis; d < t.rank(); ++d) inner *= t.shape[size_t(d)];
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst.data() + o * inner_out + offset, t.data + o * inner, size_t(inner));
    offset += inner;
  }
  if (out.dtype == DType::Float32) {
    const auto range = activation_range(ctx);
    for (auto& v : out.mutable_view<float>()) v = clamp_activation(v, range);
  }
}

// ---- SPLIT / SPLIT_V / UNPACK --------------------------------------------------------------
struct SplitPlan {
  int64_t axis = 0;
  std::vector<int64_t> sizes;
  size_t data_input = 0;
};
SplitPlan split_plan(NodeContext& ctx) {
  SplitPlan p;
  const auto& op = ctx.node().op.name;
  if (op == "SPLIT") {
    p.data_input = 1;
    const auto& in = ctx.input(1);
    if (!ctx.input_is_constant(0)) ctx.unsupported("non-constant axis");
    p.axis = norm_axis(ctx, indices_of(ctx, 0).at(0), in.rank());
    const int64_t n = static_cast<int64_t>(ctx.output_count());
    if (in.shape[size_t(p.axis)] % n) ctx.unsupported("dimension not divisible by num_splits");
    p.sizes.assign(size_t(n), in.shape[size_t(p.axis)] / n);
  } else if (op == "SPLIT_V") {
    const auto& in = ctx.input(0);
    if (!ctx.input_is_constant(1) || !ctx.input_is_constant(2))
      ctx.unsupported("non-constant sizes/axis");
    p.axis = norm_axis(ctx, indices_of(ctx, 2).at(0), in.rank());
    p.sizes = indices_of(ctx, 1);
    int64_t known = 0, unknown = -1;
    for (size_t k = 0; k < p.sizes.size(); ++k)
      if (p.sizes[k] < 0)
        unknown = int64_t(k);
      else
        known += p.sizes[k];
    if (unknown >= 0) p.sizes[size_t(unknown)] = in.shape[size_t(p.axis)] - known;
  } else {  // UNPACK
    const auto& in = ctx.input(0);
    p.axis = norm_axis(ctx, ctx.attr_int("axis", 0), in.rank());
    p.sizes.assign(size_t(in.shape[size_t(p.axis)]), 1);
  }
  return p;
}
void split_prepare(NodeContext& ctx) {
  const auto p = split_plan(ctx);
  const auto& in = ctx.input(p.data_input);
  if (p.sizes.size() != ctx.output_count())
    ctx.unsupported("output count differs from split count");
  for (size_t o = 0; o < ctx.output_count(); ++o) {
    auto shape = in.shape;
    if (ctx.node().op.name == "UNPACK")
      shape.erase(shape.begin() + p.axis);
    else
      shape[size_t(p.axis)] = p.sizes[o];
    ctx.set_output(o, in.dtype, shape);
  }
}
void split_eval(NodeContext& ctx) {
  const auto p = split_plan(ctx);
  const auto& in = ctx.input(p.data_input);
  const size_t es = elem_size(in.dtype);
  int64_t outer = 1, inner = int64_t(es);
  for (int64_t d = 0; d < p.axis; ++d) outer *= in.shape[size_t(d)];
  for (int64_t d = p.axis + 1; d < in.rank(); ++d) inner *= in.shape[size_t(d)];
  const int64_t in_row = in.shape[size_t(p.axis)] * inner;
  int64_t offset = 0;
  for (size_t o = 0; o < ctx.output_count(); ++o) {
    auto dst = ctx.output(o).mutable_raw();
    const int64_t chunk = p.sizes[o] * inner;
    for (int64_t k = 0; k < outer; ++k)
      std::memcpy(dst.data() + k * chunk, in.data + k * in_row + offset, size_t(chunk));
    offset += chunk;
  }
}

// ---- SLICE / STRIDED_SLICE -----------------------------------------------------------------
struct SliceDims {
  std::vector<int64_t> begin, stride, size;  // per input dim
  std::vector<int64_t> out_shape;
};
SliceDims slice_dims(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto rank = static_cast<size_t>(in.rank());
  SliceDims s;
  auto begin = indices_of(ctx, 1);
  if (ctx.node().op.name == "SLICE") {
    auto size = indices_of(ctx, 2);
    if (begin.size() != rank || size.size() != rank) ctx.unsupported("begin/size rank differs");
    for (size_t d = 0; d < rank; ++d) {
      const int64_t sz = size[d] < 0 ? in.shape[d] - begin[d] : size[d];
      if (begin[d] < 0 || begin[d] + sz > in.shape[d]) ctx.unsupported("slice out of range");
      s.begin.push_back(begin[d]);
      s.stride.push_back(1);
      s.size.push_back(sz);
      s.out_shape.push_back(sz);
    }
    return s;
  }
  auto end = indices_of(ctx, 2);
  auto strides = indices_of(ctx, 3);
  const int64_t begin_mask = ctx.attr_int("begin_mask"), end_mask = ctx.attr_int("end_mask");
  const int64_t shrink = ctx.attr_int("shrink_axis_mask");
  if (ctx.attr_int("ellipsis_mask") || ctx.attr_int("new_axis_mask"))
    ctx.unsupported("ellipsis_mask/new_axis_mask are not supported");
  const bool offset = ctx.attr_bool("offset", false);
  if (begin.size() > rank) ctx.unsupported("begin has more entries than the input rank");
  for (size_t d = 0; d < rank; ++d) {
    const int64_t dim = in.shape[d];
    const bool have = d < begin.size();
    const int64_t st = have ? strides[d] : 1;
    if (st == 0) ctx.unsupported("stride 0");
    int64_t b = have ? begin[d] : 0;
    int64_t e = have ? end[d] : dim;
    if (offset && have) e += b;
    const bool shrink_d = have && (shrink >> d & 1);
    // StridedSliceStartForAxis / EndForAxis (TFLite's strided_slice_logic.h).
    auto clampi = [](int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(v, hi)); };
    if (!have || (begin_mask >> d & 1))
      b = st > 0 ? 0 : dim - 1;
    else {
      if (b < 0) b += dim;
      b = st > 0 ? clampi(b, 0, dim) : clampi(b, -1, dim - 1);
    }
    if (shrink_d) {
      e = b + 1;
    } else if (!have || (end_mask >> d & 1)) {
      e = st > 0 ? dim : -1;
    } else {
      if (e < 0) e += dim;
      e = st > 0 ? clampi(e, 0, dim) : clampi(e, -1, dim - 1);
    }
    int64_t n = st > 0 ? (e - b + st - 1) / st : (b - e - st - 1) / (-st);
    n = std::max<int64_t>(n, 0);
    s.begin.push_back(b);
    s.stride.push_back(st);
    s.size.push_back(n);
    if (!shrink_d) s.out_shape.push_back(n);
  }
  return s;
}
void slice_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  if (!static_inputs(ctx, {1, 2, 3}, ctx.input(0).dtype)) return;
  ctx.set_output(0, ctx.input(0).dtype, slice_dims(ctx).out_shape);
}
void slice_eval(NodeContext& ctx) {
  const auto s = slice_dims(ctx);
  if (ctx.output(0).dynamic) ctx.resize_output(0, s.out_shape);
  const auto& in = ctx.input(0);
  const size_t es = elem_size(in.dtype), rank = s.size.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * in.shape[k];
  const int64_t n = element_count(s.size);
  auto dst = ctx.output(0).mutable_raw();
  std::vector<int64_t> idx(rank, 0);
  int64_t src = 0;
  for (size_t d = 0; d < rank; ++d) src += s.begin[d] * in_strides[d];
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst.data() + i * int64_t(es), in.data + src * int64_t(es), es);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      src += s.stride[d] * in_strides[d];
      if (idx[d] < s.size[d]) break;
      src -= s.stride[d] * in_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

// ---- PAD / PADV2 / MIRROR_PAD --------------------------------------------------------------
std::vector<std::pair<int64_t, int64_t>> paddings_of(NodeContext& ctx) {
  const auto values = indices_of(ctx, 1);
  const auto rank = static_cast<size_t>(ctx.input(0).rank());
  if (values.size() != rank * 2) ctx.unsupported("paddings must be [rank, 2]");
  std::vector<std::pair<int64_t, int64_t>> p;
  for (size_t d = 0; d < rank; ++d) {
    if (values[2 * d] < 0 || values[2 * d + 1] < 0) ctx.unsupported("negative padding");
    p.emplace_back(values[2 * d], values[2 * d + 1]);
  }
  return p;
}
void pad_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& in = ctx.input(0);
  if (!static_inputs(ctx, {1}, in.dtype)) return;
  auto shape = in.shape;
  const auto p = paddings_of(ctx);
  for (size_t d = 0; d < shape.size(); ++d) shape[d] += p[d].first + p[d].second;
  if (ctx.node().op.name == "MIRROR_PAD") {
    const int64_t extra = ctx.attr_enum("mode", {"REFLECT", "SYMMETRIC"}) == 0 ? 1 : 0;
    for (size_t d = 0; d < p.size(); ++d)
      if (p[d].first > in.shape[d] - extra || p[d].second > in.shape[d] - extra)
        ctx.unsupported("mirror padding larger than the dimension");
  }
  ctx.set_output(0, in.dtype, shape);
}
void pad_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto p = paddings_of(ctx);
  if (ctx.output(0).dynamic) {
    auto shape = in.shape;
    for (size_t d = 0; d < shape.size(); ++d) shape[d] += p[d].first + p[d].second;
    ctx.resize_output(0, shape);
  }
  auto& out = ctx.output(0);
  const size_t es = elem_size(in.dtype), rank = in.shape.size();
  const bool mirror = ctx.node().op.name == "MIRROR_PAD";
  const bool reflect = mirror && ctx.attr_enum("mode", {"REFLECT", "SYMMETRIC"}) == 0;
  // Pad value: PADV2's input 2, else zero (the zero point for quantized tensors).
  std::vector<std::byte> fill(es, std::byte{0});
  if (ctx.node().op.name == "PADV2" && ctx.has_input(2)) {
    std::memcpy(fill.data(), ctx.input(2).data, es);
  } else if (!in.quant().zero_points.empty()) {
    const int64_t zp = in.quant().zero_points[0];
    if (in.dtype == DType::Int8) fill[0] = static_cast<std::byte>(static_cast<int8_t>(zp));
    if (in.dtype == DType::UInt8) fill[0] = static_cast<std::byte>(static_cast<uint8_t>(zp));
    if (in.dtype == DType::Int16) {
      const auto v = static_cast<int16_t>(zp);
      std::memcpy(fill.data(), &v, 2);
    }
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * in.shape[k];
  const int64_t n = out.element_count();
  auto dst = out.mutable_raw();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      int64_t c = idx[d] - p[d].first;
      const int64_t dim = in.shape[d];
      if (c < 0 || c >= dim) {
        if (!mirror) {
          inside = false;
          break;
        }
        if (c < 0)
          c = reflect ? -c : -c - 1;
        else
          c = reflect ? 2 * dim - 2 - c : 2 * dim - 1 - c;
      }
      src += c * in_strides[d];
    }
    std::memcpy(dst.data() + i * int64_t(es), inside ? in.data + src * int64_t(es) : fill.data(),
                es);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out.shape[d]) break;
      idx[d] = 0;
    }
  }
}

// ---- TILE / BROADCAST_TO -------------------------------------------------------------------
std::vector<int64_t> tile_shape(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (ctx.node().op.name == "BROADCAST_TO") {
    auto target = indices_of(ctx, 1);
    auto shape = broadcast_shapes(in.shape, target);
    if (!shape || *shape != target) ctx.unsupported("input does not broadcast to the shape");
    return target;
  }
  const auto mult = indices_of(ctx, 1);
  if (mult.size() != in.shape.size()) ctx.unsupported("multiples rank differs");
  auto shape = in.shape;
  for (size_t d = 0; d < shape.size(); ++d) shape[d] *= mult[d];
  return shape;
}
void tile_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  if (!static_inputs(ctx, {1}, ctx.input(0).dtype)) return;
  ctx.set_output(0, ctx.input(0).dtype, tile_shape(ctx));
}
void tile_eval(NodeContext& ctx) {
  if (ctx.output(0).dynamic) ctx.resize_output(0, tile_shape(ctx));
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  const size_t es = elem_size(in.dtype), rank = out.shape.size();
  std::vector<int64_t> in_shape(rank - in.shape.size(), 1);
  in_shape.insert(in_shape.end(), in.shape.begin(), in.shape.end());
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * in_shape[k];
  const int64_t n = out.element_count();
  auto dst = out.mutable_raw();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += (idx[d] % in_shape[d]) * in_strides[d];
    std::memcpy(dst.data() + i * int64_t(es), in.data + src * int64_t(es), es);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out.shape[d]) break;
      idx[d] = 0;
    }
  }
}

// ---- GATHER / GATHER_ND --------------------------------------------------------------------
void gather_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& params = ctx.input(0);
  const auto& idx = ctx.input(1);
  const int64_t axis = norm_axis(ctx, ctx.attr_int("axis", 0), params.rank());
  const int64_t batch_dims = ctx.attr_int("batch_dims", 0);
  if (batch_dims != 0) ctx.unsupported("batch_dims != 0 is not supported");
  std::vector<int64_t> shape(params.shape.begin(), params.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), params.shape.begin() + axis + 1, params.shape.end());
  ctx.set_output(0, params.dtype, shape);
}
void gather_eval(NodeContext& ctx) {
  const auto& params = ctx.input(0);
  const auto indices = int_values(ctx.input(1));
  const int64_t axis = norm_axis(ctx, ctx.attr_int("axis", 0), params.rank());
  const size_t es = elem_size(params.dtype);
  int64_t outer = 1, inner = int64_t(es);
  for (int64_t d = 0; d < axis; ++d) outer *= params.shape[size_t(d)];
  for (int64_t d = axis + 1; d < params.rank(); ++d) inner *= params.shape[size_t(d)];
  const int64_t dim = params.shape[size_t(axis)];
  auto dst = ctx.output(0).mutable_raw();
  int64_t o = 0;
  for (int64_t k = 0; k < outer; ++k)
    for (auto index : indices) {
      if (index < 0 || index >= dim)
        throw std::out_of_range(fmt::format("GATHER index {} outside [0, {})", index, dim));
      std::memcpy(dst.data() + o, params.data + (k * dim + index) * inner, size_t(inner));
      o += inner;
    }
}

void gather_nd_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  const auto& params = ctx.input(0);
  const auto& idx = ctx.input(1);
  const int64_t depth = idx.dim(-1);
  if (depth > params.rank()) ctx.unsupported("index depth exceeds params rank");
  std::vector<int64_t> shape(idx.shape.begin(), idx.shape.end() - 1);
  shape.insert(shape.end(), params.shape.begin() + depth, params.shape.end());
  ctx.set_output(0, params.dtype, shape);
}
void gather_nd_eval(NodeContext& ctx) {
  const auto& params = ctx.input(0);
  const auto& idx_t = ctx.input(1);
  const auto indices = int_values(idx_t);
  const int64_t depth = idx_t.dim(-1);
  const size_t es = elem_size(params.dtype);
  int64_t slice = int64_t(es);
  for (int64_t d = depth; d < params.rank(); ++d) slice *= params.shape[size_t(d)];
  auto dst = ctx.output(0).mutable_raw();
  const int64_t count = depth ? int64_t(indices.size()) / depth : 0;
  for (int64_t k = 0; k < count; ++k) {
    int64_t off = 0;
    for (int64_t d = 0; d < depth; ++d) {
      const int64_t v = indices[size_t(k * depth + d)];
      if (v < 0 || v >= params.shape[size_t(d)])
        throw std::out_of_range("GATHER_ND index out of range");
      off = off * params.shape[size_t(d)] + v;
    }
    std::memcpy(dst.data() + k * slice, params.data + off * slice, size_t(slice));
  }
}

// ---- FILL / SHAPE --------------------------------------------------------------------------
void fill_prepare(NodeContext& ctx) {
  if (!static_inputs(ctx, {0}, ctx.input(1).dtype)) return;
  ctx.set_output(0, ctx.input(1).dtype, indices_of(ctx, 0));
}
void fill_eval(NodeContext& ctx) {
  if (ctx.output(0).dynamic) ctx.resize_output(0, indices_of(ctx, 0));
  const auto& value = ctx.input(1);
  const size_t es = elem_size(value.dtype);
  auto dst = ctx.output(0).mutable_raw();
  for (size_t o = 0; o + es <= dst.size(); o += es) std::memcpy(dst.data() + o, value.data, es);
}

void shape_prepare(NodeContext& ctx) {
  const auto out_type = ctx.attr_enum("out_type", {}, 2);  // TensorType INT32 = 2, INT64 = 4
  const DType dtype =
      out_type == 4 || ctx.attr_string("out_type") == "INT64" ? DType::Int64 : DType::Int32;
  ctx.set_output(0, dtype, {ctx.input(0).rank()});
}
void shape_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  for (size_t d = 0; d < in.shape.size(); ++d) {
    if (out.dtype == DType::Int64)
      out.mutable_view<int64_t>()[d] = in.shape[d];
    else
      out.mutable_view<int32_t>()[d] = static_cast<int32_t>(in.shape[d]);
  }
}

// ---- DEPTH_TO_SPACE / SPACE_TO_DEPTH -------------------------------------------------------
void d2s_prepare(NodeContext& ctx) {
  same_quantization(ctx);
  require_rank(ctx, 0, 4);
  const auto& in = ctx.input(0);
  const int64_t bs = ctx.attr_int("block_size", 1);
  if (bs <= 0) ctx.unsupported("block_size must be positive");
  if (ctx.node().op.name == "DEPTH_TO_SPACE") {
    if (in.dim(3) % (bs * bs)) ctx.unsupported("depth not divisible by block_size^2");
    ctx.set_output(0, in.dtype, {in.dim(0), in.dim(1) * bs, in.dim(2) * bs, in.dim(3) / (bs * bs)});
  } else {
    if (in.dim(1) % bs || in.dim(2) % bs)
      ctx.unsupported("height/width not divisible by block_size");
    ctx.set_output(0, in.dtype, {in.dim(0), in.dim(1) / bs, in.dim(2) / bs, in.dim(3) * bs * bs});
  }
}
void d2s_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  const int64_t bs = ctx.attr_int("block_size", 1);
  const size_t es = elem_size(in.dtype);
  const bool d2s = ctx.node().op.name == "DEPTH_TO_SPACE";
  // Iterate over the deep (small spatial) side; map to the shallow side.
  const auto& deep = d2s ? in : out;
  const auto& wide = d2s ? out : in;
  auto dst = out.mutable_raw();
  for (int64_t b = 0; b < deep.dim(0); ++b)
    for (int64_t y = 0; y < deep.dim(1); ++y)
      for (int64_t x = 0; x < deep.dim(2); ++x)
        for (int64_t c = 0; c < deep.dim(3); ++c) {
          const int64_t oc = c % wide.dim(3), block = c / wide.dim(3);
          const int64_t wy = y * bs + block / bs, wx = x * bs + block % bs;
          const int64_t deep_i = ((b * deep.dim(1) + y) * deep.dim(2) + x) * deep.dim(3) + c;
          const int64_t wide_i = ((b * wide.dim(1) + wy) * wide.dim(2) + wx) * wide.dim(3) + oc;
          const int64_t s = d2s ? deep_i : wide_i, d = d2s ? wide_i : deep_i;
          std::memcpy(dst.data() + d * int64_t(es), in.data + s * int64_t(es), es);
        }
}

const RegisterKernel kReshape({"RESHAPE"}, {DType::Unknown}, {reshape_prepare, copy_eval});
const RegisterKernel kSqueeze({"SQUEEZE"}, {DType::Unknown}, {squeeze_prepare, copy_eval});
const RegisterKernel kExpand({"EXPAND_DIMS"}, {DType::Unknown}, {expand_dims_prepare, copy_eval});
const RegisterKernel kTranspose({"TRANSPOSE"}, {DType::Unknown},
                                {transpose_prepare, transpose_eval});
const RegisterKernel kConcat({"CONCATENATION", "PACK"}, {DType::Unknown},
                             {concat_prepare, concat_eval});
const RegisterKernel kSplit({"SPLIT", "SPLIT_V", "UNPACK"}, {DType::Unknown},
                            {split_prepare, split_eval});
const RegisterKernel kSlice({"SLICE", "STRIDED_SLICE"}, {DType::Unknown},
                            {slice_prepare, slice_eval});
const RegisterKernel kPad({"PAD", "PADV2", "MIRROR_PAD"}, {DType::Unknown},
                          {pad_prepare, pad_eval});
const RegisterKernel kTile({"TILE", "BROADCAST_TO"}, {DType::Unknown}, {tile_prepare, tile_eval});
const RegisterKernel kGather({"GATHER"}, {DType::Unknown}, {gather_prepare, gather_eval});
const RegisterKernel kGatherNd({"GATHER_ND"}, {DType::Unknown},
                               {gather_nd_prepare, gather_nd_eval});
const RegisterKernel kFill({"FILL"}, {DType::Unknown}, {fill_prepare, fill_eval});
const RegisterKernel kShape({"SHAPE"}, {DType::Unknown}, {shape_prepare, shape_eval});
const RegisterKernel kD2s({"DEPTH_TO_SPACE", "SPACE_TO_DEPTH"}, {DType::Unknown},
                          {d2s_prepare, d2s_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
