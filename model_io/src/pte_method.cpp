// One ExecuTorch execution plan (method) -> one Graph: values become tensors or attributes,
// instructions become nodes in execution order.
#include <fmt/format.h>

#include <algorithm>

#include "edgelens/model_io/error.h"
#include "pte_internal.h"

namespace edgelens::pte {

DType scalar_type_to_dtype(fb::ScalarType type) {
  using S = fb::ScalarType;
  switch (type) {
    case S::BYTE:
      return DType::UInt8;
    case S::CHAR:
      return DType::Int8;
    case S::SHORT:
      return DType::Int16;
    case S::INT:
      return DType::Int32;
    case S::LONG:
      return DType::Int64;
    case S::HALF:
      return DType::Float16;
    case S::FLOAT:
      return DType::Float32;
    case S::DOUBLE:
      return DType::Float64;
    case S::BOOL:
      return DType::Bool;
    case S::QINT8:
      return DType::Int8;
    case S::QUINT8:
      return DType::UInt8;
    case S::QINT32:
      return DType::QInt32;
    case S::BFLOAT16:
      return DType::BFloat16;
    case S::QUINT4X2:
      return DType::UInt4;
    case S::BITS16:
      return DType::UInt16;
    case S::FLOAT8E5M2:
      return DType::Float8E5M2;
    case S::FLOAT8E4M3FN:
      return DType::Float8E4M3FN;
    case S::UINT16:
      return DType::UInt16;
    case S::UINT32:
      return DType::UInt32;
    case S::UINT64:
      return DType::UInt64;
    default:
      return DType::Unknown;  // QUINT2X4, the FNUZ float8 variants, future types
  }
}

namespace {

using Args = flatbuffers::Vector<int32_t>;

class MethodBuilder {
 public:
  MethodBuilder(const ReadContext& ctx, uint32_t plan_index)
      : ctx_(ctx),
        plan_index_(plan_index),
        plan_(*ctx.view.program->execution_plan()->Get(plan_index)) {
    method_ = plan_.name() ? plan_.name()->str() : fmt::format("method{}", plan_index);
    graph_.name = method_;
    graph_.kind = GraphKind::Method;
  }

  Graph build() {
    read_values();
    read_io();
    read_instructions();
    describe_memory_plan();
    return std::move(graph_);
  }

 private:
  std::string place(const std::string& what) const {
    return fmt::format("method {}, {}", method_, what);
  }
  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    throw ModelError(ctx_.file, place(where), problem);
  }

  uint32_t value_count() const { return plan_.values() ? plan_.values()->size() : 0; }
  const fb::EValue& value(int32_t index, const std::string& where) const {
    if (index < 0 || static_cast<uint32_t>(index) >= value_count())
      fail(where, fmt::format("refers to value {} of {}", index, value_count()));
    return *plan_.values()->Get(static_cast<uint32_t>(index));
  }
  int32_t tensor_of(int32_t value_index) const {
    return value_index >= 0 && static_cast<std::size_t>(value_index) < tensor_of_value_.size()
               ? tensor_of_value_[static_cast<std::size_t>(value_index)]
               : -1;
  }

  // ---- values --------------------------------------------------------------------------
  void read_values() {
    const uint32_t n = value_count();
    tensor_of_value_.assign(n, -1);
    defined_.assign(n, true);  // non-tensors hold their value from the start
    for (uint32_t i = 0; i < n; ++i) {
      const fb::EValue* ev = plan_.values()->Get(i);
      if (!ev || ev->val_type() != fb::KernelTypes::Tensor) continue;
      const fb::Tensor* t = ev->val_as_Tensor();
      if (!t) fail(fmt::format("value {}", i), "tensor value without its table");
      tensor_of_value_[i] = static_cast<int32_t>(graph_.tensors.size());
      value_of_tensor_.push_back(i);
      graph_.tensors.push_back(make_tensor(i, *t));
      const Tensor& made = graph_.tensors.back();
      defined_[i] = made.is_constant || made.is_variable;
    }
  }

