// XNNPACK claims on real models. Expectations come from the fixture MANIFEST's descriptions
// (../shared/fixtures/MANIFEST.tsv, written from TFLite's own behaviour) and the rules in
// ../shared/notes/xnnpack-delegate-and-partitioning.md.
#include <gtest/gtest.h>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/delegate/xnnpack_rules.h"
#include "shared_dir.h"

namespace edgelens::delegate {
namespace {

std::unique_ptr<Model> open_fixture(const std::string& relative) {
  return open_model((edgelens::testing::fixtures_dir() / relative).string());
}

PartitionReport xnnpack_report(const Model& m, XnnpackMode mode = XnnpackMode::Current) {
  return analyze_partitions(m, 0, *make_xnnpack_rules(mode), {});
}

// MANIFEST: "fp16 weights, 164 ops, fully XNNPACK-delegable".
TEST(DelegateFixtures, FaceDetectionShortRangeIsFullyDelegated) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/mediapipe/face_detection_short_range.tflite");
  ASSERT_EQ(m->graphs[0].nodes.size(), 164u);
  const PartitionReport r = xnnpack_report(*m);
  for (const NodePlacement& p : r.nodes)
    EXPECT_TRUE(p.delegated) << "node " << p.node << " " << m->graphs[0].nodes[p.node].op.name
                             << ": " << p.verdict.reason;
  EXPECT_EQ(r.cpu_ops, 0);
  EXPECT_EQ(r.delegate_ops, 164);
  EXPECT_EQ(r.delegate_partitions, 1);
  // Its float16 weights reach the convolutions through DEQUANTIZE nodes, which the delegate
  // absorbs.
  int fp16_dequantize = 0;
  for (const NodePlacement& p : r.nodes)
    if (m->graphs[0].nodes[p.node].op.name == "DEQUANTIZE") {
      ++fp16_dequantize;
      EXPECT_TRUE(p.verdict.rule == "xnnpack.fp16_weights" ||
                  p.verdict.rule == "xnnpack.quasi_static")
          << p.verdict.rule;
    }
  EXPECT_GT(fp16_dequantize, 0);
}

// MANIFEST: "fp16 + CUSTOM:Convolution2DTransposeBias (XNNPACK-only custom op)".
TEST(DelegateFixtures, SelfieSegmentationCustomTransposeConvIsClaimed) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/mediapipe/selfie_segmentation.tflite");
  const PartitionReport r = xnnpack_report(*m);
  int custom = 0;
  for (const NodePlacement& p : r.nodes) {
    const Node& node = m->graphs[0].nodes[p.node];
    if (node.op.name != "Convolution2DTransposeBias") continue;
    ++custom;
    EXPECT_TRUE(p.delegated) << p.verdict.reason;
  }
  EXPECT_GT(custom, 0);
}

// MANIFEST: "single CUSTOM:ethos-u op": compiled for an NPU, nothing left for XNNPACK.
TEST(DelegateFixtures, VelaCompiledModelFallsBackEntirely) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/micro/person_detect_vela.tflite");
  const PartitionReport r = xnnpack_report(*m);
  EXPECT_EQ(r.delegate_ops, 0);
  bool saw_ethos = false;
  for (const NodePlacement& p : r.nodes)
    if (m->graphs[0].nodes[p.node].op.name == "ethos-u") {
      saw_ethos = true;
      EXPECT_EQ(p.verdict.rule, "xnnpack.custom_op");
    }
  EXPECT_TRUE(saw_ethos);
}

// MANIFEST: "fp16 + 46 sparse tensors (DENSIFY)": DENSIFY of constant sparse weights is unpacked
// at delegate prepare time (notes 2.1), so those nodes are claimed.
TEST(DelegateFixtures, SparseWeightsDensifyIsQuasiStatic) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/mediapipe/face_detection_full_range_sparse.tflite");
  const PartitionReport r = xnnpack_report(*m);
  int densify = 0;
  for (const NodePlacement& p : r.nodes)
    if (m->graphs[0].nodes[p.node].op.name == "DENSIFY") {
      ++densify;
      EXPECT_EQ(p.verdict.rule, "xnnpack.quasi_static") << p.verdict.reason;
      EXPECT_TRUE(p.verdict.claimed);
    }
  EXPECT_EQ(densify, 46);
}

// MANIFEST: "legacy quantized_dimension=3 on bias (TFLite>=2 and ArmNN reject)". XNNPACK validates
// a per-channel bias along dimension 0 (CheckTensorFloat32OrQCInt32Type), so those convolutions
// fall back with the axis named.
TEST(DelegateFixtures, PersonDetectLegacyBiasAxisIsRefused) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/micro/person_detect.tflite");
  const PartitionReport r = xnnpack_report(*m);
  int refused = 0;
  for (const NodePlacement& p : r.nodes) {
    if (p.verdict.rule != "xnnpack.per_channel_axis") continue;
    ++refused;
    EXPECT_NE(p.verdict.reason.find("bias quantized per channel along axis 3"), std::string::npos)
        << p.verdict.reason;
  }
  EXPECT_GT(refused, 0);
}

// The PyTorch-converted MobileNetV2 starts with a TRANSPOSE (NCHW input). TFLite's current delegate
// claims TRANSPOSE (notes 2.2); the Debian 2022 XNNPACK has no transpose node (stack-gotchas.md),
// so in local mode it runs on the CPU ahead of one delegated partition.
TEST(DelegateFixtures, LocalModeLeavesTransposeOnCpu) {
  EDGELENS_REQUIRE_SHARED();
  const auto m = open_fixture("tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite");
  const Graph& g = m->graphs[0];
  const PartitionReport current = xnnpack_report(*m);
  const PartitionReport local = xnnpack_report(*m, XnnpackMode::Local);
  int transposes = 0;
  for (const Node& node : g.nodes) {
    if (node.op.name != "TRANSPOSE") continue;
    ++transposes;
    EXPECT_TRUE(current.nodes[node.id].verdict.claimed) << current.nodes[node.id].verdict.reason;
    EXPECT_FALSE(local.nodes[node.id].delegated);
    EXPECT_EQ(local.nodes[node.id].verdict.rule, "xnnpack.local.missing_node");
  }
  EXPECT_GT(transposes, 0);
  EXPECT_GE(local.cpu_ops, transposes);
}

// Every fixture the reader opens gets a verdict with a reason for each fallback node, and the
// partitioner places every node exactly once.
TEST(DelegateFixtures, EveryFallbackHasAReason) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* path :
       {"tflite/micro/hello_world_int8.tflite", "tflite/micro/micro_speech_quantized.tflite",
        "tflite/micro/person_detect.tflite", "tflite/micro/trained_lstm.tflite",
        "tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite",
        "tflite/mediapipe/face_detection_full_range.tflite"}) {
    SCOPED_TRACE(path);
    const auto m = open_fixture(path);
    for (XnnpackMode mode : {XnnpackMode::Current, XnnpackMode::Local}) {
      const PartitionReport r = xnnpack_report(*m, mode);
      EXPECT_EQ(static_cast<size_t>(r.cpu_ops + r.delegate_ops), m->graphs[0].nodes.size());
      for (const NodePlacement& p : r.nodes) {
        EXPECT_GE(p.subset, 0);
        if (!p.verdict.claimed) {
          EXPECT_FALSE(p.verdict.reason.empty()) << "node " << p.node;
          EXPECT_FALSE(p.verdict.rule.empty()) << "node " << p.node;
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgelens::delegate
