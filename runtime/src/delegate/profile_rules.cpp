// Generic what-if delegate: a JSON profile (docs/partitioning.md, "Profile format") interpreted as
// claim rules. Unknown keys are errors, so a typo cannot silently widen what a target claims.
#include "edgelens/runtime/delegate/profile_rules.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "edgelens/model_io/error.h"
#include "rule_support.h"

namespace edgelens::delegate {
namespace {

using nlohmann::json;
using Range = std::pair<double, double>;

struct AttrRule {
  std::optional<json> equals;
  std::vector<json> one_of;
  std::optional<Range> range;
};

// One op's constraints; unset optionals fall back to the profile defaults.
struct OpRule {
  std::optional<std::set<std::string>> dtypes;
  std::optional<std::set<std::string>> weight_dtypes;
  std::optional<std::set<std::string>> bias_dtypes;
  std::optional<std::set<std::string>> fused_activations;
  std::optional<bool> per_channel;
  std::optional<bool> require_quantization;
  std::optional<bool> static_shapes;
  std::optional<int64_t> max_rank;
  std::optional<int64_t> max_batch;
  std::optional<Range> inputs;
  std::optional<Range> versions;
  std::optional<Range> stride, stride_h, stride_w, dilation, filter, filter_h, filter_w;
  std::optional<int64_t> filter_area_max;
  std::optional<bool> stride_le_filter;
  std::vector<int64_t> static_inputs;
  std::map<std::string, AttrRule> attrs;
  std::string note;
};

std::string where(std::string_view op, std::string_view key) {
  return op.empty() ? fmt::format("key '{}'", key) : fmt::format("ops.{}.{}", op, key);
}

class ProfileParser {
 public:
  explicit ProfileParser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& place, const std::string& problem) const {
    throw ModelError(origin_, place, problem);
  }

  std::set<std::string> dtype_set(const json& v, const std::string& place) const {
    static const std::set<std::string> known = {
        "bool",  "int2",   "int4",  "uint4",  "int8",    "uint8",    "int16",   "uint16",
        "int32", "uint32", "int64", "uint64", "float16", "bfloat16", "float32", "float64"};
    if (!v.is_array()) fail(place, "expected an array of dtype names");
    std::set<std::string> out;
    for (const json& e : v) {
      if (!e.is_string() || !known.count(e.get<std::string>()))
        fail(place,
             fmt::format("unknown dtype {} (use numpy names: float32, int8, ...)", e.dump()));
      out.insert(e.get<std::string>());
    }
    return out;
  }

  std::set<std::string> string_set(const json& v, const std::string& place) const {
    if (!v.is_array()) fail(place, "expected an array of strings");
    std::set<std::string> out;
    for (const json& e : v) {
      if (!e.is_string()) fail(place, "expected strings");
      out.insert(e.get<std::string>());
    }
    return out;
  }

  Range range(const json& v, const std::string& place) const {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
      fail(place, "expected [min, max]");
    return {v[0].get<double>(), v[1].get<double>()};
  }

  bool boolean(const json& v, const std::string& place) const {
    if (!v.is_boolean()) fail(place, "expected true or false");
    return v.get<bool>();
  }

  int64_t integer(const json& v, const std::string& place) const {
    if (!v.is_number_integer()) fail(place, "expected an integer");
    return v.get<int64_t>();
  }