  Tensor make_tensor(uint32_t value_index, const fb::Tensor& t) {
    const std::string where = fmt::format("value {}", value_index);
    Tensor out;
    out.id = static_cast<uint32_t>(graph_.tensors.size());
    out.dtype = scalar_type_to_dtype(t.scalar_type());
    if (out.dtype == DType::Unknown)
      ctx_.model.warnings.push_back(fmt::format("{}: scalar type {} has no EdgeLens dtype",
                                                place(where), static_cast<int>(t.scalar_type())));
    if (const auto* sizes = t.sizes()) {
      for (int32_t d : *sizes) {
        if (d < 0) fail(where, fmt::format("negative size {}", d));
        out.shape.push_back(d);
      }
    }
    // ExecuTorch records that a shape is dynamic, not which dims are: flag them all.
    if (t.shape_dynamism() != fb::TensorShapeDynamism::STATIC)
      out.shape_signature.assign(out.shape.size(), -1);
    if (const auto* order = t.dim_order()) {
      bool identity = true;
      for (flatbuffers::uoffset_t k = 0; k < order->size(); ++k) identity &= order->Get(k) == k;
      if (order->size() != out.shape.size())
        fail(where,
             fmt::format("dim_order has {} entries for rank {}", order->size(), out.shape.size()));
      if (!identity) out.dim_order.assign(order->begin(), order->end());
    }
    if (t.storage_offset() != 0)
      ctx_.model.warnings.push_back(fmt::format("{}: storage_offset {} (the runtime needs 0)",
                                                place(where), t.storage_offset()));
    const auto* extra = t.extra_tensor_info();
    if (extra && extra->fully_qualified_name() && extra->fully_qualified_name()->size() > 0)
      out.name = extra->fully_qualified_name()->str();
    else
      out.name = fmt::format("v{}", value_index);

    if (const auto* alloc = t.allocation_info()) {
      out.placement = MemoryPlacement{
          alloc->memory_id(),
          (static_cast<uint64_t>(alloc->memory_offset_high()) << 32) | alloc->memory_offset_low()};
    }
    if (extra && extra->location() == fb::TensorDataLocation::EXTERNAL) {
      // data_buffer_idx is meaningless for external data: the name is the key into a .ptd.
      if (!extra->fully_qualified_name() || extra->fully_qualified_name()->size() == 0)
        fail(where, "its data are EXTERNAL but it has no fully_qualified_name to look them up by");
      if (ctx_.external)
        ctx_.external->resolve(place(fmt::format("tensor {} '{}'", out.id, out.name)), out.name,
                               out);
      return out;
    }
    if (t.data_buffer_idx() == 0) return out;
    if (!t.allocation_info()) {
      out.is_constant = true;
      out.data = constant_data(where, t.data_buffer_idx(), out.byte_size());
    } else {
      // A mutable buffer (e.g. a KV cache) with an initial state stored in the file.
      out.is_variable = true;
      const uint64_t segment_list = extra ? extra->mutable_data_segments_idx() : 0;
      out.data = mutable_data(where, segment_list, t.data_buffer_idx(), out.byte_size());
    }
    if (!out.data.empty()) out.external_offset = ctx_.file_offset(out.data);
    return out;
  }

  std::span<const std::byte> constant_data(const std::string& where, uint32_t index,
                                           int64_t nbytes) const {
    const fb::Program& program = *ctx_.view.program;
    const auto* buffers = program.constant_buffer();
    if (buffers && buffers->size() > 0) {
      if (index >= buffers->size())
        fail(where,
             fmt::format("data_buffer_idx {} but constant_buffer has {}", index, buffers->size()));
      const auto* storage = buffers->Get(index)->storage();
      const std::span<const std::byte> data =
          storage ? std::span<const std::byte>(reinterpret_cast<const std::byte*>(storage->data()),
                                               storage->size())
                  : std::span<const std::byte>{};
      if (nbytes >= 0 && static_cast<uint64_t>(nbytes) > data.size())
        fail(where, fmt::format("needs {} bytes but constant_buffer[{}] holds {}", nbytes, index,
                                data.size()));
      return nbytes >= 0 ? data.first(static_cast<std::size_t>(nbytes)) : data;
    }
    const auto* segment = program.constant_segment();
    if (!segment) fail(where, "a constant, but the program has no constant data");
    return sub_segment(where, "constant_segment", *segment, index, nbytes);
  }

