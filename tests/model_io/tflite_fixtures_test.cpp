// The .tflite reader on every TFLite fixture in ../shared. Expected facts come from outside
// EdgeLens: TFLite's own view of each model (fixtures/reference/*/meta.json), the fixtures'
// documentation (fixtures/README.md, file names and provenance in MANIFEST.tsv) and semantics
// TFLite defines (a WHILE cond subgraph yields one bool).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/readers.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& relative) {
  return (testing::fixtures_dir() / relative).string();
}

bool has_tfl3_identifier(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  return in.gcount() == 8 && std::string(head + 4, 4) == "TFL3";
}

// LiteRT's deliberately broken or empty test models, and what is wrong with each (from their
// names and the LiteRT tests that use them): the reader must say so, naming the file.
struct ExpectedFailure {
  const char* path;     // relative to fixtures/
  const char* problem;  // substring of the error
};
constexpr ExpectedFailure kBroken[] = {
    {"tflite/litert/tflite/testdata/0_subgraphs.bin", "has no subgraphs"},
    {"tflite/litert/tflite/testdata/no_subgraphs.bin", "has no subgraphs"},
    {"tflite/litert/tflite/testdata/test_model_broken.bin", "TFL3"},
    {"tflite/litert/tflite/java/src/testdata/invalid_model.bin", "TFL3"},
};

bool expected_broken(const std::string& relative) {
  return std::any_of(std::begin(kBroken), std::end(kBroken),
                     [&](const ExpectedFailure& f) { return relative == f.path; });
}

TEST(TfliteFixtures, EveryTfliteFixtureOpens) {
  EDGELENS_REQUIRE_SHARED();
  int opened = 0;
  for (const auto& entry : fs::recursive_directory_iterator(testing::fixtures_dir() / "tflite")) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), testing::fixtures_dir()).string();
    // .tflite files, and LiteRT's .bin test models that carry the TFL3 identifier.
    if (entry.path().extension() != ".tflite" && !has_tfl3_identifier(entry.path())) continue;
    if (expected_broken(rel)) continue;
    SCOPED_TRACE(rel);
    try {
      auto model = open_model(entry.path().string());
      EXPECT_EQ(model->format, ModelFormat::TFLite);
      EXPECT_FALSE(model->graphs.empty());
      ++opened;
    } catch (const ModelError& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GT(opened, 200);  // MANIFEST.tsv lists 223 .tflite files
}

TEST(TfliteFixtures, BrokenLiteRtModelsFailWithAClearError) {
  EDGELENS_REQUIRE_SHARED();
  for (const auto& f : kBroken) {
    SCOPED_TRACE(f.path);
    const std::string path = fixture(f.path);
    ASSERT_TRUE(fs::exists(path));
    try {
      read_tflite(MappedFile::open(path));
      ADD_FAILURE() << "opened a broken model";
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(f.problem), std::string::npos) << e.what();
    }
  }
}

TEST(TfliteFixtures, EmptyLiteRtModelOpensWithNoOps) {
  EDGELENS_REQUIRE_SHARED();
  // LiteRT's empty_model.bin is a valid model with one subgraph and nothing in it.
  auto m = open_model(fixture("tflite/litert/tflite/testdata/empty_model.bin"));
  ASSERT_EQ(m->graphs.size(), 1u);
  EXPECT_TRUE(m->graphs[0].nodes.empty());
}

std::string dtype_of(const Tensor& t) {
  return std::string(dtype_name(t.dtype));
}

std::vector<int64_t> json_ints(const nlohmann::json& j) {
  return j.get<std::vector<int64_t>>();
}

void expect_tensor_matches(const Tensor& t, const nlohmann::json& want) {
  EXPECT_EQ(t.name, want.at("name").get<std::string>());
  EXPECT_EQ(dtype_of(t), want.at("dtype").get<std::string>());
  EXPECT_EQ(t.shape, json_ints(want.at("shape")));
  if (want.contains("shape_signature") && !t.shape_signature.empty()) {
    EXPECT_EQ(t.shape_signature, json_ints(want.at("shape_signature")));
  }
  if (want.contains("quantization") && want.at("quantization").is_object()) {
    const auto& q = want.at("quantization");
    ASSERT_EQ(t.quant.scales.size(), 1u);
    EXPECT_FLOAT_EQ(t.quant.scales[0], q.at("scale").get<float>());
    ASSERT_EQ(t.quant.zero_points.size(), 1u);
    EXPECT_EQ(t.quant.zero_points[0], q.at("zero_point").get<int64_t>());
  } else {
    // meta.json omits quantization for float tensors
    EXPECT_TRUE(t.quant.scales.empty() || dtype_is_float(t.dtype));
  }
}

