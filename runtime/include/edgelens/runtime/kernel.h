// Kernel interface and registry.
//
// DESIGN NOTE — how a kernel family registers itself
// --------------------------------------------------
// Each kernel family is one file under runtime/src/kernels/ (float) or
// runtime/src/kernels/quantized/ (int8/uint8/int16). The file defines prepare/eval functions and
// one or more file-scope registrar objects; nothing else in the project is edited to add a kernel:
//
//   namespace {
//   void conv_prepare(NodeContext& ctx) { ...; ctx.set_output(0, DType::Float32, shape); }
//   void conv_eval_float(NodeContext& ctx) { auto in = ctx.in<float>(0); auto out =
//   ctx.out<float>(0); ... } const RegisterKernel kConvFloat("CONV_2D", DType::Float32,
//   {conv_prepare, conv_eval_float}); }  // namespace
//
// The registry key is (op name, key dtype). The key dtype is the dtype of the node's first present
// input (DType::Unknown for nodes without inputs), or of the input an op names with
// RegisterKeyInput: TRANSPOSE_CONV keys on input 2, its data, because input 0 is the int32
// output_shape whatever the data type. So a float kernel and its quantized variants
// live side by side under different keys:  ("CONV_2D", Float32) here, ("CONV_2D", Int8),
// ("CONV_2D", UInt8), ("CONV_2D", Int16) in kernels/quantized/conv.cpp. A kernel registered under
// DType::Unknown is the fallback for every dtype of that op with no exact entry (shape ops that
// only move bytes, SHAPE, FILL ...). Registering the same key twice keeps the first and records the
// clash in KernelRegistry::conflicts() (a test asserts it is empty).
//
// prepare() runs before any invoke, node by node in execution order, with input shapes/dtypes known
// (input data only for constant inputs, see input_is_constant()). It validates, computes each
// output's dtype and shape with set_output(), may precompute per-node state (ctx.state<T>()), and
// reports what it cannot do by calling ctx.unsupported("why") (throws Unsupported). The interpreter
// collects the Unsupported of ALL nodes before running. A kernel whose output shape depends on
// non-constant input data calls set_output_dynamic() in prepare and resize_output() in eval.
//
// eval() reads typed spans of inputs and writes outputs. Static libraries drop unreferenced
// objects, so edgelens_runtime is linked WHOLE_ARCHIVE (runtime/CMakeLists.txt) to keep every
// registrar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::runtime {

class Interpreter;
struct InterpreterOptions;

// Thrown by prepare (via NodeContext::unsupported) when a node cannot run here; carries the reason.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor as the interpreter holds it: current dtype and shape, and where its bytes are.
struct TensorBuffer {
  const Tensor* ir = nullptr;  // the model's tensor (name, quantization, constant data, flags)
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;  // current shape (after input resize / shape propagation)
  std::byte* data = nullptr;   // arena slice, heap buffer, or (const) view of constant data
  size_t bytes = 0;            // valid bytes at `data`
  bool constant = false;       // data is the model's constant: never written
  bool dynamic = false;        // shape known only at eval (heap allocated by resize_output)

  int64_t element_count() const;
  size_t byte_size() const;  // bytes needed by dtype and shape
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
  const Quantization& quant() const;  // empty quantization when ir is null
  std::span<const std::byte> raw() const { return {data, bytes}; }
  std::span<std::byte> mutable_raw();  // throws std::logic_error on constants
  template <class T>
  std::span<const T> view() const {
    return {reinterpret_cast<const T*>(data), bytes / sizeof(T)};
  }
  template <class T>
  std::span<T> mutable_view() {
    auto r = mutable_raw();
    return {reinterpret_cast<T*>(r.data()), r.size() / sizeof(T)};
  }
};

enum class FusedActivation { None, Relu, ReluN1To1, Relu6, Tanh, SignBit };
enum class Padding { Same, Valid };

// What a kernel sees of its node, in prepare and eval. Built by the interpreter; kernels never own
// it.
class NodeContext {
 public:
  struct Binding;  // interpreter-side state behind a context (opaque to kernels)
  explicit NodeContext(Binding& binding) : b_(binding) {}

  const Node& node() const;
  const Graph& graph() const;
  uint32_t graph_index() const;
  const Model& model() const;
  // The options the interpreter was built with (WHILE's iteration cap ...).
  const InterpreterOptions& interpreter_options() const;

  // Inputs: index i into node().inputs. has_input(i) is false for absent optional inputs (-1) or
  // indices past the end; input(i) on an absent input calls unsupported().
  size_t input_count() const;
  bool has_input(size_t i) const;
  const TensorBuffer& input(size_t i) const;
  bool input_is_constant(size_t i) const;  // data available in prepare
  size_t output_count() const;
  TensorBuffer& output(size_t i);
  // Any tensor of this node's graph by id (variable state tensors, intermediates).
  TensorBuffer& tensor(int32_t id);

