// Element types across formats. TFLite TensorType, ExecuTorch ScalarType and XNNPACK datatypes
// all map onto this one enum.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgelens {

enum class DType : uint8_t {
  Unknown,
  Bool,
  Int2,
  Int4,
  UInt4,
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Int64,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  Float8E4M3FN,
  Float8E5M2,
  Complex64,
  Complex128,
  String,
  Resource,
  Variant,
  QInt32,   // ExecuTorch/XNNPACK 32-bit quantized (bias)
};

// Short lowercase name as numpy/Model Explorer spell it ("float32", "int8", ...).
std::string_view dtype_name(DType t);
// Storage bits per element; 0 for variable-size types (string, resource, variant).
unsigned dtype_bits(DType t);
bool dtype_is_float(DType t);
bool dtype_is_integer(DType t);  // signed/unsigned integers and QInt32; not Bool

}  // namespace edgelens