TEST(TfliteFixtures, InputsAndOutputsAgreeWithTfliteMeta) {
  EDGELENS_REQUIRE_SHARED();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(testing::fixtures_dir() / "reference")) {
    const fs::path meta_path = entry.path() / "meta.json";
    if (!fs::exists(meta_path)) continue;
    std::ifstream in(meta_path);
    const auto meta = nlohmann::json::parse(in);
    const std::string model_path =
        (testing::shared_dir() / meta.at("model").get<std::string>()).string();
    SCOPED_TRACE(model_path);
    auto m = open_model(model_path);
    const Graph& g = m->graphs.at(0);
    const auto& inputs = meta.at("inputs");
    const auto& outputs = meta.at("outputs");
    ASSERT_EQ(g.inputs.size(), inputs.size());
    ASSERT_EQ(g.outputs.size(), outputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      SCOPED_TRACE("input " + std::to_string(i));
      expect_tensor_matches(g.tensors.at(g.inputs[i]), inputs[i]);
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      SCOPED_TRACE("output " + std::to_string(i));
      expect_tensor_matches(g.tensors.at(g.outputs[i]), outputs[i]);
    }
    // meta.json lists the custom ops TFLite had to resolve.
    std::set<std::string> custom;
    for (const auto& graph : m->graphs)
      for (const auto& n : graph.nodes)
        if (n.op.custom) custom.insert(n.op.name);
    std::set<std::string> want;
    for (const auto& c : meta.at("custom_ops")) want.insert(c.get<std::string>());
    EXPECT_EQ(custom, want);
    // ... and whether the model has variable (state) tensors.
    bool variable = false;
    for (const auto& graph : m->graphs)
      for (const auto& t : graph.tensors) variable = variable || t.is_variable;
    EXPECT_EQ(variable, meta.at("has_variable_tensors").get<bool>());
    ++checked;
  }
  EXPECT_GE(checked, 15);  // reference/ has 15 models
}

std::map<std::string, int> op_histogram(const Model& m) {
  std::map<std::string, int> h;
  for (const auto& g : m.graphs)
    for (const auto& n : g.nodes) ++h[n.op.name];
  return h;
}

TEST(TfliteFacts, MobileNetV2Int8Has84Ops) {
  EDGELENS_REQUIRE_SHARED();
  // fixtures/README.md: "an int8 MobileNetV2 (84 ops)".
  auto m = open_model(fixture("tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite"));
  ASSERT_EQ(m->graphs.size(), 1u);
  EXPECT_EQ(m->graphs[0].nodes.size(), 84u);
  const auto h = op_histogram(*m);
  EXPECT_GT(h.count("CONV_2D"), 0u);
  EXPECT_GT(h.count("DEPTHWISE_CONV_2D"), 0u);
  // int8 spec: conv weights are per-channel symmetric (zero point 0) along the output axis.
  bool per_channel = false;
  for (const auto& n : m->graphs[0].nodes) {
    if (n.op.name != "CONV_2D") continue;
    const Tensor& w = m->graphs[0].tensors.at(n.inputs.at(1));
    EXPECT_EQ(w.dtype, DType::Int8);
    if (w.quant.per_channel()) {
      per_channel = true;
      EXPECT_EQ(w.quant.axis, 0);
      EXPECT_EQ(static_cast<int64_t>(w.quant.scales.size()), w.shape.at(0));
      for (auto zp : w.quant.zero_points) EXPECT_EQ(zp, 0);
    }
    // every CONV_2D has a padding and strides, as TFLite requires
    EXPECT_TRUE(n.attr_string("padding") == "SAME" || n.attr_string("padding") == "VALID");
    EXPECT_GE(n.attr_int("stride_w").value_or(0), 1);
  }
  EXPECT_TRUE(per_channel);
}

TEST(TfliteFacts, SelfieSegmentationHasMediaPipeCustomOp) {
  EDGELENS_REQUIRE_SHARED();
  // fixtures/README.md: selfie segmentation (custom op Convolution2DTransposeBias).
  auto m = open_model(fixture("tflite/mediapipe/selfie_segmentation.tflite"));
  const auto h = op_histogram(*m);
  ASSERT_GT(h.count("Convolution2DTransposeBias"), 0u);
  for (const auto& n : m->graphs[0].nodes)
    if (n.op.name == "Convolution2DTransposeBias") {
      EXPECT_TRUE(n.op.custom);
      EXPECT_EQ(n.op.code, 32);  // BuiltinOperator CUSTOM
    }
}

int count_dtype(const Model& m, DType t, bool constants_only) {
  int n = 0;
  for (const auto& g : m.graphs)
    for (const auto& tensor : g.tensors)
      if (tensor.dtype == t && (!constants_only || tensor.is_constant)) ++n;
  return n;
}

