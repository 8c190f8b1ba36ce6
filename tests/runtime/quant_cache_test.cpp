// The quantization report cache (runtime/quant/cache.h): the content hash against the SHA-256 that
// ../shared/fixtures/MANIFEST.tsv records for each file, a second run that hits the cache and
// returns the same numbers bit for bit, a one-byte change in a copy of the model that misses, a
// damaged entry that is ignored, and `edgelens quant-report` using and skipping (--no-cache) it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../cli/run_command.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/quant/cache.h"
#include "edgelens/runtime/quant/report.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
namespace rq = edgelens::runtime::quant;
using edgelens::testing::fixtures_dir;
using edgelens::testing::TempDir;

const char* const kModel = "tflite/micro/hello_world_int8.tflite";

std::string manifest_sha256(const std::string& relative) {
  std::ifstream in(fixtures_dir() / "MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string path, bytes, sha;
    std::getline(fields, path, '\t');
    std::getline(fields, bytes, '\t');
    std::getline(fields, sha, '\t');
    if (path == relative) return sha;
  }
  return {};
}

// Same value, NaN equal to NaN (the cache must return what it was given, NaN included).
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_same_rows(const std::vector<rq::TensorRow>& a, const std::vector<rq::TensorRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("row " + std::to_string(i));
    EXPECT_EQ(a[i].node, b[i].node);
    EXPECT_EQ(a[i].tensor_idx, b[i].tensor_idx);
    EXPECT_EQ(a[i].op_name, b[i].op_name);
    EXPECT_EQ(a[i].flagged, b[i].flagged);
    for (auto name : rq::kMetricNames)
      EXPECT_TRUE(same(rq::metric_value(a[i].metrics, name), rq::metric_value(b[i].metrics, name)))
          << name << ": " << rq::metric_value(a[i].metrics, name) << " vs "
          << rq::metric_value(b[i].metrics, name);
    EXPECT_TRUE(same(a[i].scale, b[i].scale));
  }
}

