// STRIDED_SLICE on quantized tensors with TFLite's index rules (strided_slice_logic.h: masks,
// negative indices, clamping, shrink_axis, offset). Values are copied, never rescaled.
#include <cstring>
#include <limits>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct SliceState {
  std::vector<int64_t> start, stop, stride;  // per input axis
};

std::vector<int64_t> values_of(const NodeContext& ctx, size_t i) {
  if (!ctx.input_is_constant(i))
    ctx.unsupported("STRIDED_SLICE with non-constant begin/end/strides");
  const auto& t = ctx.input(i);
  std::vector<int64_t> v;
  if (t.dtype == DType::Int32)
    for (auto x : t.view<int32_t>()) v.push_back(x);
  else if (t.dtype == DType::Int64)
    for (auto x : t.view<int64_t>()) v.push_back(x);
  else
    ctx.unsupported("begin/end/strides must be int32 or int64");
  return v;
}

void slice_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  auto begin = values_of(ctx, 1), end = values_of(ctx, 2), strides = values_of(ctx, 3);
  if (ctx.attr_int("ellipsis_mask") != 0 || ctx.attr_int("new_axis_mask") != 0)
    ctx.unsupported("STRIDED_SLICE ellipsis_mask/new_axis_mask on quantized tensors");
  const int rank = input.rank();
  if (begin.size() != end.size() || begin.size() != strides.size() ||
      static_cast<int>(begin.size()) > rank)
    ctx.unsupported("begin/end/strides lengths disagree with the input rank");
  auto begin_mask = ctx.attr_int("begin_mask"), end_mask = ctx.attr_int("end_mask");
  const auto shrink_mask = ctx.attr_int("shrink_axis_mask");
  const bool offset = ctx.attr_bool("offset", false);
  // Axes past the given indices are taken whole.
  for (int d = static_cast<int>(begin.size()); d < rank; ++d) {
    begin.push_back(0);
    end.push_back(0);
    strides.push_back(1);
    begin_mask |= int64_t{1} << d;
    end_mask |= int64_t{1} << d;
  }
  auto& st = ctx.state<SliceState>();
  st = {};
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d) {
    const auto du = static_cast<size_t>(d);
    const int64_t size = input.dim(d), s = strides[du];
    if (s == 0) ctx.unsupported("stride 0");
    int64_t start = begin[du];
    int64_t stop = offset ? begin[du] + end[du] : end[du];
    if (size == 0) {
      start = stop = 0;
    } else {
      if (begin_mask & (int64_t{1} << d))
        start =
            s > 0 ? std::numeric_limits<int32_t>::lowest() : std::numeric_limits<int32_t>::max();
      if (start < 0) start += size;
      start =
          s > 0 ? std::clamp<int64_t>(start, 0, size) : std::clamp<int64_t>(start, -1, size - 1);
      if (shrink_mask & (int64_t{1} << d)) {
        stop = start + 1;
      } else {
        if (end_mask & (int64_t{1} << d))
          stop =
              s > 0 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::lowest();
        if (stop < 0) stop += size;
        stop = s > 0 ? std::clamp<int64_t>(stop, 0, size) : std::clamp<int64_t>(stop, -1, size - 1);
      }
    }
    st.start.push_back(start);
    st.stop.push_back(stop);
    st.stride.push_back(s);
    int64_t n = s > 0 ? (stop - start + s - 1) / s : (start - stop + (-s) - 1) / (-s);
    n = std::max<int64_t>(n, 0);
    if (!(shrink_mask & (int64_t{1} << d))) shape.push_back(n);
  }
  ctx.set_output(0, input.dtype, std::move(shape));
}

void slice_eval(NodeContext& ctx) {
  const auto& st = ctx.state<SliceState>();
  const auto& input = ctx.input(0);
  const size_t esize = dtype_bits(input.dtype) / 8;
  const int rank = input.rank();
  std::vector<int64_t> in_stride(static_cast<size_t>(rank), 1), count(static_cast<size_t>(rank));
  for (int d = rank - 2; d >= 0; --d)
    in_stride[static_cast<size_t>(d)] = in_stride[static_cast<size_t>(d + 1)] * input.dim(d + 1);
  int64_t total = 1;
  for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
    const int64_t s = st.stride[d];
    const int64_t n = s > 0 ? (st.stop[d] - st.start[d] + s - 1) / s
                            : (st.start[d] - st.stop[d] + (-s) - 1) / (-s);
    count[d] = std::max<int64_t>(n, 0);
    total *= count[d];
  }
  if (total == 0) return;
  const auto src = input.raw();
  auto dst = ctx.output(0).mutable_raw();
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t o = 0; o < total; ++o) {
    int64_t offset = 0;
    for (size_t d = 0; d < static_cast<size_t>(rank); ++d)
      offset += (st.start[d] + idx[d] * st.stride[d]) * in_stride[d];
    std::memcpy(&dst[static_cast<size_t>(o) * esize], &src[static_cast<size_t>(offset) * esize],
                esize);
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < count[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

const RegisterKernel kSliceQ({"STRIDED_SLICE"}, {DType::Int8, DType::UInt8, DType::Int16},
                             {slice_prepare, slice_eval});

}  // namespace
}  // namespace edgelens::runtime