  OpRule op_rule(const json& v, std::string_view op) const {
    if (!v.is_object()) fail(where(op, ""), "expected an object");
    OpRule r;
    for (const auto& [key, value] : v.items()) {
      const std::string place = where(op, key);
      if (key == "dtypes")
        r.dtypes = dtype_set(value, place);
      else if (key == "weight_dtypes")
        r.weight_dtypes = dtype_set(value, place);
      else if (key == "bias_dtypes")
        r.bias_dtypes = dtype_set(value, place);
      else if (key == "fused_activations")
        r.fused_activations = string_set(value, place);
      else if (key == "per_channel")
        r.per_channel = boolean(value, place);
      else if (key == "require_quantization")
        r.require_quantization = boolean(value, place);
      else if (key == "static_shapes")
        r.static_shapes = boolean(value, place);
      else if (key == "max_rank")
        r.max_rank = integer(value, place);
      else if (key == "max_batch")
        r.max_batch = integer(value, place);
      else if (key == "inputs")
        r.inputs = range(value, place);
      else if (key == "versions")
        r.versions = range(value, place);
      else if (key == "stride")
        r.stride = range(value, place);
      else if (key == "stride_h")
        r.stride_h = range(value, place);
      else if (key == "stride_w")
        r.stride_w = range(value, place);
      else if (key == "dilation")
        r.dilation = range(value, place);
      else if (key == "filter")
        r.filter = range(value, place);
      else if (key == "filter_h")
        r.filter_h = range(value, place);
      else if (key == "filter_w")
        r.filter_w = range(value, place);
      else if (key == "filter_area_max")
        r.filter_area_max = integer(value, place);
      else if (key == "stride_le_filter")
        r.stride_le_filter = boolean(value, place);
      else if (key == "static_inputs") {
        if (!value.is_array()) fail(place, "expected an array of input indices");
        for (const json& e : value) r.static_inputs.push_back(integer(e, place));
      } else if (key == "attrs") {
        if (!value.is_object()) fail(place, "expected an object of attribute constraints");
        for (const auto& [attr, spec] : value.items()) {
          const std::string attr_place = fmt::format("{}.{}", place, attr);
          if (!spec.is_object())
            fail(attr_place, "expected {\"equals\": v}, {\"one_of\": [..]} or {\"range\": [a, b]}");
          AttrRule a;
          for (const auto& [k, val] : spec.items()) {
            if (k == "equals")
              a.equals = val;
            else if (k == "one_of") {
              if (!val.is_array()) fail(attr_place + ".one_of", "expected an array");
              a.one_of.assign(val.begin(), val.end());
            } else if (k == "range")
              a.range = range(val, attr_place + ".range");
            else
              fail(attr_place, fmt::format("unknown constraint '{}'", k));
          }
          r.attrs[attr] = std::move(a);
        }
      } else if (key == "note") {
        if (!value.is_string()) fail(place, "expected a string");
        r.note = value.get<std::string>();
      } else {
        fail(place, "unknown key");
      }
    }
    return r;
  }

 private:
  std::string origin_;
};

template <typename T>
const T* pick(const std::optional<T>& op_value, const std::optional<T>& default_value) {
  if (op_value) return &*op_value;
  if (default_value) return &*default_value;
  return nullptr;
}

std::string list_text(const std::set<std::string>& values) {
  return fmt::format("{}", fmt::join(values, ", "));
}

std::string range_text(const Range& r) {
  return fmt::format("[{:g}, {:g}]", r.first, r.second);
}

bool in_range(double v, const Range& r) {
  return v >= r.first && v <= r.second;
}

bool json_matches(const json& expected, const AttrValue& actual) {
  if (const auto* b = std::get_if<bool>(&actual))
    return expected.is_boolean() && expected.get<bool>() == *b;
  if (const auto* i = std::get_if<int64_t>(&actual)) {
    if (expected.is_boolean()) return expected.get<bool>() == (*i != 0);
    return expected.is_number() && expected.get<double>() == static_cast<double>(*i);
  }
  if (const auto* d = std::get_if<double>(&actual))
    return expected.is_number() && expected.get<double>() == *d;
  if (const auto* s = std::get_if<std::string>(&actual))
    return expected.is_string() && expected.get<std::string>() == *s;
  return false;
}

class ProfileRules final : public DelegateRules {
 public:
  std::string name_, description_, label_ = "delegate", source_;
  PartitionLimits limits_;
  OpRule defaults_;
  std::map<std::string, OpRule, std::less<>> ops_;

  std::string name() const override { return name_; }
  std::string description() const override { return description_; }
  std::string target_label() const override { return label_; }
  std::string source() const override { return source_; }
  PartitionLimits default_limits() const override { return limits_; }

