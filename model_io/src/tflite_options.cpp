#include "tflite_options.h"

#include "tflite_internal.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace edgelens::tflite_detail {
namespace {

using tflite_tables::EnumDesc;
using tflite_tables::FieldDesc;
using tflite_tables::FieldKind;
using tflite_tables::TableDesc;

// Byte vectors inside options (composite attributes, custom-call attributes) can be large blobs;
// small ones are shown element by element, larger ones summarised.
constexpr std::size_t kMaxInlineBytes = 64;

AttrValue enum_or_int(const EnumDesc* e, int64_t v) {
  if (e)
    if (const char* n = tflite_tables::enum_name(*e, v)) return std::string(n);
  return v;
}

template <typename T>
T scalar(const flatbuffers::Table& t, const FieldDesc& f) {
  if constexpr (std::is_floating_point_v<T>)
    return t.GetField<T>(f.voffset, static_cast<T>(f.float_default));
  else
    return t.GetField<T>(f.voffset, static_cast<T>(f.int_default));
}

template <typename T>
AttrValue int_vector(const flatbuffers::Table& t, const FieldDesc& f) {
  const auto values = tflite_detail::vector_values<T, int64_t>(
      t.GetPointer<const flatbuffers::Vector<T>*>(f.voffset));
  if (f.enum_desc) {
    std::vector<std::string> names;
    for (int64_t x : values) {
      const char* n = tflite_tables::enum_name(*f.enum_desc, x);
      names.push_back(n ? n : std::to_string(x));
    }
    return names;
  }
  return values;
}

template <typename T>
AttrValue float_vector(const flatbuffers::Table& t, const FieldDesc& f) {
  return tflite_detail::vector_values<T, double>(
      t.GetPointer<const flatbuffers::Vector<T>*>(f.voffset));
}

AttrValue decode_field(const flatbuffers::Table& t, const FieldDesc& f) {
  switch (f.kind) {
    case FieldKind::Bool:
      return scalar<uint8_t>(t, f) != 0;
    case FieldKind::I8:
      return enum_or_int(f.enum_desc, scalar<int8_t>(t, f));
    case FieldKind::U8:
      return enum_or_int(f.enum_desc, scalar<uint8_t>(t, f));
    case FieldKind::I16:
      return enum_or_int(f.enum_desc, scalar<int16_t>(t, f));
    case FieldKind::U16:
      return enum_or_int(f.enum_desc, scalar<uint16_t>(t, f));
    case FieldKind::I32:
      return enum_or_int(f.enum_desc, scalar<int32_t>(t, f));
    case FieldKind::U32:
      return enum_or_int(f.enum_desc, scalar<uint32_t>(t, f));
    case FieldKind::I64:
      return enum_or_int(f.enum_desc, scalar<int64_t>(t, f));
    case FieldKind::U64:
      return enum_or_int(f.enum_desc, static_cast<int64_t>(scalar<uint64_t>(t, f)));
    case FieldKind::F32:
      return static_cast<double>(scalar<float>(t, f));
    case FieldKind::F64:
      return scalar<double>(t, f);
    case FieldKind::String: {
      const auto* s = t.GetPointer<const flatbuffers::String*>(f.voffset);
      return s ? s->str() : std::string();
    }
    case FieldKind::VecBool:
      return int_vector<uint8_t>(t, f);
    case FieldKind::VecI8:
      return int_vector<int8_t>(t, f);
    case FieldKind::VecU8: {
      const auto* v = t.GetPointer<const flatbuffers::Vector<uint8_t>*>(f.voffset);
      if (v && v->size() > kMaxInlineBytes) return fmt::format("<{} bytes>", v->size());
      return int_vector<uint8_t>(t, f);
    }
    case FieldKind::VecI16:
      return int_vector<int16_t>(t, f);
    case FieldKind::VecU16:
      return int_vector<uint16_t>(t, f);
    case FieldKind::VecI32:
      return int_vector<int32_t>(t, f);
    case FieldKind::VecU32:
      return int_vector<uint32_t>(t, f);
    case FieldKind::VecI64:
      return int_vector<int64_t>(t, f);
    case FieldKind::VecU64:
      return int_vector<uint64_t>(t, f);
    case FieldKind::VecF32:
      return float_vector<float>(t, f);
    case FieldKind::VecF64:
      return float_vector<double>(t, f);
    case FieldKind::VecString: {
      const auto* v =
          t.GetPointer<const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>*>(
              f.voffset);
      std::vector<std::string> out;
      if (v)
        for (const auto* s : *v) out.push_back(s ? s->str() : std::string());
      return out;
    }
  }
  return std::monostate{};
}

// ---- writer side ----

[[noreturn]] void bad(std::string_view op, const FieldDesc& f, std::string_view why) {
  throw std::invalid_argument(fmt::format("{}: option {}: {}", op, f.name, why));
}

int64_t to_int(std::string_view op, const FieldDesc& f, const AttrValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  if (const auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    if (f.enum_desc && tflite_tables::enum_value(*f.enum_desc, *s, out)) return out;
    bad(op, f,
        fmt::format("'{}' is not a value of {}", *s,
                    f.enum_desc ? f.enum_desc->name : "an integer field"));
  }
  bad(op, f, "expected an integer");
}

template <typename T>
T checked(std::string_view op, const FieldDesc& f, int64_t v) {
  if constexpr (std::is_same_v<T, uint64_t>) {
    if (v < 0) bad(op, f, fmt::format("{} is out of range", v));
  } else if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
             v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
    bad(op, f, fmt::format("{} is out of range", v));
  }
  return static_cast<T>(v);
}

