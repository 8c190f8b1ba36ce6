// Pieces of the .tflite reader shared between its files. Private to model_io.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/schema/tflite_generated.h"

namespace edgelens::tflite_detail {

// Elements of a verified vector, read without assuming alignment: the Verifier only guarantees
// 4-byte alignment of vectors, so 8-byte elements ([long], [double]) may sit misaligned.
template <typename T, typename Out = T>
std::vector<Out> vector_values(const flatbuffers::Vector<T>* v) {
  std::vector<Out> out;
  if (!v) return out;
  out.resize(v->size());
  const uint8_t* p = v->Data();
  for (uint32_t i = 0; i < v->size(); ++i) {
    T x;
    std::memcpy(&x, p + static_cast<size_t>(i) * sizeof(T), sizeof(T));
    out[i] = static_cast<Out>(x);
  }
  return out;
}

// TensorType value -> DType (Unknown for values this build does not know).
DType dtype_from_tflite(int8_t type);
// DType -> TensorType value; -1 when TFLite has no such type.
int tflite_from_dtype(DType dtype);

// Quantization of a verified tensor. Problems that make the parameters unusable (mismatched
// scale/zero-point counts, axis out of range) are appended to `problems`.
Quantization decode_quantization(const tflite::QuantizationParameters& q, size_t rank,
                                 std::vector<std::string>& problems);
Sparsity decode_sparsity(const tflite::SparsityParameters& s);

// Custom options written as a flexbuffers map -> attributes (nested maps/vectors summarised).
// Returns false (and fills `problem`) when the bytes are not a well-formed flexbuffer map; every
// read is bounds-checked, since flexbuffers 2.0.8 does little verification of its own.
bool decode_flexbuffer_map(std::span<const std::byte> bytes, std::vector<Attribute>& out,
                           std::string& problem);
// The writer's side: attributes -> flexbuffers map.
std::vector<uint8_t> encode_flexbuffer_map(std::span<const Attribute> attrs);

// Human-readable summary of a metadata buffer by its name.
std::string summarise_metadata(std::string_view name, std::span<const std::byte> bytes);

}  // namespace edgelens::tflite_detail