  Verdict claim(const Model&, const Graph& graph, const Node& node) const override {
    const std::string key = node.op.custom ? "CUSTOM:" + node.op.name : node.op.name;
    auto no = [&](std::string_view check, std::string text) {
      return Verdict::no(fmt::format("{}.{}", name_, check),
                         fmt::format("{}: {}", node.op.name, text));
    };
    if (node.op.domain != "tflite")
      return no("not_tflite",
                fmt::format("a {} op; {} profiles describe TFLite ops", node.op.domain, label_));
    const auto it = ops_.find(key);
    if (it == ops_.end())
      return no("op_unsupported", fmt::format("not in the {} operator list ({})", name_, label_));
    const OpRule& op = it->second;
    const OpRule& d = defaults_;

    if (const Range* v = pick(op.versions, d.versions); v && !in_range(node.op.version, *v))
      return no("version",
                fmt::format("op version {} outside {}", node.op.version, range_text(*v)));
    if (const Range* n = pick(op.inputs, d.inputs); n) {
      const double count = static_cast<double>(node.inputs.size());
      if (!in_range(count, *n))
        return no("inputs", fmt::format("{} inputs; {} takes {}", node.inputs.size(), label_,
                                        range_text(*n)));
    }
    for (int64_t idx : op.static_inputs) {
      const Tensor* t = detail::input_at(graph, node, static_cast<size_t>(idx));
      if (t && !t->is_constant)
        return no("static_input",
                  fmt::format("input {} ('{}') is computed at run time; {} needs it constant", idx,
                              t->name, label_));
    }

    const auto* dtypes = pick(op.dtypes, d.dtypes);
    const auto* weight_dtypes = pick(op.weight_dtypes, d.weight_dtypes);
    const auto* bias_dtypes = pick(op.bias_dtypes, d.bias_dtypes);
    const bool per_channel_ok =
        pick(op.per_channel, d.per_channel) ? *pick(op.per_channel, d.per_channel) : true;
    const bool need_quant = pick(op.require_quantization, d.require_quantization) &&
                            *pick(op.require_quantization, d.require_quantization);
    const bool static_shapes =
        pick(op.static_shapes, d.static_shapes) && *pick(op.static_shapes, d.static_shapes);
    const int64_t* max_rank = pick(op.max_rank, d.max_rank);

    auto check_tensor = [&](const Tensor& t, std::string role, bool is_weight,
                            bool is_bias) -> std::optional<Verdict> {
      const std::string dt(dtype_name(t.dtype));
      const std::set<std::string>* allowed = is_bias && bias_dtypes       ? bias_dtypes
                                             : is_weight && weight_dtypes ? weight_dtypes
                                                                          : dtypes;
      if (allowed && !t.is_constant && !allowed->count(dt))
        return no("dtype",
                  fmt::format("{} is {}; {} takes {}", role, dt, label_, list_text(*allowed)));
      if (allowed && t.is_constant && (is_weight || is_bias) && !allowed->count(dt))
        return no("dtype",
                  fmt::format("{} is {}; {} takes {}", role, dt, label_, list_text(*allowed)));
      if (t.quant.per_channel() && !per_channel_ok)
        return no("per_channel",
                  fmt::format("{} is quantized per channel; {} takes per-tensor quantization here",
                              role, label_));
      if (need_quant && !is_bias && t.quant.scales.empty() && !dtype_is_float(t.dtype) &&
          t.dtype != DType::Int32 && t.dtype != DType::Int64 && t.dtype != DType::Bool &&
          !t.is_constant)
        return no("quantization",
                  fmt::format("{} has no quantization parameters; {} runs quantized tensors only",
                              role, label_));
      if (max_rank && static_cast<int64_t>(t.shape.size()) > *max_rank)
        return no("rank", fmt::format("{} is {}-D; {} takes at most {}-D", role, t.shape.size(),
                                      label_, *max_rank));
      if (static_shapes && !t.is_constant && detail::has_dynamic_dims(t))
        return no("dynamic_shape",
                  fmt::format("{} has a dynamic shape; {} needs static shapes", role, label_));
      return std::nullopt;
    };
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const Tensor* t = detail::input_at(graph, node, i);
      if (!t) continue;
      const bool is_weight = i == 1 && t->is_constant;
      const bool is_bias = i == 2 && t->is_constant && t->shape.size() == 1;
      // Shape/axis/size operands are constants of int32/int64 and are not data tensors.
      if (t->is_constant && !is_weight && !is_bias &&
          (t->dtype == DType::Int32 || t->dtype == DType::Int64))
        continue;
      if (is_weight && (t->dtype == DType::Int32 || t->dtype == DType::Int64) &&
          node.op.name != "FULLY_CONNECTED" && node.op.name.find("CONV") == std::string::npos)
        continue;
      if (auto v = check_tensor(*t, fmt::format("input {}", i), is_weight, is_bias)) return *v;
    }
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (const Tensor* t = detail::output_at(graph, node, i))
        if (auto v = check_tensor(*t, fmt::format("output {}", i), false, false)) return *v;
    if (const int64_t* mb = pick(op.max_batch, d.max_batch)) {
      const Tensor* in = detail::input_at(graph, node, node.op.name == "TRANSPOSE_CONV" ? 2 : 0);
      if (in && in->shape.size() == 4 && in->shape[0] > *mb)
        return no("batch",
                  fmt::format("batch size {}; {} takes at most {}", in->shape[0], label_, *mb));
    }

