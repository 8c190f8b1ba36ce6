// Custom-op options as flexbuffers maps, and metadata summaries.
#include <flatbuffers/flexbuffers.h>
#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "tflite_internal.h"

namespace edgelens::tflite_detail {
namespace {

// flexbuffers reads lengths through the verifier's bounds but its accessors do not check
// themselves, so every value below comes from a buffer that passed flexbuffers::Verifier.
// Homogeneous vectors become int/float/string lists; mixed ones are shown as text.
template <typename Vec>
AttrValue vector_value(const Vec& v) {
  bool ints = true, nums = true, strs = true;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto e = v[i];
    ints = ints && (e.IsIntOrUint() || e.IsBool());
    nums = nums && (e.IsNumeric() || e.IsBool());
    strs = strs && e.IsString();
  }
  if (ints) {
    std::vector<int64_t> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(v[i].AsInt64());
    return out;
  }
  if (nums) {
    std::vector<double> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(v[i].AsDouble());
    return out;
  }
  if (strs) {
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(v[i].AsString().str());
    return out;
  }
  return std::monostate{};
}

AttrValue flex_value(const flexbuffers::Reference& r) {
  if (r.IsBool()) return r.AsBool();
  if (r.IsIntOrUint()) {
    if (r.IsUInt()) {
      const uint64_t u = r.AsUInt64();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return static_cast<double>(u);
      return static_cast<int64_t>(u);
    }
    return r.AsInt64();
  }
  if (r.IsFloat()) return r.AsDouble();
  if (r.IsString() || r.IsKey()) return r.AsString().str();
  if (r.IsBlob()) return fmt::format("<{} bytes>", r.AsBlob().size());
  if (r.IsNull()) return std::monostate{};
  if (r.IsAnyVector() && !r.IsMap()) {
    if (r.IsTypedVector()) return vector_value(r.AsTypedVector());
    if (r.IsFixedTypedVector()) return vector_value(r.AsFixedTypedVector());
    if (auto v = vector_value(r.AsVector()); !std::holds_alternative<std::monostate>(v)) return v;
  }
  std::string text;
  r.ToString(true, false, text);
  return text;
}

}  // namespace

bool decode_flexbuffer_map(std::span<const std::byte> bytes, std::vector<Attribute>& out,
                           std::string& problem) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 3 || bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    problem = fmt::format("{} bytes is not a flexbuffer", bytes.size());
    return false;
  }
  flexbuffers::Verifier verifier(data, bytes.size(), nullptr, /*check_alignment=*/false);
  if (!verifier.VerifyBuffer()) {
    problem = "custom options are not a well-formed flexbuffer";
    return false;
  }
  const auto root = flexbuffers::GetRoot(data, bytes.size());
  if (!root.IsMap()) {
    // A scalar or vector root is legal; show it as one attribute.
    out.push_back({"value", flex_value(root)});
    return true;
  }
  const auto map = root.AsMap();
  const auto keys = map.Keys();
  const auto values = map.Values();
  for (size_t i = 0; i < keys.size() && i < values.size(); ++i)
    out.push_back({keys[i].AsKey(), flex_value(values[i])});
  return true;
}

std::vector<uint8_t> encode_flexbuffer_map(std::span<const Attribute> attrs) {
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    for (const auto& a : attrs) {
      const char* key = a.name.c_str();
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              fbb.Null(key);
            } else if constexpr (std::is_same_v<T, bool>) {
              fbb.Bool(key, v);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              fbb.Int(key, v);
            } else if constexpr (std::is_same_v<T, double>) {
              fbb.Double(key, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              fbb.String(key, v);
            } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
              fbb.TypedVector(key, [&] {
                for (int64_t x : v) fbb.Int(x);
              });
            } else if constexpr (std::is_same_v<T, std::vector<double>>) {
              fbb.TypedVector(key, [&] {
                for (double x : v) fbb.Double(x);
              });
            } else {
              fbb.Vector(key, [&] {
                for (const auto& s : v) fbb.String(s);
              });
            }
          },
          a.value);
    }
  });
  fbb.Finish();
  return fbb.GetBuffer();
}

namespace {
// CONVERSION_METADATA is a small flatbuffer of its own (ConversionMetadata{environment:
// Environment{tensorflow_version:string, api_version:uint, model_type, model_hash}, options}).
// Only the environment is summarised; every access is verified first.
std::string conversion_summary(std::span<const std::byte> bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 8 || bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return {};
  flatbuffers::Verifier v(data, bytes.size(), 16, 1000, false);
  if (!v.VerifyOffset(0)) return {};
  const auto* root = flatbuffers::GetRoot<flatbuffers::Table>(data);
  if (!root->VerifyTableStart(v) || !root->VerifyOffset(v, 4)) return {};
  const auto* env = root->GetPointer<const flatbuffers::Table*>(4);
  if (!env || !env->VerifyTableStart(v) || !env->VerifyOffset(v, 4) ||
      !env->VerifyField<uint32_t>(v, 6, 4))
    return {};
  const auto* version = env->GetPointer<const flatbuffers::String*>(4);
  if (version && !v.VerifyString(version)) return {};
  std::string out;
  if (version) out += fmt::format("tensorflow_version {}, ", version->str());
  out += fmt::format("api_version {}", env->GetField<uint32_t>(6, 0));
  return out;
}
}  // namespace

std::string summarise_metadata(std::string_view name, std::span<const std::byte> bytes) {
  if (name == "min_runtime_version") {
    std::string text;
    for (std::byte b : bytes) {
      const char c = static_cast<char>(b);
      if (c == '\0') break;
      text += (c >= 32 && c < 127) ? c : '?';
    }
    return text;
  }
  if (name == "CONVERSION_METADATA") {
    const std::string s = conversion_summary(bytes);
    if (!s.empty()) return fmt::format("{} ({} bytes)", s, bytes.size());
  }
  return fmt::format("<{} bytes>", bytes.size());
}

}  // namespace edgelens::tflite_detail
