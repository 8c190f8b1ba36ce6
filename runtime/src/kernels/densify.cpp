// DENSIFY: expands a sparse constant (TFLite sparsity: traversal order, block map, DENSE /
// SPARSE_CSR dimension metadata) into its dense tensor, element bytes unchanged (any dtype), as
// TFLite's FormatConverter::SparseToDense does.
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct Densifier {
  const Sparsity& sp;
  std::vector<int64_t> dense_shape;
  std::vector<int64_t> block_size;  // per block dim
  size_t es;
  const std::byte* src;
  size_t src_bytes;
  std::byte* dst;
  size_t next = 0;  // next source element

  void populate(std::vector<int64_t>& idx, size_t level, int64_t prev) {
    if (level == idx.size()) {
      const size_t rank = dense_shape.size();
      std::vector<int64_t> orig(rank, 0);
      size_t i = 0;
      for (; i < rank; ++i) orig[size_t(sp.traversal_order[i])] = idx[i];
      for (; i < idx.size(); ++i) {
        const auto block = static_cast<size_t>(sp.traversal_order[i]) - rank;
        const auto dim = static_cast<size_t>(sp.block_map.at(block));
        orig[dim] = orig[dim] * block_size[block] + idx[i];
      }
      int64_t flat = 0;
      for (size_t d = 0; d < rank; ++d) {
        if (orig[d] >= dense_shape[d])
          throw std::out_of_range("DENSIFY index outside the dense shape");
        flat = flat * dense_shape[d] + orig[d];
      }
      if ((next + 1) * es > src_bytes)
        throw std::out_of_range("DENSIFY reads past the sparse values");
      std::memcpy(dst + flat * int64_t(es), src + next * es, es);
      ++next;
      return;
    }
    const auto& dim = sp.dims.at(level);
    if (!dim.sparse_csr) {
      for (int64_t i = 0; i < dim.dense_size; ++i) {
        idx[level] = i;
        populate(idx, level + 1, prev * dim.dense_size + i);
      }
      return;
    }
    if (prev + 1 >= static_cast<int64_t>(dim.segments.size()))
      throw std::out_of_range("DENSIFY segment index");
    for (int32_t i = dim.segments[size_t(prev)]; i < dim.segments[size_t(prev + 1)]; ++i) {
      idx[level] = dim.indices.at(size_t(i));
      populate(idx, level + 1, i);
    }
  }
};

void densify_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (!in.ir || !in.ir->sparsity) ctx.unsupported("input has no sparsity parameters");
  if (!in.constant) ctx.unsupported("input must be constant");
  const auto& sp = *in.ir->sparsity;
  if (sp.traversal_order.size() != sp.dims.size() || sp.traversal_order.size() < in.shape.size())
    ctx.unsupported("sparsity metadata does not match the tensor rank");
  ctx.set_output(0, in.dtype, in.shape);
}

void densify_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto& sp = *in.ir->sparsity;
  auto& out = ctx.output(0);
  auto dst = out.mutable_raw();
  std::memset(dst.data(), 0, dst.size());
  Densifier d{sp,      in.shape, {},        std::max(1u, dtype_bits(in.dtype) / 8),
              in.data, in.bytes, dst.data()};
  for (size_t k = in.shape.size(); k < sp.dims.size(); ++k)
    d.block_size.push_back(sp.dims[k].dense_size);
  std::vector<int64_t> idx(sp.traversal_order.size(), 0);
  d.populate(idx, 0, 0);
}

const RegisterKernel kDensify("DENSIFY", DType::Unknown, {densify_prepare, densify_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