double to_double(std::string_view op, const FieldDesc& f, const AttrValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  bad(op, f, "expected a number");
}

template <typename T>
flatbuffers::uoffset_t int_vector_out(flatbuffers::FlatBufferBuilder& fbb, std::string_view op,
                                      const FieldDesc& f, const AttrValue& v) {
  std::vector<T> out;
  if (const auto* ints = std::get_if<std::vector<int64_t>>(&v)) {
    for (int64_t x : *ints) out.push_back(checked<T>(op, f, x));
  } else if (const auto* names = std::get_if<std::vector<std::string>>(&v)) {
    for (const auto& n : *names) out.push_back(checked<T>(op, f, to_int(op, f, AttrValue(n))));
  } else {
    bad(op, f, "expected a list of integers");
  }
  return fbb.CreateVector(out).o;
}

template <typename T>
flatbuffers::uoffset_t float_vector_out(flatbuffers::FlatBufferBuilder& fbb, std::string_view op,
                                        const FieldDesc& f, const AttrValue& v) {
  std::vector<T> out;
  if (const auto* ds = std::get_if<std::vector<double>>(&v)) {
    for (double x : *ds) out.push_back(static_cast<T>(x));
  } else if (const auto* ints = std::get_if<std::vector<int64_t>>(&v)) {
    for (int64_t x : *ints) out.push_back(static_cast<T>(x));
  } else {
    bad(op, f, "expected a list of numbers");
  }
  return fbb.CreateVector(out).o;
}

bool is_vector_kind(FieldKind k) {
  return k >= FieldKind::String;
}

flatbuffers::uoffset_t make_offset_field(flatbuffers::FlatBufferBuilder& fbb, std::string_view op,
                                         const FieldDesc& f, const AttrValue& v) {
  switch (f.kind) {
    case FieldKind::String:
      if (const auto* s = std::get_if<std::string>(&v)) return fbb.CreateString(*s).o;
      bad(op, f, "expected a string");
    case FieldKind::VecBool:
    case FieldKind::VecU8:
      return int_vector_out<uint8_t>(fbb, op, f, v);
    case FieldKind::VecI8:
      return int_vector_out<int8_t>(fbb, op, f, v);
    case FieldKind::VecI16:
      return int_vector_out<int16_t>(fbb, op, f, v);
    case FieldKind::VecU16:
      return int_vector_out<uint16_t>(fbb, op, f, v);
    case FieldKind::VecI32:
      return int_vector_out<int32_t>(fbb, op, f, v);
    case FieldKind::VecU32:
      return int_vector_out<uint32_t>(fbb, op, f, v);
    case FieldKind::VecI64:
      return int_vector_out<int64_t>(fbb, op, f, v);
    case FieldKind::VecU64:
      return int_vector_out<uint64_t>(fbb, op, f, v);
    case FieldKind::VecF32:
      return float_vector_out<float>(fbb, op, f, v);
    case FieldKind::VecF64:
      return float_vector_out<double>(fbb, op, f, v);
    case FieldKind::VecString: {
      const auto* ss = std::get_if<std::vector<std::string>>(&v);
      if (!ss) bad(op, f, "expected a list of strings");
      return fbb.CreateVectorOfStrings(*ss).o;
    }
    default:
      break;
  }
  bad(op, f, "internal: not an offset field");
}