  std::span<const std::byte> mutable_data(const std::string& where, uint64_t list, uint32_t index,
                                          int64_t nbytes) const {
    const auto* lists = ctx_.view.program->mutable_data_segments();
    if (!lists || list >= lists->size())
      fail(where, fmt::format("initial state in mutable_data_segments[{}], which the program lacks",
                              list));
    return sub_segment(where, fmt::format("mutable_data_segments[{}]", list),
                       *lists->Get(static_cast<flatbuffers::uoffset_t>(list)), index, nbytes);
  }

  std::span<const std::byte> sub_segment(const std::string& where, const std::string& what,
                                         const fb::SubsegmentOffsets& sub, uint32_t index,
                                         int64_t nbytes) const {
    const auto& segments = ctx_.view.segments;
    if (sub.segment_index() >= segments.size())
      fail(where,
           fmt::format("{} uses segment {} of {}", what, sub.segment_index(), segments.size()));
    const auto segment = segments[sub.segment_index()];
    const auto* offsets = sub.offsets();
    if (!offsets || index >= offsets->size())
      fail(where, fmt::format("data_buffer_idx {} but {} has {} offsets", index, what,
                              offsets ? offsets->size() : 0));
    const uint64_t offset = element(*offsets, index);
    if (offset > segment.size())
      fail(where, fmt::format("{} offset {} is past the end of segment {} ({} bytes)", what, offset,
                              sub.segment_index(), segment.size()));
    uint64_t size = 0;
    if (nbytes >= 0) {
      size = static_cast<uint64_t>(nbytes);
    } else {  // unknown element size: up to the next offset or the segment end
      size = segment.size() - offset;
      if (index + 1 < offsets->size() && element(*offsets, index + 1) >= offset)
        size = std::min<uint64_t>(size, element(*offsets, index + 1) - offset);
    }
    if (size > segment.size() - offset)
      fail(where, fmt::format("needs {} bytes at offset {} of segment {}, which holds {}", size,
                              offset, sub.segment_index(), segment.size()));
    return segment.subspan(offset, size);
  }

  // ---- inputs/outputs and constant methods ----------------------------------------------
  void read_io() {
    auto collect = [&](const flatbuffers::Vector<int32_t>* list, const char* what,
                       std::vector<int32_t>& tensors, std::vector<std::string>& scalars) {
      if (!list) return;
      for (flatbuffers::uoffset_t k = 0; k < list->size(); ++k) {
        const int32_t v = list->Get(k);
        const fb::EValue& ev = value(v, fmt::format("{} {}", what, k));
        if (const int32_t t = tensor_of(v); t >= 0)
          tensors.push_back(t);
        else
          scalars.push_back(evalue_text(ev));
      }
    };
    std::vector<std::string> scalar_inputs, scalar_outputs;
    collect(plan_.inputs(), "input", graph_.inputs, scalar_inputs);
    collect(plan_.outputs(), "output", graph_.outputs, scalar_outputs);
    for (int32_t t : graph_.inputs) mark_defined(t);
    if (!scalar_inputs.empty())
      ctx_.model.metadata.emplace_back(fmt::format("{}.non_tensor_inputs", method_),
                                       fmt::format("{}", scalar_inputs.size()));
    if (!scalar_outputs.empty())
      ctx_.model.metadata.emplace_back(fmt::format("{}.returns", method_),
                                       fmt::format("{}", fmt::join(scalar_outputs, ", ")));
  }

  std::string evalue_text(const fb::EValue& ev) const {
    const AttrValue a = attr_value(ev);
    if (ev.val_type() == fb::KernelTypes::String) return fmt::format("\"{}\"", attr_to_string(a));
    return attr_to_string(a);
  }

