// Quantization report cache (cache.h). Keys are SHA-256 digests (OpenSSL's libcrypto).
#include "edgelens/runtime/quant/cache.h"

#include <fmt/format.h>

#include <openssl/evp.h>
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
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
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
