// Input generation (ramp, random) and .npy loading with clear mismatch messages.
#include "edgelens/runtime/inputs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "tensor_values.h"

namespace edgelens::runtime {

namespace {
template <class T>
void store(TensorBuffer& t, int64_t i, T v) {
  std::memcpy(t.data + i * int64_t(sizeof(T)), &v, sizeof(T));
}

// Fills with a per-element generator: `unit(i)` gives the float in [0,1] for float and quantized
// tensors, `integer(i)` the value for plain integers and bool.
template <class Unit, class Integer>
void fill(TensorBuffer& t, Unit unit, Integer integer) {
  auto out = t.mutable_raw();
  const int64_t n = t.element_count();
  if (static_cast<size_t>(n) * std::max(1u, dtype_bits(t.dtype) / 8) > out.size())
    throw std::logic_error("input buffer smaller than its shape");
  const auto& q = t.quant();
  const bool quantized = q.scales.size() == 1;
  auto quantize = [&](int64_t i, double lo, double hi) {
    // The peers' rule: clamp(round(x / scale) + zero_point); x >= 0 so Math.round == half away.
    const double zp = q.zero_points.empty() ? 0.0 : double(q.zero_points[0]);
    return std::clamp(std::round(unit(i) / double(q.scales[0])) + zp, lo, hi);
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::Float32:
        store(t, i, static_cast<float>(unit(i)));
        break;
      case DType::Float64:
        store(t, i, unit(i));
        break;
      case DType::Float16:
        store(t, i, float_to_half(static_cast<float>(unit(i))));
        break;
      case DType::Int8:
        store(t, i, static_cast<int8_t>(quantized ? quantize(i, -128, 127) : double(integer(i))));
        break;
      case DType::UInt8:
        store(t, i, static_cast<uint8_t>(quantized ? quantize(i, 0, 255) : double(integer(i))));
        break;
      case DType::Int16:
        store(t, i,
              static_cast<int16_t>(quantized ? quantize(i, -32768, 32767) : double(integer(i))));
        break;
      case DType::UInt16:
        store(t, i, static_cast<uint16_t>(integer(i)));
        break;
      case DType::Int32:
        store(t, i, static_cast<int32_t>(integer(i)));
        break;
      case DType::UInt32:
        store(t, i, static_cast<uint32_t>(integer(i)));
        break;
      case DType::Int64:
        store(t, i, static_cast<int64_t>(integer(i)));
        break;
      case DType::UInt64:
        store(t, i, static_cast<uint64_t>(integer(i)));
        break;
      case DType::Bool:
        store(t, i, static_cast<uint8_t>(integer(i) % 2));
        break;
      default:
        throw std::invalid_argument(
            fmt::format("cannot generate values of dtype {}", dtype_name(t.dtype)));
    }
  }
}
}  // namespace

void fill_ramp(TensorBuffer& t) {
  if (t.dtype == DType::Bool) {
    fill(
        t, [](int64_t) { return 0.0; }, [](int64_t i) { return i % 2; });
    return;
  }
  fill(
      t, [](int64_t i) { return double(i % 255) / 255.0; }, [](int64_t i) { return i % 100; });
}

void fill_random(TensorBuffer& t, uint64_t seed) {
  std::mt19937_64 unit_rng(seed), int_rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int64_t> integer(0, 99);
  fill(
      t, [&](int64_t) { return unit(unit_rng); }, [&](int64_t) { return integer(int_rng); });
}

void load_npy_into(TensorBuffer& t, const NpyArray& array, const std::string& source) {
  const std::string name = t.ir ? t.ir->name : "";
  if (array.dtype != t.dtype)
    throw std::invalid_argument(fmt::format("{}: input '{}' expects dtype {}, got {}", source, name,
                                            dtype_name(t.dtype), dtype_name(array.dtype)));
  if (array.shape != t.shape)
    throw std::invalid_argument(fmt::format("{}: input '{}' expects shape {}, got {}", source, name,
                                            shape_string(t.shape), shape_string(array.shape)));
  auto out = t.mutable_raw();
  if (array.data.size() > out.size())
    throw std::invalid_argument(fmt::format("{}: {} bytes do not fit input '{}' ({} bytes)", source,
                                            array.data.size(), name, out.size()));
  std::memcpy(out.data(), array.data.data(), array.data.size());
}

InputSpec parse_input_spec(const std::string& text) {
  InputSpec spec;
  std::string value = text;
  if (auto eq = text.find('='); eq != std::string::npos) {
    spec.target = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  if (value == "ramp") {
    spec.kind = InputSpec::Kind::Ramp;
  } else if (value == "random" || value.starts_with("random:")) {
    spec.kind = InputSpec::Kind::Random;
    if (value.size() > 7) {
      const auto digits = value.substr(7);
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), spec.seed);
      if (ec != std::errc() || ptr != digits.data() + digits.size())
        throw std::invalid_argument(
            fmt::format("--input {}: seed '{}' is not a number", text, digits));
    }
  } else if (value.empty()) {
    throw std::invalid_argument(fmt::format("--input {}: nothing after '='", text));
  } else {
    spec.kind = has_image_extension(value) ? InputSpec::Kind::Image : InputSpec::Kind::File;
    spec.path = value;
  }
  return spec;
}