  template <class T>
  std::span<const T> in(size_t i) const {
    return input(i).view<T>();
  }
  template <class T>
  std::span<T> out(size_t i) {
    return output(i).mutable_view<T>();
  }

  // prepare: declare an output's dtype and shape (the planner allocates it).
  void set_output(size_t i, DType dtype, std::vector<int64_t> shape);
  // prepare: the output's shape depends on input data; eval must call resize_output().
  void set_output_dynamic(size_t i, DType dtype);
  // eval: give a dynamic output its shape (allocates a heap buffer).
  void resize_output(size_t i, std::vector<int64_t> shape);

  // Attributes by the TFLite option field names ("stride_w", "fused_activation_function" ...).
  // Enum attributes are accepted as the reader's string ("SAME") or integer value.
  bool has_attr(std::string_view name) const;
  int64_t attr_int(std::string_view name, int64_t fallback = 0) const;
  double attr_float(std::string_view name, double fallback = 0.0) const;
  bool attr_bool(std::string_view name, bool fallback = false) const;
  std::string attr_string(std::string_view name, std::string fallback = {}) const;
  std::vector<int64_t> attr_ints(std::string_view name) const;
  // Enum attribute: returns the index in `names` (matching case-insensitively, ignoring any
  // "Type." prefix) or the integer value when the reader stored an int.
  int64_t attr_enum(std::string_view name, std::initializer_list<std::string_view> names,
                    int64_t fallback = 0) const;
  FusedActivation activation() const;  // "fused_activation_function"
  Padding padding() const;             // "padding"
  std::span<const std::byte> custom_options() const { return node().custom_options; }

  // Kernel-private state kept from prepare to the end of the interpreter (multipliers, scratch).
  template <class T>
  T& state() {
    auto& slot = state_slot();
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

  // Control flow (WHILE/IF/CALL_ONCE): run subgraph `graph` with these inputs, then copy its
  // outputs into `outputs` (resizing them when their shapes differ).
  void invoke_subgraph(uint32_t graph, std::span<const TensorBuffer* const> inputs,
                       std::span<TensorBuffer* const> outputs);
  // Shape/dtype of a subgraph's outputs for given input shapes (prepare of control-flow ops).
  std::vector<std::pair<DType, std::vector<int64_t>>> subgraph_output_shapes(
      uint32_t graph, std::span<const TensorBuffer* const> inputs);

  [[noreturn]] void unsupported(const std::string& why) const;

 private:
  std::shared_ptr<void>& state_slot();
  Binding& b_;
};

using KernelFn = std::function<void(NodeContext&)>;
struct Kernel {
  KernelFn
      prepare;  // shape inference and validation; may be empty (outputs keep the model's shapes)
  KernelFn eval;
};

struct KernelKey {
  std::string op;
  DType dtype = DType::Unknown;  // key dtype (first present input); Unknown = any
  auto operator<=>(const KernelKey&) const = default;
};

class KernelRegistry {
 public:
  static KernelRegistry& global();
  void add(std::string_view op, DType dtype, Kernel kernel);
  // Exact (op, dtype) entry, else the op's Unknown fallback, else null.
  const Kernel* find(std::string_view op, DType dtype) const;
  bool has_op(std::string_view op) const;
  std::vector<DType> dtypes_of(std::string_view op) const;
  std::vector<KernelKey> keys() const;  // sorted
  const std::vector<KernelKey>& conflicts() const { return conflicts_; }

  // Which input's dtype keys `op` (0 unless set with RegisterKeyInput).
  void set_key_input(std::string_view op, size_t input);
  size_t key_input(std::string_view op) const;
  // A node's key dtype from its input dtypes (DType::Unknown for absent inputs): the dtype of the
  // op's key input when present, else of the first present input, else Unknown.
  DType key_dtype(std::string_view op, std::span<const DType> input_dtypes) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::vector<KernelKey> conflicts_;
  KernelRegistry();
};

// File-scope registrar: `const RegisterKernel kX("ADD", DType::Float32, {prepare, eval});`
// The list form registers one kernel under several ops and/or dtypes.
struct RegisterKernel {
  RegisterKernel(std::string_view op, DType dtype, Kernel kernel);
  RegisterKernel(std::initializer_list<std::string_view> ops, std::initializer_list<DType> dtypes,
                 Kernel kernel);
};

// File-scope declaration that `op` keys its kernels on input `input`'s dtype:
// `const RegisterKeyInput kTransposeConvKey("TRANSPOSE_CONV", 2);`
struct RegisterKeyInput {
  RegisterKeyInput(std::string_view op, size_t input);
};

// Shared helpers for kernels.
int64_t element_count(std::span<const int64_t> shape);
// Numpy-style broadcast of two shapes; empty optional when incompatible.
std::optional<std::vector<int64_t>> broadcast_shapes(std::span<const int64_t> a,
                                                     std::span<const int64_t> b);
std::string shape_string(std::span<const int64_t> shape);

}  // namespace edgelens::runtime
