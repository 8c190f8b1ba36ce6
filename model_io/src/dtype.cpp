#include "edgelens/model_io/dtype.h"

namespace edgelens {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Unknown: return "unknown";
    case DType::Bool: return "bool";
    case DType::Int2: return "int2";
    case DType::Int4: return "int4";
    case DType::UInt4: return "uint4";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::UInt16: return "uint16";
    case DType::Int32: return "int32";
    case DType::UInt32: return "uint32";
    case DType::Int64: return "int64";
    case DType::UInt64: return "uint64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Float8E4M3FN: return "float8_e4m3fn";
    case DType::Float8E5M2: return "float8_e5m2";
    case DType::Complex64: return "complex64";
    case DType::Complex128: return "complex128";
    case DType::String: return "string";
    case DType::Resource: return "resource";
    case DType::Variant: return "variant";
    case DType::QInt32: return "qint32";
  }
  return "unknown";
}

unsigned dtype_bits(DType t) {
  switch (t) {
    case DType::Int2: return 2;
    case DType::Int4:
    case DType::UInt4: return 4;
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8:
    case DType::Float8E4M3FN:
    case DType::Float8E5M2: return 8;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16:
    case DType::BFloat16: return 16;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32:
    case DType::QInt32: return 32;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64:
    case DType::Complex64: return 64;
    case DType::Complex128: return 128;
    case DType::Unknown:
    case DType::String:
    case DType::Resource:
    case DType::Variant: return 0;
  }
  return 0;
}

bool dtype_is_float(DType t) {
  switch (t) {
    case DType::Float16:
    case DType::BFloat16:
    case DType::Float32:
    case DType::Float64:
    case DType::Float8E4M3FN:
    case DType::Float8E5M2: return true;
    default: return false;
  }
}

bool dtype_is_integer(DType t) {
  switch (t) {
    case DType::Int2:
    case DType::Int4:
    case DType::UInt4:
    case DType::Int8:
    case DType::UInt8:
    case DType::Int16:
    case DType::UInt16:
    case DType::Int32:
    case DType::UInt32:
    case DType::Int64:
    case DType::UInt64:
    case DType::QInt32: return true;
    default: return false;
  }
}

}  // namespace edgelens
