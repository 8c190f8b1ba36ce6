// CAST between bool, integer and float32/float64 types (static_cast, as TFLite's cast kernel;
// to bool: value != 0).
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

template <class From>
void cast_from(const TensorBuffer& in, TensorBuffer& out) {
  const auto src = in.view<From>();
  const auto n = static_cast<size_t>(in.element_count());
  auto write = [&]<class To>(To) {
    auto dst = out.mutable_view<To>();
    for (size_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<To, bool>)
        dst[i] = src[i] != From(0);
      else
        dst[i] = static_cast<To>(src[i]);
    }
  };
  switch (out.dtype) {
    case DType::Float32:
      return write(float{});
    case DType::Float64:
      return write(double{});
    case DType::Int8:
      return write(int8_t{});
    case DType::UInt8:
      return write(uint8_t{});
    case DType::Int16:
      return write(int16_t{});
    case DType::UInt16:
      return write(uint16_t{});
    case DType::Int32:
      return write(int32_t{});
    case DType::UInt32:
      return write(uint32_t{});
    case DType::Int64:
      return write(int64_t{});
    case DType::Bool: {
      auto dst = out.mutable_view<uint8_t>();
      for (size_t i = 0; i < n; ++i) dst[i] = src[i] != From(0) ? 1 : 0;
      return;
    }
    default:
      throw std::invalid_argument(
          fmt::format("CAST to {} is not supported", dtype_name(out.dtype)));
  }
}

bool castable(DType d) {
  switch (d) {
    case DType::Float32:
    case DType::Float64:
    case DType::Int8:
    case DType::UInt8:
    case DType::Int16:
    case DType::UInt16:
    case DType::Int32:
    case DType::UInt32:
    case DType::Int64:
    case DType::Bool:
      return true;
    default:
      return false;
  }
}

void cast_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const DType to = ctx.output(0).ir->dtype;
  if (!castable(in.dtype) || !castable(to))
    ctx.unsupported(
        fmt::format("CAST {} -> {} is not supported", dtype_name(in.dtype), dtype_name(to)));
  ctx.set_output(0, to, in.shape);
}

void cast_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto& out = ctx.output(0);
  switch (in.dtype) {
    case DType::Float32:
      return cast_from<float>(in, out);
    case DType::Float64:
      return cast_from<double>(in, out);
    case DType::Int8:
      return cast_from<int8_t>(in, out);
    case DType::UInt8:
      return cast_from<uint8_t>(in, out);
    case DType::Int16:
      return cast_from<int16_t>(in, out);
    case DType::UInt16:
      return cast_from<uint16_t>(in, out);
    case DType::Int32:
      return cast_from<int32_t>(in, out);
    case DType::UInt32:
      return cast_from<uint32_t>(in, out);
    case DType::Int64:
      return cast_from<int64_t>(in, out);
    case DType::Bool:
      return cast_from<uint8_t>(in, out);
    default:
      ctx.unsupported("unsupported CAST input");
  }
}

const RegisterKernel kCast("CAST", DType::Unknown, {cast_prepare, cast_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