  AttrValue attr_value(const fb::EValue& ev) const {
    switch (ev.val_type()) {
      case fb::KernelTypes::Int:
        if (const auto* v = ev.val_as_Int()) return int64_t{v->int_val()};
        break;
      case fb::KernelTypes::Bool:
        if (const auto* v = ev.val_as_Bool()) return v->bool_val();
        break;
      case fb::KernelTypes::Double:
        if (const auto* v = ev.val_as_Double()) return v->double_val();
        break;
      case fb::KernelTypes::String:
        if (const auto* v = ev.val_as_String(); v && v->string_val()) return v->string_val()->str();
        return std::string{};
      case fb::KernelTypes::IntList: {
        // Items are indices of Int values (the runtime boxes them so kernels can see updates).
        std::vector<int64_t> ints;
        if (const auto* v = ev.val_as_IntList(); v && v->items()) {
          for (flatbuffers::uoffset_t k = 0; k < v->items()->size(); ++k) {
            const int64_t item = element(*v->items(), k);
            const fb::Int* boxed = nullptr;
            if (item >= 0 && static_cast<uint64_t>(item) < value_count())
              boxed = plan_.values()->Get(static_cast<uint32_t>(item))->val_as_Int();
            if (!boxed)
              fail("int list", fmt::format("item {} is not the index of an Int value", item));
            ints.push_back(boxed->int_val());
          }
        }
        return ints;
      }
      case fb::KernelTypes::DoubleList: {
        std::vector<double> doubles;
        if (const auto* v = ev.val_as_DoubleList(); v && v->items())
          for (flatbuffers::uoffset_t k = 0; k < v->items()->size(); ++k)
            doubles.push_back(element(*v->items(), k));
        return doubles;
      }
      case fb::KernelTypes::BoolList: {
        std::vector<int64_t> bits;
        if (const auto* v = ev.val_as_BoolList(); v && v->items())
          for (auto b : *v->items()) bits.push_back(b ? 1 : 0);
        return bits;
      }
      default:
        break;
    }
    return std::monostate{};
  }

  // ---- instructions ----------------------------------------------------------------------
  void read_instructions() {
    const auto* chains = plan_.chains();
    if (!chains) return;
    for (flatbuffers::uoffset_t c = 0; c < chains->size(); ++c) {
      const fb::Chain* chain = chains->Get(c);
      const auto* instructions = chain->instructions();
      if (!instructions) continue;
      const auto* traces = chain->stacktrace();
      for (flatbuffers::uoffset_t i = 0; i < instructions->size(); ++i) {
        const std::string where = chains->size() > 1 ? fmt::format("chain {}, instruction {}", c, i)
                                                     : fmt::format("instruction {}", i);
        Node node;
        node.id = static_cast<uint32_t>(graph_.nodes.size());
        read_instruction(*instructions->Get(i), where, node);
        if (chains->size() > 1) node.attrs.push_back({"chain", int64_t{c}});
        if (traces && i < traces->size()) node.debug_info = stack_text(traces->Get(i));
        for (int32_t t : node.outputs) mark_defined(t);
        graph_.nodes.push_back(std::move(node));
      }
    }
  }

  void mark_defined(int32_t tensor) {
    if (tensor >= 0 && static_cast<std::size_t>(tensor) < value_of_tensor_.size())
      defined_[value_of_tensor_[static_cast<std::size_t>(tensor)]] = true;
  }

  static std::string stack_text(const fb::FrameList* frames) {
    if (!frames || !frames->items()) return {};
    std::vector<std::string> lines;
    for (const auto* f : *frames->items()) {
      lines.push_back(fmt::format("{}:{} in {}{}{}", f->filename() ? f->filename()->str() : "?",
                                  f->lineno(), f->name() ? f->name()->str() : "?",
                                  f->context() ? ": " : "",
                                  f->context() ? f->context()->str() : ""));
    }
    return fmt::format("{}", fmt::join(lines, "\n"));
  }