int fp16_inputs(const Model& m) {
  int n = 0;
  for (const auto& g : m.graphs)
    for (const auto& node : g.nodes)
      for (int32_t i : node.inputs)
        if (i >= 0 && g.tensors.at(i).dtype == DType::Float16) ++n;
  return n;
}

TEST(TfliteFacts, MediaPipeModelsCarryFloat16WeightsAndDerivedOnesDoNot) {
  EDGELENS_REQUIRE_SHARED();
  // fixtures/README.md: MediaPipe models have FLOAT16 weights; derived/ widened them to FLOAT32.
  for (const char* name : {"face_detection_short_range", "face_detection_full_range"}) {
    SCOPED_TRACE(name);
    auto fp16 = open_model(fixture(std::string("tflite/mediapipe/") + name + ".tflite"));
    auto fp32 = open_model(fixture(std::string("tflite/derived/") + name + "_fp32.tflite"));
    EXPECT_GT(count_dtype(*fp16, DType::Float16, true), 0);
    // The widened twin still lists the old FLOAT16 tensors, but no op reads them any more
    // (checked independently with flatc --json and the reference schema).
    EXPECT_GT(fp16_inputs(*fp16), 0);
    EXPECT_EQ(fp16_inputs(*fp32), 0);
    // Every FLOAT16 constant holds exactly 2 bytes per element.
    for (const auto& t : fp16->graphs[0].tensors)
      if (t.dtype == DType::Float16 && t.is_constant) {
        EXPECT_EQ(static_cast<int64_t>(t.data.size()), 2 * t.element_count()) << t.name;
      }
    // Widening replaced weights, not structure: the same outputs.
    EXPECT_EQ(fp16->graphs[0].outputs.size(), fp32->graphs[0].outputs.size());
  }
}

TEST(TfliteFacts, SparseFaceDetectorHasSparseTensors) {
  EDGELENS_REQUIRE_SHARED();
  // fixtures/README.md: "face detection ... and a sparse variant".
  auto m = open_model(fixture("tflite/mediapipe/face_detection_full_range_sparse.tflite"));
  int sparse = 0;
  for (const auto& t : m->graphs[0].tensors) {
    if (!t.sparsity) continue;
    ++sparse;
    EXPECT_TRUE(t.is_constant);
    // TACO format: one dim metadata per traversed dim, and CSR dims carry index arrays.
    EXPECT_EQ(t.sparsity->dims.size(), t.sparsity->traversal_order.size());
    for (const auto& d : t.sparsity->dims)
      if (d.sparse_csr) {
        EXPECT_FALSE(d.segments.empty());
      }
  }
  EXPECT_GT(sparse, 0);
  // TFLite densifies sparse constants with DENSIFY before use.
  EXPECT_GT(op_histogram(*m).count("DENSIFY"), 0u);
}

TEST(TfliteFacts, MultiSignatureModelHasOneSignaturePerSubgraph) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_model(
      fixture("tflite/litert/litert/js/packages/core/testdata/multi_signature_model.tflite"));
  ASSERT_GE(m->signatures.size(), 2u);
  std::set<uint32_t> graphs;
  std::set<std::string> keys;
  for (const auto& s : m->signatures) {
    graphs.insert(s.graph);
    keys.insert(s.key);
    ASSERT_LT(s.graph, m->graphs.size());
    EXPECT_FALSE(s.inputs.empty());
    EXPECT_FALSE(s.outputs.empty());
  }
  EXPECT_EQ(keys.size(), m->signatures.size());  // keys are unique
  EXPECT_EQ(graphs.size(), m->signatures.size());
}

TEST(TfliteFacts, WhileLoopLinksCondAndBodySubgraphs) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* rel : {"tflite/litert/tflite/testdata/multi_subgraphs_while.bin",
                          "tflite/litert/tflite/testdata/nested_while.bin"}) {
    SCOPED_TRACE(rel);
    auto m = open_model(fixture(rel));
    int whiles = 0;
    for (const auto& g : m->graphs)
      for (const auto& n : g.nodes) {
        if (n.op.name != "WHILE") continue;
        ++whiles;
        ASSERT_EQ(n.called_graphs.size(), 2u);
        const Graph& cond = m->graphs.at(n.called_graphs[0]);
        const Graph& body = m->graphs.at(n.called_graphs[1]);
        // TFLite's WHILE: cond returns one bool; body maps the loop state to itself.
        ASSERT_EQ(cond.outputs.size(), 1u);
        EXPECT_EQ(cond.tensors.at(cond.outputs[0]).dtype, DType::Bool);
        EXPECT_EQ(body.inputs.size(), n.inputs.size());
        EXPECT_EQ(body.outputs.size(), n.outputs.size());
        EXPECT_EQ(cond.inputs.size(), n.inputs.size());
      }
    EXPECT_GT(whiles, 0);
  }
}

