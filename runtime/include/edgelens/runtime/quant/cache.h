// Result cache of the quantization debugger: a report is stored per (quantized model bytes, float
// model bytes, sample contents, mode, options) under $XDG_CACHE_HOME/edgelens/quant (default
// ~/.cache/edgelens/quant), one JSON file per key, written atomically. The key hashes the model
// *bytes* (SHA-256), not the path or the modification time, so an edited model never reuses an old
// report; the CLI and the GUI keep their entries in the same directory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/quant/debugger.h"

namespace edgelens::runtime::quant {

// SHA-256 (FIPS 180-4) of `bytes`, as 64 lowercase hex digits.
std::string sha256_hex(std::span<const std::byte> bytes);

// The bytes a model was read from (its mapped file); empty when the model has none.
std::span<const std::byte> model_bytes(const Model& model);

// Everything a report depends on, as canonical text: a format version, the running program's size
// and modification time (a rebuilt debugger must not reuse old numbers), the models' SHA-256, every
// sample input's dtype, shape and SHA-256, the mode, keep_float_top and target. The progress
// callback does not count.
std::string report_cache_key_text(const Model& quantized, const Model* float_model,
                                  std::span<const Sample> samples, const ReportOptions& options);

// $XDG_CACHE_HOME/edgelens/quant when XDG_CACHE_HOME is set and absolute, else
// $HOME/.cache/edgelens/quant; empty when neither is usable.
std::filesystem::path default_cache_dir();

class ReportCache {
 public:
  explicit ReportCache(std::filesystem::path dir = default_cache_dir());
  const std::filesystem::path& dir() const { return dir_; }
  bool enabled() const { return !dir_.empty(); }

  // The entry file for a key text (dir/quant-<sha256 of the key text>.json).
  std::filesystem::path entry_path(const std::string& key_text) const;
  // The stored report when an entry exists, parses and records exactly this key text; otherwise
  // nullopt (a damaged or foreign entry is a miss, never an error).
  std::optional<QuantReport> load(const std::string& key_text) const;
  // Stores atomically (temporary file + rename). Throws std::runtime_error naming the path when the
  // directory cannot be created or written.
  void store(const std::string& key_text, const QuantReport& report) const;

 private:
  std::filesystem::path dir_;
};

// Exact serialization of a QuantReport (every field, doubles round-trip bit for bit, NaN and
// infinities kept), used by the cache.
std::string report_to_cache_json(const QuantReport& report);
QuantReport report_from_cache_json(const std::string& text);  // throws on malformed text

struct CachedReport {
  QuantReport report;
  bool from_cache = false;
  std::filesystem::path entry;  // the cache file read or written (empty when caching is off)
  std::string cache_error;      // why the entry could not be written (the report is still valid)
};

// run_quant_report() behind the cache: a hit returns the stored report (its `model` and
// `float_model` set to the given models' paths); a miss runs the report and stores it. With
// `cache` null or disabled it just runs.
CachedReport run_quant_report_cached(const Model& quantized, const Model* float_model,
                                     std::span<const Sample> samples, const ReportOptions& options,
                                     const ReportCache* cache);

}  // namespace edgelens::runtime::quant
