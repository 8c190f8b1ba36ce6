// Debug datasets: .npy samples from a directory, seeded random samples, and feeding them (and
// one interpreter's inputs into another's) with the conversions the debugger needs.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "edgelens/runtime/image_input.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/quant/debugger.h"
#include "edgelens/runtime/quant/derive.h"

namespace edgelens::runtime::quant {
namespace fs = std::filesystem;

namespace {

Sample read_sample_dir(const fs::path& dir) {
  Sample s;
  s.name = dir.filename().string();
  for (int k = 0;; ++k) {
    const auto path = dir / fmt::format("input{}.npy", k);
    if (!fs::exists(path)) break;
    s.inputs.push_back(read_npy(path));
  }
  return s;
}

template <class T>
void quantize_into(std::span<std::byte> out, std::span<const double> values,
                   const Quantization& q) {
  // reference_ops::AffineQuantize: round half away from zero, add the zero point, clamp.
  const double scale = q.scales.at(0);
  const int64_t zp = q.zero_points.empty() ? 0 : q.zero_points[0];
  for (size_t i = 0; i < values.size(); ++i) {
    const double r = std::round(values[i] / scale) + double(zp);
    const double c =
        std::clamp(r, double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max()));
    const T v = static_cast<T>(c);
    std::memcpy(out.data() + i * sizeof(T), &v, sizeof(T));
  }
}

std::vector<double> float_array(const NpyArray& a, const std::string& source) {
  const auto n = static_cast<size_t>(a.element_count());
  std::vector<double> v(n);
  if (a.dtype == DType::Float32) {
    if (a.data.size() < n * 4) throw std::invalid_argument(source + ": truncated data");
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, a.data.data() + 4 * i, 4);
      v[i] = f;
    }
  } else if (a.dtype == DType::Float64) {
    if (a.data.size() < n * 8) throw std::invalid_argument(source + ": truncated data");
    std::memcpy(v.data(), a.data.data(), n * 8);
  } else {
    throw std::invalid_argument(source + ": not a float array");
  }
  return v;
}

}  // namespace

std::vector<Sample> load_samples(const fs::path& dir) {
  if (!fs::is_directory(dir))
    throw std::invalid_argument(fmt::format("{}: not a directory", dir.string()));
  if (fs::exists(dir / "input0.npy")) return {read_sample_dir(dir)};
  std::vector<fs::path> subdirs;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && fs::exists(entry.path() / "input0.npy"))
      subdirs.push_back(entry.path());
  std::sort(subdirs.begin(), subdirs.end());
  if (subdirs.empty()) {
    std::vector<fs::path> images;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && has_image_extension(entry.path()))
        images.push_back(entry.path());
    std::sort(images.begin(), images.end());
    std::vector<Sample> samples;
    for (const auto& path : images) {
      const Image image = decode_image(path);
      Sample s{path.filename().string(), {}, true};
      NpyArray pixels;
      pixels.dtype = DType::UInt8;
      pixels.shape = {image.height, image.width, image.channels};
      const auto* p = reinterpret_cast<const std::byte*>(image.pixels.data());
      pixels.data.assign(p, p + image.pixels.size());
      s.inputs.push_back(std::move(pixels));
      samples.push_back(std::move(s));
    }
    if (!samples.empty()) return samples;
  }
  if (subdirs.empty())
    throw std::invalid_argument(fmt::format(
        "{}: no input0.npy there nor in any subdirectory (one sample = input<k>.npy files), and "
        "no image files",
        dir.string()));
  std::vector<Sample> samples;
  for (const auto& d : subdirs) samples.push_back(read_sample_dir(d));
  return samples;
}

std::vector<Sample> random_samples(const Model& model, size_t count, uint64_t seed) {
  Interpreter interpreter(model);
  std::vector<Sample> samples;
  for (size_t s = 0; s < count; ++s) {
    for (size_t k = 0; k < interpreter.input_count(); ++k)
      fill_random(interpreter.input(k), seed + s * 1000 + k);
    samples.push_back(capture_sample(interpreter, fmt::format("random{}", s)));
  }
  return samples;
}

Sample capture_sample(Interpreter& interpreter, std::string name) {
  Sample sample;
  sample.name = std::move(name);
  for (size_t k = 0; k < interpreter.input_count(); ++k) {
    const TensorBuffer& in = interpreter.input(k);
    NpyArray a;
    a.dtype = in.dtype;
    a.shape = in.shape;
    const auto raw = in.raw();
    a.data.assign(raw.begin(), raw.begin() + std::ptrdiff_t(std::min(raw.size(), in.byte_size())));
    sample.inputs.push_back(std::move(a));
  }
  return sample;
}

