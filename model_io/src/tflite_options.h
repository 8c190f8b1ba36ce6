// Builtin options tables <-> Attributes, driven by the shared schema tables, so the reader and
// the writer agree on every name and type.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <span>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"
#include "tflite_schema_tables.h"

namespace edgelens::tflite_detail {

// Every field of a verified options table as an Attribute (absent fields with their schema
// defaults, enums by value name). Deprecated fields are left out.
void decode_options(const tflite_tables::TableDesc& desc, const flatbuffers::Table& table,
                    std::vector<Attribute>& out);

// Serialises `attrs` as the options table `desc` for op `op_name`. Throws std::invalid_argument
// naming the op and the attribute when a name is unknown or a value has the wrong type/range.
flatbuffers::Offset<void> encode_options(flatbuffers::FlatBufferBuilder& fbb,
                                         const tflite_tables::TableDesc& desc,
                                         std::span<const Attribute> attrs,
                                         std::string_view op_name);

}  // namespace edgelens::tflite_detail
