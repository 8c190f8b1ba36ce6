// Builds .tflite files: single-op test models, conformance cases, the bundled sample model, big
// synthetic files for benchmarks. What it writes reads back through read_tflite() with the same
// names: op names are the builtin names the reader reports ("CONV_2D"), options are the
// Attributes the reader produces (same names, same value types), so read_tflite(writer(x))
// round-trips.
//
// Every spec member has a default, so designated initializers may name only what they need
// (warning-free under -Wextra).
//
// Example (a float ADD with a constant second operand and fused RELU):
//
//   edgelens::TfliteBuilder b;
//   int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {1, 4}});
//   int c = b.add_tensor({.name = "c", .dtype = DType::Float32, .shape = {1, 4},
//                         .data = edgelens::TfliteBuilder::bytes_of<float>({1, 2, 3, 4})});
//   int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {1, 4}});
//   b.add_op({.op = "ADD", .inputs = {x, c}, .outputs = {y},
//             .options = {{"fused_activation_function", std::string("RELU")}}});
//   b.set_inputs({x});
//   b.set_outputs({y});
//   b.write_file("add.tflite");
//
// Option values: enums are strings with the schema's value names ("SAME", "RELU6", "REFLECT",
// "INT64" for output_type/out_type/in_data_type ...), bools are bool, integers int64_t, floats
// double, int vectors std::vector<int64_t>. Integers are also accepted where a bool or float is
// expected. Unknown option names or ill-typed values throw std::invalid_argument naming them.
// Options the writer does not know for an op throw too, so a typo never silently vanishes.
//
// Subgraphs: the builder starts with subgraph 0 selected; add_subgraph() appends one and selects
// it, select_subgraph() switches back. Tensor and op indices are per subgraph. Ops that call
// subgraphs take their indices as options: WHILE {cond_subgraph_index, body_subgraph_index},
// IF {then_subgraph_index, else_subgraph_index}, CALL_ONCE {init_subgraph_index}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/dtype.h"
#include "edgelens/model_io/model.h"

namespace edgelens {

class TfliteBuilder {
 public:
  struct QuantSpec {
    std::vector<float> scales{};         // 1 = per-tensor, >1 = per-channel along `axis`
    std::vector<int64_t> zero_points{};  // same length as scales (or empty = all zero)
    int32_t axis = 0;
    std::vector<float> min{}, max{};  // optional calibration ranges
  };

  struct TensorSpec {
    std::string name{};
    DType dtype = DType::Float32;
    std::vector<int64_t> shape{};
    std::vector<int64_t> shape_signature{};  // -1 for dynamic dims; empty = none written
    std::vector<std::byte> data{};           // constant contents; empty = no buffer (activation)
    int32_t buffer = -1;  // use an existing buffer from add_buffer() instead of `data` (sharing)
    QuantSpec quant{};
    bool is_variable = false;
    bool has_rank = true;
  };

  struct OpSpec {
    std::string op{};     // builtin name ("CONV_2D"), or the custom code when `custom`
    bool custom = false;  // CUSTOM op: `op` is the custom_code
    int32_t version = 1;
    std::vector<int32_t> inputs{};  // tensor indices; -1 = optional input left out
    std::vector<int32_t> outputs{};
    std::vector<int32_t> intermediates{};
    // Builtin: the options table's fields (reader's attribute names).
    // Custom: when custom_options is empty and options is not, the options are written as a
    // flexbuffers map (custom_options_format FLEXBUFFERS), which the reader decodes back.
    std::vector<Attribute> options{};
    std::vector<std::byte> custom_options{};  // raw custom options (custom ops only)
  };

  struct SignatureSpec {
    std::string key{};
    int32_t subgraph = 0;
    std::vector<std::pair<std::string, int32_t>> inputs{};  // (name, tensor index)
    std::vector<std::pair<std::string, int32_t>> outputs{};
  };

  TfliteBuilder();
  ~TfliteBuilder();
  TfliteBuilder(TfliteBuilder&&) noexcept;
  TfliteBuilder& operator=(TfliteBuilder&&) noexcept;
  TfliteBuilder(const TfliteBuilder&) = delete;
  TfliteBuilder& operator=(const TfliteBuilder&) = delete;

  // Raw bytes as a buffer; returns its index (buffer 0 is the empty sentinel, so >= 1).
  int add_buffer(std::span<const std::byte> bytes);
  // A tensor in the selected subgraph; returns its index there.
  int add_tensor(const TensorSpec& spec);
  // An op appended to the selected subgraph (execution order); returns its index there.
  int add_op(const OpSpec& spec);
  void set_inputs(std::vector<int32_t> tensors);
  void set_outputs(std::vector<int32_t> tensors);

  // Appends a subgraph, selects it and returns its index.
  int add_subgraph(std::string name = {});
  void select_subgraph(int index);
  int selected_subgraph() const;
  void set_subgraph_name(std::string name);

  void add_signature(SignatureSpec signature);
  void set_description(std::string description);
  // Metadata entry pointing at a new buffer holding `bytes` (e.g. "min_runtime_version").
  void add_metadata(std::string name, std::span<const std::byte> bytes);

  // Serialises the model (file identifier "TFL3", schema version 3). Throws
  // std::invalid_argument when an index is out of range or an option is unknown/ill-typed.
  std::vector<std::byte> finish() const;
  // finish() written atomically: a temporary file in the same directory, fsync, rename.
  // Throws std::runtime_error naming the path on I/O failure.
  void write_file(const std::string& path) const;

  // Little helpers for constant data.
  template <typename T>
  static std::vector<std::byte> bytes_of(std::span<const T> values) {
    std::vector<std::byte> out(values.size_bytes());
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
  }
  template <typename T>
  static std::vector<std::byte> bytes_of(std::initializer_list<T> values) {
    return bytes_of(std::span<const T>(values.begin(), values.size()));
  }
  template <typename T>
  static std::vector<std::byte> bytes_of(const std::vector<T>& values) {
    return bytes_of(std::span<const T>(values));
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// TFLite builtin op code for a name ("CONV_2D" -> 3); -1 when unknown. And the reverse
// ("" when out of range). The table covers codes 0..209.
int32_t tflite_builtin_code(std::string_view name);
std::string_view tflite_builtin_name(int32_t code);

}  // namespace edgelens