    if (const auto* acts = pick(op.fused_activations, d.fused_activations)) {
      if (node.find_attr("fused_activation_function")) {
        const std::string act = detail::fused_activation(node);
        if (!acts->count(act))
          return no("fused_activation",
                    fmt::format("fused activation {}; {} fuses {}", act, label_, list_text(*acts)));
      }
    }

    const int64_t sw = detail::attr_int_or(node, "stride_w", 1),
                  sh = detail::attr_int_or(node, "stride_h", 1);
    const Range* rsw = op.stride_w ? &*op.stride_w : op.stride ? &*op.stride : nullptr;
    const Range* rsh = op.stride_h ? &*op.stride_h : op.stride ? &*op.stride : nullptr;
    if ((rsw && !in_range(static_cast<double>(sw), *rsw)) ||
        (rsh && !in_range(static_cast<double>(sh), *rsh)))
      return no("stride",
                fmt::format("stride {}x{} (w x h) outside {} x {}", sw, sh,
                            rsw ? range_text(*rsw) : "any", rsh ? range_text(*rsh) : "any"));
    if (op.dilation) {
      const int64_t dw = detail::attr_int_or(node, "dilation_w_factor", 1),
                    dh = detail::attr_int_or(node, "dilation_h_factor", 1);
      if (!in_range(static_cast<double>(dw), *op.dilation) ||
          !in_range(static_cast<double>(dh), *op.dilation))
        return no("dilation",
                  fmt::format("dilation {}x{} outside {}", dw, dh, range_text(*op.dilation)));
    }
    int64_t fw = detail::attr_int_or(node, "filter_width", 0),
            fh = detail::attr_int_or(node, "filter_height", 0);
    if (fw == 0 && fh == 0) {
      // Weights are input 1 for CONV_2D, DEPTHWISE_CONV_2D (both [., H, W, .]) and TRANSPOSE_CONV.
      constexpr size_t wi = 1;
      const Tensor* w = detail::input_at(graph, node, wi);
      if (w && w->shape.size() == 4 && node.op.name.find("CONV") != std::string::npos) {
        fh = w->shape[1];
        fw = w->shape[2];
      }
    }
    if (fw > 0 && fh > 0) {
      const Range* rfw = op.filter_w ? &*op.filter_w : op.filter ? &*op.filter : nullptr;
      const Range* rfh = op.filter_h ? &*op.filter_h : op.filter ? &*op.filter : nullptr;
      if ((rfw && !in_range(static_cast<double>(fw), *rfw)) ||
          (rfh && !in_range(static_cast<double>(fh), *rfh)))
        return no("filter",
                  fmt::format("filter {}x{} (w x h) outside {} x {}", fw, fh,
                              rfw ? range_text(*rfw) : "any", rfh ? range_text(*rfh) : "any"));
      if (op.filter_area_max && fw * fh > *op.filter_area_max)
        return no("filter_area", fmt::format("filter {}x{} = {} elements; {} takes at most {}", fw,
                                             fh, fw * fh, label_, *op.filter_area_max));
      if (op.stride_le_filter && *op.stride_le_filter && (sw > fw || sh > fh))
        return no("stride_gt_filter",
                  fmt::format("stride {}x{} is larger than the {}x{} filter", sw, sh, fw, fh));
    }
    for (const auto& [attr, rule] : op.attrs) {
      const Attribute* a = node.find_attr(attr);
      if (!a) continue;  // left at its schema default, which the profile authors accept
      const std::string shown = attr_to_string(a->value);
      if (rule.equals && !json_matches(*rule.equals, a->value))
        return no("attr",
                  fmt::format("{} = {}; {} needs {}", attr, shown, label_, rule.equals->dump()));
      if (!rule.one_of.empty()) {
        bool any = false;
        for (const json& e : rule.one_of) any = any || json_matches(e, a->value);
        if (!any)
          return no("attr", fmt::format("{} = {}; {} takes one of {}", attr, shown, label_,
                                        json(rule.one_of).dump()));
      }
      if (rule.range) {
        double v = 0;
        if (const auto* i = std::get_if<int64_t>(&a->value))
          v = static_cast<double>(*i);
        else if (const auto* f = std::get_if<double>(&a->value))
          v = *f;
        if (!in_range(v, *rule.range))
          return no("attr",
                    fmt::format("{} = {} outside {}", attr, shown, range_text(*rule.range)));
      }
    }
    return Verdict::yes({}, op.note);
  }
};

}  // namespace

