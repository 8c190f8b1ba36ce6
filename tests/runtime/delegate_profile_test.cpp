// What-if profiles: the shipped files load and cite their source, a few documented limits hold
// (Vela: int8/int16 only, conv stride <= 3; GPU delegate: one partition by default), and malformed
// files are rejected with the place named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/delegate/profile_rules.h"

namespace edgelens::delegate {
namespace {

namespace fs = std::filesystem;
using B = TfliteBuilder;

fs::path profiles_dir() {
  return fs::path(EDGELENS_SOURCE_DIR) / "resources" / "delegates";
}

std::unique_ptr<DelegateRules> shipped(const std::string& name) {
  return load_profile_file((profiles_dir() / (name + ".json")).string());
}

TEST(DelegateProfiles, ShippedProfilesLoadAndCiteASource) {
  for (const char* name : {"gpu", "nnapi", "htp", "ethos-u"}) {
    SCOPED_TRACE(name);
    const auto rules = shipped(name);
    EXPECT_EQ(rules->name(), name);
    EXPECT_NE(rules->source().find("http"), std::string::npos);
  }
  EXPECT_EQ(shipped("gpu")->default_limits().max_partitions, 1);
  EXPECT_TRUE(shipped("gpu")->default_limits().uses_partition_helper);
  EXPECT_EQ(shipped("ethos-u")->target_label(), "NPU");
}

TEST(DelegateProfiles, MakeDelegateRulesFindsShippedProfilesByName) {
  // The lookup also walks up from the executable; the variable makes this independent of where the
  // test binary was built.
  ::setenv("EDGELENS_DELEGATES_DIR", profiles_dir().c_str(), 1);
  const auto rules = make_delegate_rules("ethos-u");
  EXPECT_EQ(rules->name(), "ethos-u");
  EXPECT_THROW(make_delegate_rules("no-such-delegate"), std::invalid_argument);
}

std::unique_ptr<Model> conv(DType dtype, int64_t stride) {
  B b;
  const bool q = dtype == DType::Int8;
  B::QuantSpec aq;
  if (q) aq = {.scales = {0.05f}, .zero_points = {0}};
  const size_t elem = q ? 1 : 4;
  const int x = b.add_tensor({.name = "x", .dtype = dtype, .shape = {1, 16, 16, 3}, .quant = aq});
  const int w = b.add_tensor(
      {.name = "w",
       .dtype = dtype,
       .shape = {4, 3, 3, 3},
       .data = std::vector<std::byte>(108 * elem),
       .quant = q ? B::QuantSpec{.scales = {0.01f}, .zero_points = {0}} : B::QuantSpec{}});
  const int bias = b.add_tensor(
      {.name = "b",
       .dtype = q ? DType::Int32 : DType::Float32,
       .shape = {4},
       .data = std::vector<std::byte>(16),
       .quant = q ? B::QuantSpec{.scales = {0.0005f}, .zero_points = {0}} : B::QuantSpec{}});
  const int y = b.add_tensor(
      {.name = "y", .dtype = dtype, .shape = {1, 16 / stride, 16 / stride, 4}, .quant = aq});
  b.add_op(
      {.op = "CONV_2D",
       .inputs = {x, w, bias},
       .outputs = {y},
       .options = {{"padding", std::string("SAME")}, {"stride_w", stride}, {"stride_h", stride}}});
  b.set_inputs({x});
  b.set_outputs({y});
  const auto bytes = b.finish();
  return open_model_bytes(bytes, "conv.tflite");
}

TEST(DelegateProfiles, EthosUTakesInt8ConvWithinVelaStrideLimits) {
  const auto rules = shipped("ethos-u");
  const auto int8 = conv(DType::Int8, 2);
  EXPECT_TRUE(rules->claim(*int8, int8->graphs[0], int8->graphs[0].nodes[0]).claimed);
  const auto fp32 = conv(DType::Float32, 1);
  const Verdict f = rules->claim(*fp32, fp32->graphs[0], fp32->graphs[0].nodes[0]);
  EXPECT_FALSE(f.claimed);
  EXPECT_EQ(f.rule, "ethos-u.dtype");
  const auto wide = conv(DType::Int8, 4);
  const Verdict s = rules->claim(*wide, wide->graphs[0], wide->graphs[0].nodes[0]);
  EXPECT_FALSE(s.claimed);
  EXPECT_EQ(s.rule, "ethos-u.stride");
  const PartitionReport r = analyze_partitions(*int8, 0, *rules, {});
  EXPECT_EQ(summary_line(r), "CPU operators = 0 / NPU operators = 1");
}

// tflite-micro ships person_detect.tflite and, next to it, person_detect_vela.tflite: the same
// network after Vela, which is one CUSTOM ethos-u op (MANIFEST.tsv). So Vela put every operator on
// the NPU, and the ethos-u profile must claim them all.
TEST(DelegateProfiles, EthosUClaimsAllOfPersonDetectLikeVela) {
  const fs::path fixtures = fs::path(EDGELENS_SHARED_DIR) / "fixtures" / "tflite" / "micro";
  if (!fs::is_directory(fixtures)) GTEST_SKIP() << "../shared fixtures absent: " << fixtures;
  const auto vela = open_model((fixtures / "person_detect_vela.tflite").string());
  ASSERT_EQ(vela->graphs[0].nodes.size(), 1u);
  EXPECT_EQ(vela->graphs[0].nodes[0].op.name, "ethos-u");
  const auto m = open_model((fixtures / "person_detect.tflite").string());
  const PartitionReport r = analyze_partitions(*m, 0, *shipped("ethos-u"), {});
  for (const NodePlacement& p : r.nodes) EXPECT_TRUE(p.delegated) << p.verdict.reason;
  EXPECT_EQ(r.cpu_ops, 0);
  EXPECT_EQ(r.delegate_partitions, 1);
}

TEST(DelegateProfiles, MalformedProfilesNameThePlace) {
  try {
    load_profile_text(R"({"name": "x", "ops": {"CONV_2D": {"strides": [1, 2]}}})", "bad.json");
    FAIL() << "unknown key accepted";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), "bad.json");
    EXPECT_EQ(e.place(), "ops.CONV_2D.strides");
  }
  EXPECT_THROW(
      load_profile_text(R"({"name": "x", "ops": {"ADD": {"dtypes": ["float33"]}}})", "bad.json"),
      ModelError);
  EXPECT_THROW(load_profile_text("{not json", "bad.json"), ModelError);
  EXPECT_THROW(load_profile_text(R"({"ops": {}})", "bad.json"), ModelError);
}

}  // namespace
}  // namespace edgelens::delegate
