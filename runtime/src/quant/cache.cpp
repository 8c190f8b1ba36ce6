// Quantization report cache (cache.h). SHA-256 is written here from FIPS 180-4 (a few dozen lines)
// rather than pulling a crypto library into the runtime for one hash.
#include "edgelens/runtime/quant/cache.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "edgelens/model_io/dtype.h"
#include "edgelens/runtime/quant/report.h"

namespace edgelens::runtime::quant {
namespace {

using nlohmann::json;

// Bumped whenever the report's computation or this file's format changes, so older entries miss.
constexpr int kCacheFormat = 1;

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void sha256_block(std::array<uint32_t, 8>& h, const uint8_t* block) {
  std::array<uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i)
    w[size_t(i)] = uint32_t(block[4 * i]) << 24 | uint32_t(block[4 * i + 1]) << 16 |
                   uint32_t(block[4 * i + 2]) << 8 | uint32_t(block[4 * i + 3]);
  for (size_t i = 16; i < 64; ++i) {
    const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (size_t i = 0; i < 64; ++i) {
    const uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const uint32_t ch = (e & f) ^ (~e & g);
    const uint32_t t1 = hh + s1 + ch + kSha256K[i] + w[i];
    const uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = s0 + maj;
    hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

// Doubles as JSON: numbers round-trip exactly (nlohmann prints max_digits10); NaN and infinities
// become strings, because the cache must return the numbers it was given.
json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double number_of(const json& j) {
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::invalid_argument("bad number " + s);
  }
  return j.get<double>();
}

json metrics_json(const ErrorMetrics& m) {
  return json::array({number(m.num_elements), number(m.stddev), number(m.mean_error),
                      number(m.max_abs_error), number(m.mean_squared_error), number(m.rmse_scale),
                      number(m.snr_db), number(m.cosine_similarity)});
}

ErrorMetrics metrics_of(const json& j) {
  if (!j.is_array() || j.size() != 8) throw std::invalid_argument("bad metrics");
  return {number_of(j[0]), number_of(j[1]), number_of(j[2]), number_of(j[3]),
          number_of(j[4]), number_of(j[5]), number_of(j[6]), number_of(j[7])};
}

json rows_json(const std::vector<TensorRow>& rows) {
  json out = json::array();
  for (const TensorRow& r : rows)
    out.push_back({{"node", r.node},
                   {"op_name", r.op_name},
                   {"tensor_idx", r.tensor_idx},
                   {"tensor_name", r.tensor_name},
                   {"metrics", metrics_json(r.metrics)},
                   {"scale", number(r.scale)},
                   {"zero_point", r.zero_point},
                   {"flagged", r.flagged},
                   {"reference_tensor", r.reference_tensor},
                   {"match", r.match}});
  return out;
}

std::vector<TensorRow> rows_of(const json& j) {
  std::vector<TensorRow> rows;
  for (const json& r : j) {
    TensorRow row;
    row.node = r.at("node").get<uint32_t>();
    row.op_name = r.at("op_name").get<std::string>();
    row.tensor_idx = r.at("tensor_idx").get<int32_t>();
    row.tensor_name = r.at("tensor_name").get<std::string>();
    row.metrics = metrics_of(r.at("metrics"));
    row.scale = number_of(r.at("scale"));
    row.zero_point = r.at("zero_point").get<int64_t>();
    row.flagged = r.at("flagged").get<bool>();
    row.reference_tensor = r.at("reference_tensor").get<int32_t>();
    row.match = r.at("match").get<std::string>();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string sha256_hex(std::span<const std::byte> bytes) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t full = n / 64;
  for (size_t i = 0; i < full; ++i) sha256_block(h, data + 64 * i);
  // Padding: 0x80, zeros, then the bit length as a big-endian 64-bit number.
  std::array<uint8_t, 128> tail{};
  const size_t rest = n - 64 * full;
  for (size_t i = 0; i < rest; ++i) tail[i] = data[64 * full + i];
  tail[rest] = 0x80;
  const size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bits = uint64_t(n) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - size_t(i)] = uint8_t(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) sha256_block(h, tail.data() + off);
  std::string out;
  out.reserve(64);
  for (uint32_t word : h) out += fmt::format("{:08x}", word);
  return out;
}

std::span<const std::byte> model_bytes(const Model& model) {
  if (!model.file) return {};
  return model.file->bytes();
}

std::string report_cache_key_text(const Model& quantized, const Model* float_model,
                                  std::span<const Sample> samples, const ReportOptions& options) {
  const auto model_hash = [](const Model& m) {
    const auto bytes = model_bytes(m);
    if (bytes.empty())
      throw std::invalid_argument(m.path + ": no file bytes to hash for the cache");
    return sha256_hex(bytes);
  };
  std::string key = fmt::format("edgelens quant-report cache {}\n", kCacheFormat);
  // The program's own identity (size and modification time, as ccache checks its compiler): a
  // rebuilt debugger never reuses numbers an older build computed.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto size = std::filesystem::file_size(exe, ec);
    const auto time = std::filesystem::last_write_time(exe, ec);
    if (!ec) key += fmt::format("program {} {}\n", size, time.time_since_epoch().count());
  }
  key += fmt::format("model {}\n", model_hash(quantized));
  key += fmt::format("float {}\n", float_model ? model_hash(*float_model) : "-");
  key += fmt::format("mode {}\n", options.mode == ReportMode::Layer ? "layer" : "model");
  key += fmt::format("keep_float_top {}\n", options.keep_float_top);
  key += options.target ? fmt::format("target {}\n", number(*options.target).dump()) : "target -\n";
  key += fmt::format("samples {}\n", samples.size());
  for (const Sample& s : samples)
    for (const NpyArray& a : s.inputs)
      key += fmt::format("input {} [{}] {}\n", dtype_name(a.dtype), fmt::join(a.shape, ","),
                         sha256_hex(a.data));
  return key;
}

std::filesystem::path default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && *xdg && std::filesystem::path(xdg).is_absolute())
    return std::filesystem::path(xdg) / "edgelens" / "quant";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::filesystem::path(home) / ".cache" / "edgelens" / "quant";
  return {};
}