void feed_sample(Interpreter& interpreter, const Sample& sample) {
  if (sample.inputs.size() != interpreter.input_count())
    throw std::invalid_argument(fmt::format("sample '{}' has {} input(s), the model takes {}",
                                            sample.name, sample.inputs.size(),
                                            interpreter.input_count()));
  if (sample.image) {
    const NpyArray& a = sample.inputs.at(0);
    if (a.dtype != DType::UInt8 || a.shape.size() != 3)
      throw std::invalid_argument(fmt::format("sample '{}': not decoded pixels", sample.name));
    Image image{a.shape[1], a.shape[0], a.shape[2], {}};
    const auto* p = reinterpret_cast<const uint8_t*>(a.data.data());
    image.pixels.assign(p, p + a.data.size());
    load_image_into(interpreter.input(0), image, {}, sample.name);
    return;
  }
  for (size_t k = 0; k < sample.inputs.size(); ++k) {
    TensorBuffer& in = interpreter.input(k);
    const NpyArray& a = sample.inputs[k];
    const std::string source = fmt::format("sample '{}' input{}.npy", sample.name, k);
    if (a.dtype == in.dtype) {
      load_npy_into(in, a, source);
      continue;
    }
    const bool float_array_given = a.dtype == DType::Float32 || a.dtype == DType::Float64;
    if (!float_array_given)
      throw std::invalid_argument(fmt::format("{}: {} given, the input is {}", source,
                                              dtype_name(a.dtype), dtype_name(in.dtype)));
    NpyArray converted;
    converted.dtype = in.dtype;
    converted.shape = a.shape;
    const auto values = float_array(a, source);
    if (in.dtype == DType::Float32) {
      converted.data.resize(values.size() * 4);
      for (size_t i = 0; i < values.size(); ++i) {
        const float f = static_cast<float>(values[i]);
        std::memcpy(converted.data.data() + 4 * i, &f, 4);
      }
    } else if (in.ir && is_quantized_activation(*in.ir)) {
      converted.data.resize(values.size() * (dtype_bits(in.dtype) / 8));
      if (in.dtype == DType::Int8)
        quantize_into<int8_t>(converted.data, values, in.quant());
      else if (in.dtype == DType::UInt8)
        quantize_into<uint8_t>(converted.data, values, in.quant());
      else
        quantize_into<int16_t>(converted.data, values, in.quant());
    } else {
      throw std::invalid_argument(fmt::format("{}: cannot convert {} to the {} input", source,
                                              dtype_name(a.dtype), dtype_name(in.dtype)));
    }
    load_npy_into(in, converted, source);
  }
}

std::vector<float> float_values(const TensorBuffer& t) {
  const auto n = static_cast<size_t>(std::max<int64_t>(t.element_count(), 0));
  if (t.dtype == DType::Float32) {
    const auto v = t.view<float>();
    return {v.begin(), v.begin() + std::ptrdiff_t(std::min(n, v.size()))};
  }
  if (t.ir && is_quantized(*t.ir) && t.dtype == t.ir->dtype)
    return dequantize_values(t.dtype, t.raw(), int64_t(n), t.quant(), t.shape);
  std::vector<float> out(n);
  auto convert = [&](auto tag) {
    using T = decltype(tag);
    const auto v = t.view<T>();
    for (size_t i = 0; i < n && i < v.size(); ++i) out[i] = static_cast<float>(v[i]);
  };
  switch (t.dtype) {
    case DType::Float64:
      convert(double{});
      break;
    case DType::Int8:
      convert(int8_t{});
      break;
    case DType::UInt8:
      convert(uint8_t{});
      break;
    case DType::Int16:
      convert(int16_t{});
      break;
    case DType::Int32:
      convert(int32_t{});
      break;
    case DType::Int64:
      convert(int64_t{});
      break;
    case DType::Bool:
      convert(uint8_t{});
      break;
    default:
      throw std::invalid_argument(fmt::format("tensor '{}': cannot compare {} values",
                                              t.ir ? t.ir->name : "", dtype_name(t.dtype)));
  }
  return out;
}

void copy_tensor_into(Interpreter& dst, size_t input, const TensorBuffer& src) {
  if (dst.input(input).shape != src.shape) dst.resize_input(input, src.shape);
  TensorBuffer& d = dst.input(input);
  if (d.dtype == src.dtype) {
    auto out = d.mutable_raw();
    const size_t bytes = std::min({out.size(), src.bytes, src.byte_size()});
    if (bytes) std::memcpy(out.data(), src.data, bytes);
    return;
  }
  if (d.dtype == DType::Float32) {
    const auto values = float_values(src);
    auto out = d.mutable_view<float>();
    std::copy_n(values.begin(), std::min(values.size(), out.size()), out.begin());
    return;
  }
  throw std::invalid_argument(fmt::format("input {}: cannot feed {} into {}", input,
                                          dtype_name(src.dtype), dtype_name(d.dtype)));
}

void feed_from(Interpreter& dst, Interpreter& src) {
  if (dst.input_count() != src.input_count())
    throw std::invalid_argument(
        fmt::format("the models take {} and {} inputs", src.input_count(), dst.input_count()));
  for (size_t k = 0; k < src.input_count(); ++k) copy_tensor_into(dst, k, src.input(k));
}

}  // namespace edgelens::runtime::quant