  void read_instruction(const fb::Instruction& instruction, const std::string& where, Node& node) {
    switch (instruction.instr_args_type()) {
      case fb::InstructionArguments::KernelCall:
        if (const auto* call = instruction.instr_args_as_KernelCall())
          return kernel_call(*call, where, node);
        break;
      case fb::InstructionArguments::DelegateCall:
        if (const auto* call = instruction.instr_args_as_DelegateCall())
          return delegate_call(*call, where, node);
        break;
      case fb::InstructionArguments::MoveCall:
        if (const auto* move = instruction.instr_args_as_MoveCall()) {
          node.op = Op{"executorch", "move"};
          value_operand(move->move_from(), where, "move_from", node.inputs, node);
          value_operand(move->move_to(), where, "move_to", node.outputs, node);
          return;
        }
        break;
      case fb::InstructionArguments::JumpFalseCall:
        if (const auto* jump = instruction.instr_args_as_JumpFalseCall()) {
          node.op = Op{"executorch", "jump_false"};
          value(jump->cond_value_index(), where + ", cond_value_index");
          node.attrs.push_back({"cond_value_index", int64_t{jump->cond_value_index()}});
          node.attrs.push_back(
              {"destination_instruction", int64_t{jump->destination_instruction()}});
          return;
        }
        break;
      case fb::InstructionArguments::FreeCall:
        if (const auto* free = instruction.instr_args_as_FreeCall()) {
          node.op = Op{"executorch", "free"};
          value_operand(free->value_index(), where, "value_index", node.inputs, node);
          return;
        }
        break;
      default:
        break;
    }
    fail(where, fmt::format("unknown or empty instruction (type {})",
                            static_cast<int>(instruction.instr_args_type())));
  }

  // A single value operand: a tensor goes to `slots`, anything else becomes an attribute.
  void value_operand(int32_t v, const std::string& where, const char* name,
                     std::vector<int32_t>& slots, Node& node) {
    const fb::EValue& ev = value(v, fmt::format("{}, {}", where, name));
    if (const int32_t t = tensor_of(v); t >= 0)
      slots.push_back(t);
    else
      node.attrs.push_back({name, attr_value(ev)});
  }

  std::vector<int32_t> list_items(const fb::EValue& ev) const {
    const flatbuffers::Vector<int32_t>* items = nullptr;
    if (const auto* l = ev.val_as_TensorList()) items = l->items();
    if (const auto* l = ev.val_as_OptionalTensorList()) items = l->items();
    return items ? std::vector<int32_t>(items->begin(), items->end()) : std::vector<int32_t>{};
  }
  static bool is_list(const fb::EValue& ev) {
    return ev.val_type() == fb::KernelTypes::TensorList ||
           ev.val_type() == fb::KernelTypes::OptionalTensorList;
  }

  // ExecuTorch kernels take (inputs..., out arguments..., returned values...), where the returned
  // values repeat the out arguments (singly, or gathered in a TensorList). Finds where the inputs
  // end and which values the kernel writes.
  struct Split {
    std::size_t inputs_end = 0;
    std::vector<int32_t> outputs;  // value indices
  };
  Split split_kernel_args(const std::vector<int32_t>& args) const {
    const std::size_t n = args.size();
    if (n == 0) return {};
    const fb::EValue& last = *plan_.values()->Get(static_cast<uint32_t>(args[n - 1]));
    if (is_list(last)) {
      const std::vector<int32_t> items = list_items(last);
      const std::size_t m = items.size();
      if (n - 1 >= m && m > 0 &&
          std::equal(items.begin(), items.end(), args.begin() + static_cast<long>(n - 1 - m)))
        return {n - 1 - m, items};  // out tensors passed one by one, returned as a list
      if (n >= 2 && args[n - 2] == args[n - 1]) return {n - 2, items};  // out list, returned
      return {n - 1, items};  // an out list and no return value (split_copy and friends)
    }
    for (std::size_t k = 1; 2 * k <= n; ++k) {
      bool repeated = true;
      for (std::size_t j = 0; j < k && repeated; ++j)
        repeated = args[n - k + j] == args[n - 2 * k + j] && tensor_of(args[n - k + j]) >= 0;
      if (repeated) return {n - 2 * k, {args.begin() + static_cast<long>(n - k), args.end()}};
    }
    for (std::size_t j = n; j-- > 0;)  // fallback: the last tensor argument is the output
      if (tensor_of(args[j]) >= 0) return {j, {args[j]}};
    return {n, {}};
  }