void add_scalar(flatbuffers::FlatBufferBuilder& fbb, std::string_view op, const FieldDesc& f,
                const AttrValue& v) {
  // Always written (even when equal to the default) so the file states what the caller set.
  switch (f.kind) {
    case FieldKind::Bool:
      fbb.AddElement<uint8_t>(f.voffset, to_int(op, f, v) != 0 ? 1 : 0);
      break;
    case FieldKind::I8:
      fbb.AddElement<int8_t>(f.voffset, checked<int8_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::U8:
      fbb.AddElement<uint8_t>(f.voffset, checked<uint8_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::I16:
      fbb.AddElement<int16_t>(f.voffset, checked<int16_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::U16:
      fbb.AddElement<uint16_t>(f.voffset, checked<uint16_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::I32:
      fbb.AddElement<int32_t>(f.voffset, checked<int32_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::U32:
      fbb.AddElement<uint32_t>(f.voffset, checked<uint32_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::I64:
      fbb.AddElement<int64_t>(f.voffset, to_int(op, f, v));
      break;
    case FieldKind::U64:
      fbb.AddElement<uint64_t>(f.voffset, checked<uint64_t>(op, f, to_int(op, f, v)));
      break;
    case FieldKind::F32:
      fbb.AddElement<float>(f.voffset, static_cast<float>(to_double(op, f, v)));
      break;
    case FieldKind::F64:
      fbb.AddElement<double>(f.voffset, to_double(op, f, v));
      break;
    default:
      bad(op, f, "internal: not a scalar field");
  }
}

const FieldDesc* find_field(const TableDesc& desc, std::string_view name) {
  for (const auto& f : desc.fields)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

void decode_options(const TableDesc& desc, const flatbuffers::Table& table,
                    std::vector<Attribute>& out) {
  for (const auto& f : desc.fields) out.push_back({f.name, decode_field(table, f)});
}

flatbuffers::Offset<void> encode_options(flatbuffers::FlatBufferBuilder& fbb, const TableDesc& desc,
                                         std::span<const Attribute> attrs,
                                         std::string_view op_name) {
  std::vector<std::pair<const FieldDesc*, const AttrValue*>> fields;
  for (const auto& a : attrs) {
    const FieldDesc* f = find_field(desc, a.name);
    if (!f)
      throw std::invalid_argument(
          fmt::format("{}: {} has no option named '{}'", op_name, desc.name, a.name));
    fields.emplace_back(f, &a.value);
  }
  // Strings and vectors must be serialised before the table is started.
  std::vector<std::pair<uint16_t, flatbuffers::uoffset_t>> offsets;
  for (const auto& [f, v] : fields)
    if (is_vector_kind(f->kind))
      offsets.emplace_back(f->voffset, make_offset_field(fbb, op_name, *f, *v));
  const auto start = fbb.StartTable();
  for (const auto& [voffset, off] : offsets) fbb.AddOffset(voffset, flatbuffers::Offset<void>(off));
  fbb.ForceDefaults(true);
  for (const auto& [f, v] : fields)
    if (!is_vector_kind(f->kind)) add_scalar(fbb, op_name, *f, *v);
  fbb.ForceDefaults(false);
  return flatbuffers::Offset<void>(fbb.EndTable(start));
}

}  // namespace edgelens::tflite_detail