std::unique_ptr<DelegateRules> load_profile_text(std::string_view json_text, std::string origin) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw ModelError(origin, fmt::format("byte {}", e.byte),
                     fmt::format("not valid JSON: {}", e.what()));
  }
  ProfileParser parser(origin);
  if (!doc.is_object()) parser.fail("top level", "expected a JSON object");
  auto rules = std::make_unique<ProfileRules>();
  bool has_ops = false;
  for (const auto& [key, value] : doc.items()) {
    auto text = [&]() {
      if (!value.is_string()) parser.fail(where("", key), "expected a string");
      return value.get<std::string>();
    };
    if (key == "name")
      rules->name_ = text();
    else if (key == "description")
      rules->description_ = text();
    else if (key == "target_label")
      rules->label_ = text();
    else if (key == "source") {
      if (value.is_array()) {
        std::vector<std::string> parts;
        for (const json& e : value)
          parts.push_back(e.is_string() ? e.get<std::string>() : e.dump());
        rules->source_ = fmt::format("{}", fmt::join(parts, "; "));
      } else {
        rules->source_ = text();
      }
    } else if (key == "notes" || key == "$comment") {
      continue;  // free text for readers of the file
    } else if (key == "partitioning") {
      if (!value.is_object()) parser.fail("partitioning", "expected an object");
      for (const auto& [k, v] : value.items()) {
        const std::string place = "partitioning." + k;
        if (k == "max_partitions")
          rules->limits_.max_partitions = static_cast<int>(parser.integer(v, place));
        else if (k == "min_nodes_per_partition")
          rules->limits_.min_nodes_per_partition = static_cast<int>(parser.integer(v, place));
        else if (k == "uses_partition_helper")
          rules->limits_.uses_partition_helper = parser.boolean(v, place);
        else
          parser.fail(place, "unknown key");
      }
    } else if (key == "defaults") {
      rules->defaults_ = parser.op_rule(value, "defaults");
    } else if (key == "ops") {
      if (!value.is_object()) parser.fail("ops", "expected an object keyed by TFLite op name");
      for (const auto& [op, spec] : value.items()) rules->ops_[op] = parser.op_rule(spec, op);
      has_ops = true;
    } else {
      parser.fail(where("", key), "unknown key");
    }
  }
  if (rules->name_.empty()) parser.fail("name", "a profile needs a name");
  if (!has_ops) parser.fail("ops", "a profile needs an ops object");
  if (rules->description_.empty()) rules->description_ = rules->name_;
  return rules;
}

std::unique_ptr<DelegateRules> load_profile_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path, "", "cannot open the delegate profile");
  std::ostringstream text;
  text << in.rdbuf();
  return load_profile_text(text.str(), path);
}

}  // namespace edgelens::delegate