  void kernel_call(const fb::KernelCall& call, const std::string& where, Node& node) {
    const auto* operators = plan_.operators();
    const int32_t op_index = call.op_index();
    if (!operators || op_index < 0 || static_cast<uint32_t>(op_index) >= operators->size())
      fail(where, fmt::format("op_index {} but the method has {} operators", op_index,
                              operators ? operators->size() : 0));
    const fb::Operator* op = operators->Get(static_cast<uint32_t>(op_index));
    std::string name = op->name() ? op->name()->str() : "";
    const std::string overload = op->overload() ? op->overload()->str() : "";
    if (name.empty()) fail(where, fmt::format("operator {} has no name", op_index));
    const auto colons = name.find("::");
    node.op.domain = colons == std::string::npos ? "aten" : name.substr(0, colons);
    if (!overload.empty()) name += "." + overload;
    node.op.name = std::move(name);
    node.op.code = op_index;

    std::vector<int32_t> args;
    if (const auto* a = call.args()) args.assign(a->begin(), a->end());
    for (std::size_t k = 0; k < args.size(); ++k)
      value(args[k], fmt::format("{}, argument {}", where, k));
    const Split split = split_kernel_args(args);

    for (std::size_t k = 0; k < split.inputs_end; ++k) {
      const fb::EValue& ev = *plan_.values()->Get(static_cast<uint32_t>(args[k]));
      if (const int32_t t = tensor_of(args[k]); t >= 0) {
        node.inputs.push_back(t);
      } else if (is_list(ev)) {
        for (int32_t item : list_items(ev)) {
          value(item, fmt::format("{}, argument {} (list item)", where, k));
          node.inputs.push_back(tensor_of(item));  // -1 for a None in an optional list
        }
      } else {
        const std::string_view known = known_arg_name(node.op.name, k);
        node.attrs.push_back(
            {known.empty() ? fmt::format("arg{}", k) : std::string(known), attr_value(ev)});
      }
    }
    for (int32_t v : split.outputs) {
      value(v, fmt::format("{}, output", where));
      if (const int32_t t = tensor_of(v); t >= 0) node.outputs.push_back(t);
    }
  }

  void delegate_call(const fb::DelegateCall& call, const std::string& where, Node& node) {
    DelegateCallSite site;
    site.graph = plan_index_;
    site.node = node.id;
    site.method = method_;
    if (const auto* a = call.args()) {
      for (flatbuffers::uoffset_t k = 0; k < a->size(); ++k) {
        value(a->Get(k), fmt::format("{}, argument {}", where, k));
        site.arg_tensors.push_back(tensor_of(a->Get(k)));
        site.arg_values.push_back(
            attr_value(*plan_.values()->Get(static_cast<uint32_t>(a->Get(k)))));
        site.arg_defined.push_back(defined_[static_cast<std::size_t>(a->Get(k))]);
      }
    }
    try {
      build_delegate_call(ctx_, plan_, call, site, node);
    } catch (const ModelError& e) {
      throw ModelError(ctx_.file, place(where + ", " + e.place()), e.problem());
    }
  }

  void describe_memory_plan() {
    const auto* sizes = plan_.non_const_buffer_sizes();
    if (!sizes || sizes->size() <= 1) return;
    std::vector<std::string> arenas;
    for (flatbuffers::uoffset_t k = 1; k < sizes->size(); ++k)  // entry 0 is unused
      arenas.push_back(fmt::format("arena {}: {} B", k, element(*sizes, k)));
    ctx_.model.metadata.emplace_back(fmt::format("{}.planned_memory", method_),
                                     fmt::format("{}", fmt::join(arenas, ", ")));
  }

  const ReadContext& ctx_;
  uint32_t plan_index_;
  const fb::ExecutionPlan& plan_;
  std::string method_;
  Graph graph_;
  std::vector<int32_t> tensor_of_value_;   // value index -> tensor id, -1 for non-tensors
  std::vector<uint32_t> value_of_tensor_;  // tensor id -> value index
  std::vector<bool> defined_;              // the value holds data before the current instruction
};

}  // namespace

Graph build_method(const ReadContext& ctx, uint32_t plan_index) {
  return MethodBuilder(ctx, plan_index).build();
}

}  // namespace edgelens::pte
