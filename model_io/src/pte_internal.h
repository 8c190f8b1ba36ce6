// Pieces of the .pte reader shared between its files (private to model_io).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edgelens/model_io/external_data.h"
#include "edgelens/model_io/model.h"
#include "edgelens/model_io/open.h"
#include "edgelens/schema/executorch_program_generated.h"

namespace edgelens::pte {

namespace fb = edgelens_fb::et;

// The optional "eh00" header at byte 8 of a .pte.
struct ExtendedHeader {
  uint32_t length = 0;  // bytes from the magic on (24 in old files, 32 with segment_data_size)
  uint64_t program_size = 0;
  uint64_t segment_base_offset = 0;
  std::optional<uint64_t> segment_data_size;
};

// A located and verified program: the flatbuffer plus the bounds-checked segments after it.
struct ProgramView {
  std::string identifier;  // "ET12"
  std::optional<ExtendedHeader> header;
  std::span<const std::byte> bytes;  // the whole .pte image (a file, or a vector in a .bpte)
  const fb::Program* program = nullptr;
  std::vector<std::span<const std::byte>> segments;               // Program.segments, resolved
  std::unordered_map<std::string_view, uint32_t> named_segments;  // NamedData key -> segment
};

// Checks the identifier and extended header of a .pte image, verifies the flatbuffer and
// resolves every segment. `where` prefixes error places ("embedded program" in a .bpte).
ProgramView open_program(std::span<const std::byte> image, const std::string& file,
                         const std::string& where);

// Finds the bytes of tensors whose data live outside the .pte (location EXTERNAL) in .ptd files:
// the ones OpenOptions names, then (when allowed) <stem>.ptd next to the program and any other
// *.ptd in its folder holding the key. Keeps the mappings for the Model (pte_external_data.cpp).
class ExternalDataResolver {
 public:
  ExternalDataResolver(const std::string& program_path, const OpenOptions& options);
  // Points `t` at the data stored under `key`, or leaves it without data (and remembers it) when
  // no .ptd was found at all. Throws ModelError (program file, `place`) when .ptd files were found
  // but none holds the key, or the stored layout contradicts the tensor.
  void resolve(const std::string& place, const std::string& key, Tensor& t);
  // Moves the mappings into the model and describes where the weights came from.
  void finish(Model& model);

 private:
  struct Source {
    ExternalDataFile data;
    std::string origin;  // "--data", "next to the program", "in the program's folder"
    std::vector<std::string> used_keys;
    int32_t data_file = -1;  // index in Model::data_files once a tensor uses it
  };
  void load_paired();
  void search_folder();
  std::string program_path_;
  bool may_search_folder_ = true;
  bool paired_loaded_ = false;
  bool folder_searched_ = false;
  std::size_t explicit_count_ = 0, paired_count_ = 0;
  std::vector<Source> sources_;
  std::vector<std::shared_ptr<const MappedFile>> used_files_;
  std::vector<std::string> warnings_;
  std::vector<std::string> unresolved_;
};

// Everything the method builder needs to turn one execution plan into a Graph.
struct ReadContext {
  const std::string& file;
  const ProgramView& view;
  Model& model;
  std::span<const std::byte> file_bytes;     // to report absolute file offsets
  ExternalDataResolver* external = nullptr;  // tensors with location EXTERNAL

  uint64_t file_offset(std::span<const std::byte> data) const {
    return static_cast<uint64_t>(data.data() - file_bytes.data());
  }
  std::optional<std::span<const std::byte>> named_data(std::string_view key) const;
};

// Builds the Graph of execution plan `plan_index`. Decoded delegate blobs are appended to
// ctx.model.graphs; the method graph itself is returned (the caller stores it at plan_index).
Graph build_method(const ReadContext& ctx, uint32_t plan_index);

// One DelegateCall: fills the node (op, inputs/outputs, attributes, blob view), registers a
// DelegateInfo and, for XnnpackBackend, decodes the blob into a nested graph.
struct DelegateCallSite {
  uint32_t graph = 0;  // index of the method graph
  uint32_t node = 0;
  std::string method;
  std::vector<int32_t> arg_tensors;   // tensor id per argument, -1 for non-tensor arguments
  std::vector<AttrValue> arg_values;  // the value of each non-tensor argument
  std::vector<bool> arg_defined;      // the argument holds data before this instruction
};
void build_delegate_call(const ReadContext& ctx, const fb::ExecutionPlan& plan,
                         const fb::DelegateCall& call, const DelegateCallSite& site, Node& node);

// Printable form of a compile-spec value: the text when it is printable, else hex (capped).
std::string bytes_to_text_or_hex(std::span<const uint8_t> bytes);

DType scalar_type_to_dtype(fb::ScalarType type);

// Element i of a verified vector of 8-byte scalars. The flatbuffers Verifier checks only the
// 4-byte alignment of a vector's length, so a malformed file can misalign 8-byte elements;
// memcpy reads them without undefined behaviour.
template <typename T>
T element(const flatbuffers::Vector<T>& v, flatbuffers::uoffset_t i) {
  T value{};
  std::memcpy(&value, v.Data() + std::size_t{i} * sizeof(T), sizeof(T));
  return value;
}

// Name of argument `position` of a well-known kernel ("aten::add.out", 2 -> "alpha"), or empty.
std::string_view known_arg_name(std::string_view op, std::size_t position);

}  // namespace edgelens::pte
