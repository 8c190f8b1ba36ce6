// Data-driven description of the TFLite schema parts that the reader and the writer share: the
// builtin op names, every builtin options table (field name, vtable slot, type, default) and the
// enums those fields use. Generated into tflite_schema_tables.cpp by tflite_schema_tables_gen.py.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace edgelens::tflite_tables {

struct EnumValue {
  int64_t value;
  const char* name;
};
struct EnumDesc {
  const char* name;
  std::span<const EnumValue> values;
};

// Storage type of a field as the schema declares it (enums use their underlying type).
enum class FieldKind : uint8_t {
  Bool,
  I8,
  U8,
  I16,
  U16,
  I32,
  U32,
  I64,
  U64,
  F32,
  F64,
  String,
  VecBool,
  VecI8,
  VecU8,
  VecI16,
  VecU16,
  VecI32,
  VecU32,
  VecI64,
  VecU64,
  VecF32,
  VecF64,
  VecString,
};

struct FieldDesc {
  const char* name;
  FieldKind kind;
  uint16_t voffset;           // vtable slot: 4 + 2 * field id
  const EnumDesc* enum_desc;  // non-null when the field is an enum (or vector of one)
  int64_t int_default;
  double float_default;
};

struct TableDesc {
  const char* name;    // "Conv2DOptions"; empty for NONE
  uint8_t union_type;  // the tag in BuiltinOptions / BuiltinOptions2
  std::span<const FieldDesc> fields;
};

struct OpOptions {
  uint8_t which_union;  // 0 = op has no options table, 1 = BuiltinOptions, 2 = BuiltinOptions2
  uint8_t union_type;
};

std::span<const TableDesc> options_tables(int which_union);  // indexed by union type
std::span<const char* const> builtin_op_names();             // indexed by builtin code
std::span<const OpOptions> op_options();                     // indexed by builtin code
const EnumDesc& tensor_type_enum();

inline const char* enum_name(const EnumDesc& e, int64_t value) {
  for (const auto& v : e.values)
    if (v.value == value) return v.name;
  return nullptr;
}
inline bool enum_value(const EnumDesc& e, std::string_view name, int64_t& out) {
  for (const auto& v : e.values)
    if (name == v.name) {
      out = v.value;
      return true;
    }
  return false;
}

}  // namespace edgelens::tflite_tables
