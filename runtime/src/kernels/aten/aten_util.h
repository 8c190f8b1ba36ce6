// Helpers shared by the ExecuTorch (aten / dim_order_ops) kernels: dtype dispatch over the
// ScalarTypes the portable kernels handle, PyTorch type promotion, conversions between dtypes and
// the check that every input actually holds data.
//
// ExecuTorch kernels write into `out` tensors whose dtype the exporter chose (the program records
// it); our kernels take the output dtype from the model's tensor and compute in the promoted type
// of the inputs, as the portable kernels do (kernels/portable/cpu/op_*.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime::kernels::aten {

// Calls fn(T{}) with the C++ type of `dtype`; false when the dtype is not one of the plain
// numeric types (bool is stored as one byte, read and written as uint8_t 0/1).
template <class Fn>
bool visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Bool:
      fn(bool{});
      return true;
    case DType::UInt8:
      fn(uint8_t{});
      return true;
    case DType::Int8:
      fn(int8_t{});
      return true;
    case DType::Int16:
      fn(int16_t{});
      return true;
    case DType::Int32:
      fn(int32_t{});
      return true;
    case DType::Int64:
      fn(int64_t{});
      return true;
    case DType::Float32:
      fn(float{});
      return true;
    case DType::Float64:
      fn(double{});
      return true;
    default:
      return false;
  }
}

inline bool is_plain_numeric(DType dtype) {
  return visit_dtype(dtype, [](auto) {});
}

// c10::promoteTypes on the types above: bool < integers < floats; within integers the wider
// wins, and uint8 with int8 gives int16. nullopt for dtypes outside that set.
inline std::optional<DType> promote_types(DType a, DType b) {
  if (!is_plain_numeric(a) || !is_plain_numeric(b)) return std::nullopt;
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  const bool fa = dtype_is_float(a), fb = dtype_is_float(b);
  if (fa != fb) return fa ? a : b;
  if (fa) return dtype_bits(a) >= dtype_bits(b) ? a : b;
  if ((a == DType::UInt8 && b == DType::Int8) || (a == DType::Int8 && b == DType::UInt8))
    return DType::Int16;
  if (a == DType::UInt8) return b;  // uint8 with int16/32/64: the signed one
  if (b == DType::UInt8) return a;
  return dtype_bits(a) >= dtype_bits(b) ? a : b;
}

// c10::canCast: no float -> integer/bool and no integer -> bool narrowing of the category.
inline bool can_cast(DType from, DType to) {
  if (dtype_is_float(from) && !dtype_is_float(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

// One element of a tensor of type From as type To, as static_cast (to bool: != 0).
template <class To, class From>
To convert(From v) {
  if constexpr (std::is_same_v<To, bool>)
    return v != From(0);
  else
    return static_cast<To>(v);
}

// Element i of a tensor's bytes (unaligned-safe; bool is one byte).
template <class T>
T load_element(const std::byte* data, size_t i) {
  if constexpr (std::is_same_v<T, bool>) {
    return std::to_integer<uint8_t>(data[i]) != 0;
  } else {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    return v;
  }
}
template <class T>
void store_element(std::byte* data, size_t i, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    data[i] = std::byte{static_cast<uint8_t>(v ? 1 : 0)};
  } else {
    std::memcpy(data + i * sizeof(T), &v, sizeof(T));
  }
}

// The whole tensor as C values (a converting copy; the tensors of .pte programs that reach these
// kernels are small, and one code path per compute type keeps the kernels short).
template <class C>
std::vector<C> values_as(const TensorBuffer& t) {
  const auto n = static_cast<size_t>(t.element_count());
  std::vector<C> out(n);
  visit_dtype(t.dtype, [&]<class T>(T) {
    for (size_t i = 0; i < n; ++i) out[i] = convert<C>(load_element<T>(t.data, i));
  });
  return out;
}

// Writes C values into `out`, converting to its dtype.
template <class C>
void store_values(std::span<const C> values, TensorBuffer& out) {
  std::byte* data = out.mutable_raw().data();
  visit_dtype(out.dtype, [&]<class T>(T) {
    for (size_t i = 0; i < values.size(); ++i) store_element<T>(data, i, convert<T>(values[i]));
  });
}

// Elementwise dtype conversion of a whole tensor into `out` (same element count).
inline void convert_tensor(const TensorBuffer& in, TensorBuffer& out) {
  const auto n = static_cast<size_t>(in.element_count());
  if (n == 0) return;  // no memcpy from a null buffer
  if (in.dtype == out.dtype) {
    std::memcpy(out.mutable_raw().data(), in.data, in.byte_size());
    return;
  }
  std::byte* dst = out.mutable_raw().data();
  visit_dtype(in.dtype, [&]<class From>(From) {
    visit_dtype(out.dtype, [&]<class To>(To) {
      for (size_t i = 0; i < n; ++i)
        store_element<To>(dst, i, convert<To>(load_element<From>(in.data, i)));
    });
  });
}

// The dtype the program declares for output i (ExecuTorch's out argument).
inline DType declared_output_dtype(NodeContext& ctx, size_t i) {
  const auto& out = ctx.output(i);
  return out.ir ? out.ir->dtype : out.dtype;
}

// Refuses inputs that hold no data: not a graph input, not a constant or mutable buffer and not
// written by an earlier node. ExecuTorch programs exported with external weights keep them in a
// separate .ptd file, and values aliased by the memory planner (a view folded away) have no
// producer either; reading them would read garbage.
inline void require_defined_inputs(NodeContext& ctx) {
  const Graph& g = ctx.graph();
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) continue;
    const int32_t id = ctx.node().inputs[i];
    const Tensor& t = g.tensors[static_cast<size_t>(id)];
    if (t.is_constant || t.is_variable) continue;
    if (std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end()) continue;
    bool produced = false;
    for (const Node& n : g.nodes) {
      if (n.id >= ctx.node().id) break;
      produced |= std::find(n.outputs.begin(), n.outputs.end(), id) != n.outputs.end();
    }
    if (produced) continue;
    const bool external = t.external_offset == 0 && t.data.empty() && !t.placement;
    ctx.unsupported(fmt::format(
        "input {} '{}' holds no data: it is no graph input, constant or earlier node's output{}", i,
        t.name,
        external
            ? " (its data live outside the .pte, in a .ptd file: none holding it was found next to "
              "the .pte; pass --data FILE.ptd)"
            : " (a value the ExecuTorch memory planner aliases to another one)"));
  }
}

}  // namespace edgelens::runtime::kernels::aten