TEST(QuantCache, Sha256MatchesManifest) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* relative : {kModel, "tflite/micro/person_detect.tflite"}) {
    const std::string want = manifest_sha256(relative);
    ASSERT_EQ(want.size(), 64u) << relative << " not in MANIFEST.tsv";
    const auto model = edgelens::open_model((fixtures_dir() / relative).string());
    EXPECT_EQ(rq::sha256_hex(rq::model_bytes(*model)), want) << relative;
  }
  // FIPS 180-4's own examples: the empty message and "abc" (56- and 64-byte padding edges too).
  EXPECT_EQ(rq::sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  EXPECT_EQ(rq::sha256_hex(std::as_bytes(std::span(abc))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(rq::sha256_hex(std::as_bytes(std::span(two_blocks))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(QuantCache, SecondRunHitsWithIdenticalNumbersAndAnEditedModelMisses) {
  EDGELENS_REQUIRE_SHARED();
  TempDir dir;
  const rq::ReportCache cache(dir.path / "cache");
  const auto model = edgelens::open_model((fixtures_dir() / kModel).string());
  const auto samples = rq::random_samples(*model, 2, 1);
  rq::ReportOptions options;
  options.keep_float_top = 2;  // the what-if steps go through the cache too

  const auto first = rq::run_quant_report_cached(*model, nullptr, samples, options, &cache);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(first.cache_error.empty()) << first.cache_error;
  ASSERT_TRUE(fs::exists(first.entry));
  ASSERT_FALSE(first.report.layers.empty());

  const auto second = rq::run_quant_report_cached(*model, nullptr, samples, options, &cache);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.entry, first.entry);
  expect_same_rows(first.report.layers, second.report.layers);
  expect_same_rows(first.report.outputs, second.report.outputs);
  ASSERT_EQ(first.report.what_if.size(), second.report.what_if.size());
  for (size_t k = 0; k < first.report.what_if.size(); ++k) {
    EXPECT_EQ(first.report.what_if[k].float_nodes, second.report.what_if[k].float_nodes);
    EXPECT_TRUE(same(first.report.what_if[k].output_rmse, second.report.what_if[k].output_rmse));
  }
  EXPECT_EQ(rq::report_csv(first.report), rq::report_csv(second.report));
  EXPECT_EQ(rq::report_json(first.report), rq::report_json(second.report));

  // Other options or other samples are other entries.
  rq::ReportOptions model_mode = options;
  model_mode.mode = rq::ReportMode::Model;
  EXPECT_FALSE(
      rq::run_quant_report_cached(*model, nullptr, samples, model_mode, &cache).from_cache);
  const auto other_samples = rq::random_samples(*model, 2, 7);
  EXPECT_FALSE(
      rq::run_quant_report_cached(*model, nullptr, other_samples, options, &cache).from_cache);

  // One byte of a constant (a weight) changed in a copy: a different model, never the old entry.
  const auto bytes = rq::model_bytes(*model);
  const edgelens::Tensor* weight = nullptr;
  for (const auto& t : model->graphs[0].tensors)
    if (t.is_constant && !t.data.empty() && t.data.data() >= bytes.data() &&
        t.data.data() < bytes.data() + bytes.size())
      weight = &t;
  ASSERT_NE(weight, nullptr);
  std::vector<char> copy(reinterpret_cast<const char*>(bytes.data()),
                         reinterpret_cast<const char*>(bytes.data()) + bytes.size());
  const size_t offset = static_cast<size_t>(weight->data.data() - bytes.data());
  copy[offset] = static_cast<char>(copy[offset] ^ 1);
  const fs::path edited = dir.path / "edited.tflite";
  std::ofstream(edited, std::ios::binary).write(copy.data(), std::streamsize(copy.size()));
  const auto edited_model = edgelens::open_model(edited.string());
  const auto third = rq::run_quant_report_cached(*edited_model, nullptr, samples, options, &cache);
  EXPECT_FALSE(third.from_cache);
  EXPECT_NE(third.entry, first.entry);

  // A damaged entry is a miss, and the rerun writes a good one back.
  std::ofstream(first.entry, std::ios::binary | std::ios::trunc) << "{\"key\": 1";
  const auto fourth = rq::run_quant_report_cached(*model, nullptr, samples, options, &cache);
  EXPECT_FALSE(fourth.from_cache);
  expect_same_rows(first.report.layers, fourth.report.layers);
  EXPECT_TRUE(rq::run_quant_report_cached(*model, nullptr, samples, options, &cache).from_cache);
}

// The CLI uses $XDG_CACHE_HOME/edgelens/quant; --no-cache neither reads nor writes it.
TEST(QuantCache, CliUsesTheCacheUnlessNoCache) {
  EDGELENS_REQUIRE_SHARED();
  TempDir dir;
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CACHE_HOME", (dir.path / "xdg").c_str(), 1);
  const std::string model = (fixtures_dir() / kModel).string();
  const auto no_cache = edgelens::testing::run_edgelens(
      {"quant-report", model, "--no-cache", "--csv", (dir.path / "a.csv").string()});
  EXPECT_EQ(no_cache.exit_code, 0) << no_cache.err;
  EXPECT_FALSE(fs::exists(dir.path / "xdg" / "edgelens" / "quant"));
  const auto first = edgelens::testing::run_edgelens(
      {"quant-report", model, "--csv", (dir.path / "b.csv").string()});
  const auto second = edgelens::testing::run_edgelens(
      {"quant-report", model, "--csv", (dir.path / "c.csv").string()});
  if (old)
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_CACHE_HOME");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.err.find("cached report"), std::string::npos) << first.err;
  EXPECT_NE(second.err.find("cached report"), std::string::npos) << second.err;
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path / "xdg" / "edgelens" / "quant"))
    entries += e.path().extension() == ".json" ? 1 : 0;
  EXPECT_EQ(entries, 1u);
  const auto a = edgelens::testing::read_whole_file(dir.path / "a.csv");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, edgelens::testing::read_whole_file(dir.path / "b.csv"));
  EXPECT_EQ(a, edgelens::testing::read_whole_file(dir.path / "c.csv"));
}

}  // namespace