namespace {
size_t resolve_target(Interpreter& interp, const InputSpec& spec, size_t next) {
  if (spec.target.empty()) return next;
  size_t index = 0;
  auto [ptr, ec] =
      std::from_chars(spec.target.data(), spec.target.data() + spec.target.size(), index);
  if (ec == std::errc() && ptr == spec.target.data() + spec.target.size()) {
    if (index >= interp.input_count())
      throw std::invalid_argument(
          fmt::format("--input {}: the model has {} input(s)", spec.target, interp.input_count()));
    return index;
  }
  const int found = interp.find_input(spec.target);
  if (found < 0) {
    std::vector<std::string> names;
    for (size_t k = 0; k < interp.input_count(); ++k)
      names.push_back(interp.input(k).ir ? interp.input(k).ir->name : "");
    throw std::invalid_argument(fmt::format("--input {}: no input named '{}' (inputs: {})",
                                            spec.target, spec.target, fmt::join(names, ", ")));
  }
  return static_cast<size_t>(found);
}

bool resizable_to(const TensorBuffer& t, const std::vector<int64_t>& shape) {
  const auto& sig = t.ir ? t.ir->shape_signature : std::vector<int64_t>{};
  // An unranked tensor (MLIR tensor<*xf32>) is written as shape [] with no signature; TFLite's
  // ResizeInputTensor gives it any shape (LiteRT's simple_squeeze.tflite needs one of rank >= 2).
  if (sig.empty() && t.shape.empty()) return true;
  if (sig.size() != shape.size()) return false;
  for (size_t k = 0; k < sig.size(); ++k)
    if (sig[k] >= 0 && sig[k] != shape[k]) return false;
  return true;
}
}  // namespace

void apply_inputs(Interpreter& interp, const std::vector<InputSpec>& specs) {
  // Resolve targets and load files first: resizing re-plans memory, so data go in afterwards.
  struct Pending {
    size_t index;
    const InputSpec* spec;
    NpyArray array;
    Image image;
  };
  std::vector<Pending> pending;
  std::vector<bool> given(interp.input_count(), false);
  const InputSpec* fallback = nullptr;  // "ramp"/"random" without a target apply to the rest
  size_t next_file = 0;
  for (const auto& spec : specs) {
    const bool from_file =
        spec.kind == InputSpec::Kind::File || spec.kind == InputSpec::Kind::Image;
    if (!from_file && spec.target.empty()) {
      fallback = &spec;
      continue;
    }
    size_t index = resolve_target(interp, spec, next_file);
    if (spec.target.empty()) {
      while (index < given.size() && given[index]) ++index;
      if (index >= interp.input_count())
        throw std::invalid_argument(fmt::format("--input {}: the model has only {} input(s)",
                                                spec.path, interp.input_count()));
      next_file = index + 1;
    }
    given[index] = true;
    Pending p{index, &spec, {}, {}};
    if (spec.kind == InputSpec::Kind::File) {
      p.array = read_npy(spec.path);
      auto& t = interp.input(index);
      if (p.array.shape != t.shape && p.array.dtype == t.dtype && resizable_to(t, p.array.shape))
        interp.resize_input(index, p.array.shape);
    } else if (spec.kind == InputSpec::Kind::Image) {
      p.image = decode_image(spec.path);
      // A dynamic-size image input takes the image's own size instead of resizing the image.
      auto& t = interp.input(index);
      if (spec.image.resize == ImageResize::None && (t.rank() == 4 || t.rank() == 3)) {
        auto shape = t.shape;
        shape[shape.size() - 3] = p.image.height;
        shape[shape.size() - 2] = p.image.width;
        if (shape != t.shape && resizable_to(t, shape)) interp.resize_input(index, shape);
      }
    }
    pending.push_back(std::move(p));
  }
  for (auto& p : pending) {
    auto& t = interp.input(p.index);
    switch (p.spec->kind) {
      case InputSpec::Kind::Ramp:
        fill_ramp(t);
        break;
      case InputSpec::Kind::Random:
        fill_random(t, p.spec->seed + p.index);
        break;
      case InputSpec::Kind::File:
        load_npy_into(t, p.array, p.spec->path);
        break;
      case InputSpec::Kind::Image:
        load_image_into(t, p.image, p.spec->image, p.spec->path);
        break;
    }
  }
  for (size_t k = 0; k < interp.input_count(); ++k) {
    if (given[k]) continue;
    auto& t = interp.input(k);
    if (fallback && fallback->kind == InputSpec::Kind::Random)
      fill_random(t, fallback->seed + k);
    else
      fill_ramp(t);
  }
}

}  // namespace edgelens::runtime