ReportCache::ReportCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path ReportCache::entry_path(const std::string& key_text) const {
  const auto* p = reinterpret_cast<const std::byte*>(key_text.data());
  return dir_ / ("quant-" + sha256_hex({p, key_text.size()}) + ".json");
}

std::optional<QuantReport> ReportCache::load(const std::string& key_text) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(entry_path(key_text), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    const json entry = json::parse(text.str());
    // The file name is a hash of the key; the full key inside rules out a collision or a file
    // copied from elsewhere.
    if (entry.at("key").get<std::string>() != key_text) return std::nullopt;
    return report_from_cache_json(entry.at("report").dump());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void ReportCache::store(const std::string& key_text, const QuantReport& report) const {
  if (!enabled()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw std::runtime_error(fmt::format("{}: cannot create: {}", dir_.string(), ec.message()));
  json entry = {{"key", key_text}, {"report", json::parse(report_to_cache_json(report))}};
  write_file_atomically(entry_path(key_text), entry.dump());
}

std::string report_to_cache_json(const QuantReport& r) {
  json what_if = json::array();
  for (const WhatIfStep& s : r.what_if)
    what_if.push_back({{"k", s.k},
                       {"float_nodes", s.float_nodes},
                       {"output", metrics_json(s.output)},
                       {"output_rmse", number(s.output_rmse)}});
  json skipped = json::array();
  for (const SkippedNode& s : r.skipped)
    skipped.push_back({{"node", s.node}, {"op", s.op}, {"why", s.why}});
  json out = {{"model", r.model},
              {"float_model", r.float_model},
              {"mode", r.mode == ReportMode::Layer ? "layer" : "model"},
              {"samples", r.samples},
              {"layers", rows_json(r.layers)},
              {"accumulated", rows_json(r.accumulated)},
              {"pairs", rows_json(r.pairs)},
              {"outputs", rows_json(r.outputs)},
              {"outputs_vs_float", rows_json(r.outputs_vs_float)},
              {"what_if", what_if},
              {"suggested_k", r.suggested_k ? json(*r.suggested_k) : json(nullptr)},
              {"skipped", skipped},
              {"shadow_kind", r.shadow_kind},
              {"quant_ms_per_sample", number(r.quant_ms_per_sample)},
              {"total_ms_per_sample", number(r.total_ms_per_sample)}};
  return out.dump();
}

QuantReport report_from_cache_json(const std::string& text) {
  const json j = json::parse(text);
  QuantReport r;
  r.model = j.at("model").get<std::string>();
  r.float_model = j.at("float_model").get<std::string>();
  r.mode = j.at("mode").get<std::string>() == "layer" ? ReportMode::Layer : ReportMode::Model;
  r.samples = j.at("samples").get<size_t>();
  r.layers = rows_of(j.at("layers"));
  r.accumulated = rows_of(j.at("accumulated"));
  r.pairs = rows_of(j.at("pairs"));
  r.outputs = rows_of(j.at("outputs"));
  r.outputs_vs_float = rows_of(j.at("outputs_vs_float"));
  for (const json& s : j.at("what_if"))
    r.what_if.push_back({s.at("k").get<size_t>(), s.at("float_nodes").get<std::vector<uint32_t>>(),
                         metrics_of(s.at("output")), number_of(s.at("output_rmse"))});
  if (!j.at("suggested_k").is_null()) r.suggested_k = j.at("suggested_k").get<size_t>();
  for (const json& s : j.at("skipped"))
    r.skipped.push_back({s.at("node").get<uint32_t>(), s.at("op").get<std::string>(),
                         s.at("why").get<std::string>()});
  r.shadow_kind = j.at("shadow_kind").get<std::string>();
  r.quant_ms_per_sample = number_of(j.at("quant_ms_per_sample"));
  r.total_ms_per_sample = number_of(j.at("total_ms_per_sample"));
  return r;
}

CachedReport run_quant_report_cached(const Model& quantized, const Model* float_model,
                                     std::span<const Sample> samples, const ReportOptions& options,
                                     const ReportCache* cache) {
  CachedReport out;
  const bool use_cache = cache && cache->enabled() && !model_bytes(quantized).empty() &&
                         (!float_model || !model_bytes(*float_model).empty());
  std::string key;
  if (use_cache) {
    key = report_cache_key_text(quantized, float_model, samples, options);
    out.entry = cache->entry_path(key);
    if (auto hit = cache->load(key)) {
      out.report = std::move(*hit);
      out.report.model = quantized.path;
      if (float_model)
        out.report.float_model = float_model->path.empty() ? "float" : float_model->path;
      out.from_cache = true;
      return out;
    }
  }
  out.report = run_quant_report(quantized, float_model, samples, options);
  if (use_cache) {
    try {
      cache->store(key, out.report);
    } catch (const std::exception& e) {
      out.cache_error = e.what();
    }
  }
  return out;
}

}  // namespace edgelens::runtime::quant