TEST(TfliteFacts, CallOnceLinksInitSubgraph) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_model(fixture("tflite/litert/tflite/testdata/call_once_mul.bin"));
  int calls = 0;
  for (const auto& n : m->graphs[0].nodes)
    if (n.op.name == "CALL_ONCE") {
      ++calls;
      ASSERT_EQ(n.called_graphs.size(), 1u);
      EXPECT_NE(n.called_graphs[0], 0u);
    }
  EXPECT_EQ(calls, 1);
}

TEST(TfliteFacts, SeanetSingleOpModelsAreInt16x8) {
  EDGELENS_REQUIRE_SHARED();
  // fixtures/README.md: "127 int16x8 single-op models".
  int models = 0;
  for (const auto& entry : fs::directory_iterator(testing::fixtures_dir() / "tflite" / "seanet")) {
    if (entry.path().extension() != ".tflite") continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto m = open_model(entry.path().string());
    ++models;
    size_t ops = 0;
    for (const auto& g : m->graphs) ops += g.nodes.size();
    EXPECT_EQ(ops, 1u);
    // int16 activations: the op's first input and output are int16 (x8: int8 weights).
    const Graph& g = m->graphs[0];
    const Tensor& out = g.tensors.at(g.nodes.at(0).outputs.at(0));
    EXPECT_TRUE(out.dtype == DType::Int16 || out.dtype == DType::Int32 ||
                out.dtype == DType::Bool || out.dtype == DType::Int64)
        << dtype_name(out.dtype);
  }
  EXPECT_EQ(models, 127);
}

TEST(TfliteFacts, PrecompiledNpuModelsListTheirDelegates) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir = testing::fixtures_dir() / "tflite/litert/litert/test/testdata";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find("precompiled") == std::string::npos || entry.path().extension() != ".tflite")
      continue;
    SCOPED_TRACE(name);
    auto m = open_model(entry.path().string());
    ++files;
    ASSERT_FALSE(m->delegates.empty());
    for (const auto& d : m->delegates) {
      EXPECT_GT(d.blob_bytes, 0u);
      EXPECT_LE(d.blob_bytes, fs::file_size(entry.path()));
    }
  }
  EXPECT_GT(files, 3);
  // fixtures/README.md: person_detect has "an Ethos-U precompiled variant".
  auto vela = open_model(fixture("tflite/micro/person_detect_vela.tflite"));
  ASSERT_EQ(vela->delegates.size(), 1u);
  EXPECT_EQ(vela->delegates[0].backend, "ethos-u");
  EXPECT_GT(vela->delegates[0].blob_bytes, 0u);
}

TEST(TfliteFacts, BlockwiseAndDynamicShapesAreNoted) {
  EDGELENS_REQUIRE_SHARED();
  auto bw = open_model(fixture("tflite/litert/litert/test/testdata/blockwise_quantized.tflite"));
  bool blockwise = false;
  for (const auto& t : bw->graphs[0].tensors)
    if (t.quant.blockwise) {
      blockwise = true;
      EXPECT_GT(t.quant.blockwise->block_size, 0);
    }
  EXPECT_TRUE(blockwise);
  auto dyn =
      open_model(fixture("tflite/litert/litert/test/testdata/simple_add_dynamic_shape.tflite"));
  const Graph& g = dyn->graphs[0];
  bool dynamic = false;
  for (int32_t i : g.inputs) {
    const auto& sig = g.tensors.at(i).shape_signature;
    dynamic = dynamic || std::find(sig.begin(), sig.end(), -1) != sig.end();
  }
  EXPECT_TRUE(dynamic);
}

TEST(TfliteFacts, MetadataRuntimeVersionIsText) {
  EDGELENS_REQUIRE_SHARED();
  // LiteRT's test_min_runtime.bin exists to carry a min_runtime_version entry.
  auto m = open_model(fixture("tflite/litert/tflite/testdata/test_min_runtime.bin"));
  bool found = false;
  for (const auto& [k, v] : m->metadata)
    if (k == "min_runtime_version") {
      found = true;
      EXPECT_FALSE(v.empty());
      EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
      })) << v;
    }
  EXPECT_TRUE(found);
}

TEST(TfliteFacts, OpeningIsFastAndDoesNotCopyWeights) {
  EDGELENS_REQUIRE_SHARED();
  const std::string path = fixture("tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite");
  auto m = open_model(path);  // warm the page cache
  const auto t0 = std::chrono::steady_clock::now();
  m = open_model(path);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 30.0);  // a 4 MB model; the target is 30 ms for 30 MB
  const auto file = m->file->bytes();
  for (const auto& t : m->graphs[0].tensors)
    if (!t.data.empty()) {
      EXPECT_GE(t.data.data(), file.data());
      EXPECT_LE(t.data.data() + t.data.size(), file.data() + file.size());
    }
}

}  // namespace
}  // namespace edgelens
