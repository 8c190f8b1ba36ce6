// The .pte reader on every ExecuTorch fixture in ../shared. Expected facts come from outside
// EdgeLens: the fixtures' provenance (ExecuTorch's own test models and examples, MANIFEST.tsv),
// what ExecuTorch documents about them, and an independent decode of each file with flatc and
// the reference schemas in ../shared/formats (`flatc --json --raw-binary program.fbs -- X.pte`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/readers.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

std::string et_fixture(const std::string& relative) {
  return (testing::fixtures_dir() / "executorch" / relative).string();
}

std::unique_ptr<Model> open_et(const std::string& relative) {
  return open_model(et_fixture(relative));
}

std::string meta(const Model& m, const std::string& key) {
  for (const auto& [k, v] : m.metadata)
    if (k == key) return v;
  return "<missing>";
}

const Graph* graph_named(const Model& m, const std::string& name) {
  for (const auto& g : m.graphs)
    if (g.name == name) return &g;
  return nullptr;
}

std::vector<float> floats(std::span<const std::byte> data) {
  std::vector<float> out(data.size() / 4);
  std::memcpy(out.data(), data.data(), out.size() * 4);
  return out;
}

std::vector<int64_t> shape_of(const Graph& g, int32_t tensor) {
  return g.tensors.at(static_cast<std::size_t>(tensor)).shape;
}

// How many .pte/.bpte files ../shared/fixtures/MANIFEST.tsv lists under executorch/.
int manifest_programs() {
  std::ifstream manifest(testing::fixtures_dir() / "MANIFEST.tsv");
  int count = 0;
  for (std::string line; std::getline(manifest, line);) {
    const std::string path = line.substr(0, line.find('\t'));
    if (path.rfind("executorch/", 0) != 0) continue;
    if (path.ends_with(".pte") || path.ends_with(".bpte")) ++count;
  }
  return count;
}

TEST(PteFixtures, EveryFixtureOpensOrFailsWithASpecificError) {
  EDGELENS_REQUIRE_SHARED();
  int opened = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::fixtures_dir() / "executorch")) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension().string();
    if (ext != ".pte" && ext != ".bpte" && ext != ".ptd") continue;
    SCOPED_TRACE(entry.path().string());
    if (ext == ".ptd") {  // external weights for linear.pte: data, not a program
      try {
        open_model(entry.path().string());
        ADD_FAILURE() << "a .ptd opened as a model";
      } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find(".ptd"), std::string::npos) << e.what();
      }
      continue;
    }
    auto model = open_model(entry.path().string());
    ASSERT_FALSE(model->graphs.empty());
    EXPECT_EQ(model->graphs[0].kind, GraphKind::Method);
    ++opened;
  }
  EXPECT_EQ(opened, manifest_programs());
}

// ExecuTorch's Apple test model: `add.pte` adds two float tensors of shape [1].
TEST(PteFixtures, AppleAddIsOneAddOutKernel) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("extension/apple/ExecuTorch/__tests__/resources/add.pte");
  EXPECT_EQ(m->format, ModelFormat::ExecuTorch);
  ASSERT_EQ(m->graphs.size(), 1u);
  const Graph& g = m->graphs[0];
  EXPECT_EQ(g.name, "forward");
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op.domain, "aten");
  EXPECT_EQ(g.nodes[0].op.name, "aten::add.out");
  ASSERT_EQ(g.inputs.size(), 2u);
  ASSERT_EQ(g.outputs.size(), 1u);
  // The kernel reads both method inputs and writes the method output.
  EXPECT_EQ(g.nodes[0].inputs, g.inputs);
  EXPECT_EQ(g.nodes[0].outputs, g.outputs);
  EXPECT_EQ(g.nodes[0].attr_int("alpha"), 1);  // add.out(self, other, *, alpha=1, out)
  for (int32_t t : g.inputs) {
    EXPECT_EQ(shape_of(g, t), std::vector<int64_t>{1});
    EXPECT_EQ(g.tensors[static_cast<std::size_t>(t)].dtype, DType::Float32);
    EXPECT_TRUE(g.tensors[static_cast<std::size_t>(t)].placement.has_value());
  }
}

// ExecuTorch test model ModuleLinear (test/models/export_program.py): a = 3*ones(2,2),
// b = 2*ones(2,2), forward(x) = mul(a, x) + b; exported before constant segments existed.
TEST(PteFixtures, OldConstantBufferHoldsModuleLinearWeights) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("test/models/deprecated/ModuleLinear-no-constant-segment.pte");
  const Graph& g = m->graphs.at(0);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op.name, "aten::mul.out");
  EXPECT_EQ(g.nodes[1].op.name, "aten::add.out");
  const Tensor& a = g.tensors.at(static_cast<std::size_t>(g.nodes[0].inputs.at(0)));
  const Tensor& b = g.tensors.at(static_cast<std::size_t>(g.nodes[1].inputs.at(1)));
  ASSERT_TRUE(a.is_constant);
  ASSERT_TRUE(b.is_constant);
  EXPECT_EQ(floats(a.data), std::vector<float>(4, 3.0f));
  EXPECT_EQ(floats(b.data), std::vector<float>(4, 2.0f));
  EXPECT_EQ(g.nodes[0].outputs, std::vector<int32_t>{g.nodes[1].inputs.at(0)});
  EXPECT_EQ(g.nodes[1].outputs, g.outputs);
  EXPECT_EQ(g.inputs, std::vector<int32_t>{g.nodes[0].inputs.at(1)});
}

// Arduino AddModel / HelloExecuTorch (same bytes): x + a constant, data in the constant segment
// of an "eh00" file.
TEST(PteFixtures, ArduinoAddModelReadsConstantSegment) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* path : {"examples/arduino/examples/AddModel/model.pte",
                           "examples/arduino/examples/HelloExecuTorch/model.pte"}) {
    SCOPED_TRACE(path);
    auto m = open_et(path);
    EXPECT_NE(meta(*m, "extended_header").find("eh00"), std::string::npos);
    const Graph& g = m->graphs.at(0);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].op.name, "aten::add.out");
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(shape_of(g, g.inputs[0]), std::vector<int64_t>{3});
    int constants = 0;
    for (int32_t t : g.nodes[0].inputs) {
      const Tensor& tensor = g.tensors.at(static_cast<std::size_t>(t));
      if (!tensor.is_constant) continue;
      ++constants;
      EXPECT_EQ(tensor.data.size(), 4u);  // one float
      // Segment data start at segment_base_offset, 1152 in the file header (bytes 24..31).
      EXPECT_EQ(tensor.external_offset, 1152u);
    }
    EXPECT_EQ(constants, 1);
  }
}

// Arm's Cortex-M keyword-spotting example: a quantized DS-CNN on 49x10 MFCC input, 12 classes,
// lowered to cortex_m:: kernels (op counts from the flatc decode).
TEST(PteFixtures, KeywordSpottingUsesCortexMKernels) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("examples/arduino/examples/KeywordSpotting/model.pte");
  const Graph& g = m->graphs.at(0);
  EXPECT_EQ(g.nodes.size(), 16u);
  std::map<std::string, int> histogram;
  for (const auto& n : g.nodes) ++histogram[n.op.name];
  EXPECT_EQ(histogram["cortex_m::quantized_depthwise_conv2d.out"], 5);
  EXPECT_EQ(histogram["cortex_m::quantized_conv2d.out"], 4);
  EXPECT_EQ(histogram["cortex_m::quantized_linear.out"], 1);
  EXPECT_EQ(g.nodes.front().op.name, "cortex_m::quantize_per_tensor.out");
  EXPECT_EQ(g.nodes.front().op.domain, "cortex_m");
  EXPECT_EQ(g.nodes.back().op.name, "cortex_m::dequantize_per_tensor.out");
  // Input quantization parameters as the flatc decode shows them (values 85..89).
  EXPECT_NEAR(g.nodes.front().attr_float("scale").value_or(0), 2.822782, 1e-6);
  EXPECT_EQ(g.nodes.front().attr_int("zero_point"), 68);
  EXPECT_EQ(g.nodes.front().attr_int("quant_min"), -128);
  EXPECT_EQ(g.nodes.front().attr_int("quant_max"), 127);
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(shape_of(g, g.inputs[0]), (std::vector<int64_t>{1, 1, 49, 10}));
  EXPECT_EQ(shape_of(g, g.outputs[0]), (std::vector<int64_t>{1, 12}));
  // Data flow: each node's output feeds the next one's first input, directly or through an
  // elided view that the memory planner put at the same place (avg_pool [1,64,1,1] -> [1,64]).
  for (std::size_t i = 1; i < g.nodes.size(); ++i) {
    const Tensor& in = g.tensors.at(static_cast<std::size_t>(g.nodes[i].inputs.at(0)));
    const Tensor& prev = g.tensors.at(static_cast<std::size_t>(g.nodes[i - 1].outputs.at(0)));
    ASSERT_TRUE(in.placement && prev.placement) << "node " << i;
    EXPECT_EQ(in.placement->memory_id, prev.placement->memory_id) << "node " << i;
    EXPECT_EQ(in.placement->offset, prev.placement->offset) << "node " << i;
  }
  int constants = 0;
  for (const auto& t : g.tensors) constants += t.is_constant ? 1 : 0;
  EXPECT_EQ(constants, 83);
}

// Two methods exported from one module (numpy-runtime fixture "multi").
TEST(PteFixtures, MultiMethodProgramHasOneGraphPerMethod) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("xnnpack/multi.pte");
  ASSERT_EQ(m->graphs.size(), 2u);
  EXPECT_EQ(m->graphs[0].name, "double");
  EXPECT_EQ(m->graphs[1].name, "forward");
  for (const auto& g : m->graphs) {
    EXPECT_EQ(g.kind, GraphKind::Method);
    ASSERT_EQ(g.nodes.size(), 2u);
    EXPECT_EQ(g.nodes[0].op.name, "dim_order_ops::_to_dim_order_copy.out");
    EXPECT_EQ(g.nodes[0].op.domain, "dim_order_ops");
    EXPECT_EQ(g.nodes[1].op.name, "aten::add.out");
  }
}

// Methods that only return constants (get_scalar -> 128, get_double -> 2.5, get_bool -> True,
// get_tensor -> tensor([1, 2, 3])).
TEST(PteFixtures, ConstantMethodsReportTheirValues) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("xnnpack/const_methods.pte");
  EXPECT_EQ(meta(*m, "get_scalar.returns"), "128");
  EXPECT_EQ(meta(*m, "get_double.returns"), "2.5");
  EXPECT_EQ(meta(*m, "get_bool.returns"), "true");
  const Graph* g = graph_named(*m, "get_tensor");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->outputs.size(), 1u);
  const Tensor& t = g->tensors.at(static_cast<std::size_t>(g->outputs[0]));
  EXPECT_EQ(t.dtype, DType::Int64);
  ASSERT_EQ(t.data.size(), 24u);
  int64_t values[3];
  std::memcpy(values, t.data.data(), sizeof values);
  EXPECT_EQ(values[0], 1);
  EXPECT_EQ(values[1], 2);
  EXPECT_EQ(values[2], 3);
}

// An LSTM custom op whose returns come back as a TensorList: 3 inputs + 4 weights in,
// output sequence and (h, c) out.
TEST(PteFixtures, TensorListReturnsBecomeOutputs) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("xnnpack/lstm/lstm.pte");
  const Graph& g = m->graphs.at(0);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.op.name, "etnp::lstm.out");
  EXPECT_EQ(n.op.domain, "etnp");
  EXPECT_EQ(n.inputs.size(), 7u);
  EXPECT_EQ(n.outputs, g.outputs);
  ASSERT_EQ(g.outputs.size(), 3u);
  EXPECT_EQ(shape_of(g, g.outputs[0]), (std::vector<int64_t>{5, 2, 3}));
  EXPECT_EQ(shape_of(g, g.inputs.at(0)), (std::vector<int64_t>{5, 2, 4}));
  int constants = 0;
  for (int32_t t : n.inputs) constants += g.tensors.at(static_cast<std::size_t>(t)).is_constant;
  EXPECT_EQ(constants, 4);
}

TEST(PteFixtures, DtypesFixtureKeepsInt64AndFloat) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("xnnpack/dtypes.pte");
  const Graph& g = m->graphs.at(0);
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.tensors.at(static_cast<std::size_t>(g.inputs[0])).dtype, DType::Int64);
  EXPECT_EQ(g.tensors.at(static_cast<std::size_t>(g.inputs[1])).dtype, DType::Float32);
  ASSERT_EQ(g.nodes.size(), 2u);
  // x + x for each input.
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<int32_t>{g.inputs[0], g.inputs[0]}));
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<int32_t>{g.inputs[1], g.inputs[1]}));
}

// release-0.6 linear.pte keeps linear.weight / linear.bias in linear.ptd.
TEST(PteFixtures, ExternalWeightsAreNamedAndReported) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("release-0.6/extension/module/test/resources/linear.pte");
  const Graph& g = m->graphs.at(0);
  std::vector<std::string> names;
  for (const auto& t : g.tensors) names.push_back(t.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "linear.weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "linear.bias"), names.end());
  // Their data come from linear.ptd next to the program (ptd_reader_test.cpp has the details).
  ASSERT_EQ(m->data_files.size(), 1u);
  EXPECT_NE(m->data_files[0]->path().find("linear.ptd"), std::string::npos);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op.name, "aten::permute_copy.out");
  // nn.Linear computes x @ W^T + b: permute dims (1, 0), then addmm(bias, x, W^T).
  const Attribute* dims = g.nodes[0].find_attr("dims");
  ASSERT_NE(dims, nullptr);
  EXPECT_EQ(std::get<std::vector<int64_t>>(dims->value), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(g.nodes[1].op.name, "aten::addmm.out");
  EXPECT_EQ(g.nodes[1].outputs, g.outputs);
}

TEST(PteFixtures, PtdIsRejectedAsExternalData) {
  EDGELENS_REQUIRE_SHARED();
  const auto path = et_fixture("release-0.6/extension/module/test/resources/linear.ptd");
  try {
    read_pte(MappedFile::open(path));
    FAIL() << "read_pte accepted a .ptd";
  } catch (const ModelError& e) {
    EXPECT_NE(e.problem().find("external tensor data"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find(".pte"), std::string::npos) << e.what();
  }
}

// ExecuTorch's module test resource: a bundled program (BP08) around forward(x, y) =
// a*x + b + y with 10 bundled test cases.
TEST(PteFixtures, BundledProgramOpensItsEmbeddedProgram) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_et("extension/module/test/resources/bundled_program.bpte");
  EXPECT_EQ(m->format, ModelFormat::ExecuTorchBundled);
  EXPECT_EQ(meta(*m, "identifier"), "ET12");
  EXPECT_EQ(meta(*m, "bundled_tests.forward"), "10 test cases");
  ASSERT_EQ(m->graphs.size(), 1u);
  const Graph& g = m->graphs[0];
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].op.name, "aten::mul.out");
  EXPECT_EQ(g.nodes[1].op.name, "aten::add.out");
  EXPECT_EQ(g.nodes[2].op.name, "aten::add.out");
  EXPECT_EQ(g.inputs.size(), 2u);
  // Constants live in the embedded program's segment, still views into the mapped file.
  const auto file = m->file->bytes();
  for (const auto& t : g.tensors) {
    if (!t.is_constant) continue;
    EXPECT_GE(t.data.data(), file.data());
    EXPECT_LE(t.data.data() + t.data.size(), file.data() + file.size());
  }
}

// Qualcomm's stories260k llama: two methods run a QnnBackend blob (opaque to EdgeLens) and the
// rest are constant getters of the model's hyper-parameters.
TEST(PteFixtures, QnnLlamaDelegateIsOpaqueWithSize) {
  EDGELENS_REQUIRE_SHARED();
  auto m =
      open_et("examples/qualcomm/oss_scripts/llama/artifacts/stories260k_hybrid_llama_qnn.pte");
  ASSERT_EQ(m->delegates.size(), 2u);
  for (const auto& d : m->delegates) {
    EXPECT_EQ(d.backend, "QnnBackend");
    EXPECT_EQ(d.decoded_graph, -1);
    EXPECT_EQ(d.blob_bytes, 1331456u);  // segment 1 in the flatc decode
    ASSERT_EQ(d.compile_specs.size(), 1u);
    EXPECT_EQ(d.compile_specs[0].first, "qnn_compile_spec");
  }
  for (const char* method : {"kv_forward", "prefill_forward"}) {
    const Graph* g = graph_named(*m, method);
    ASSERT_NE(g, nullptr) << method;
    ASSERT_EQ(g->nodes.size(), 1u);
    const Node& n = g->nodes[0];
    EXPECT_EQ(n.op.domain, "delegate");
    EXPECT_EQ(n.op.name, "QnnBackend");
    EXPECT_EQ(n.inputs.size(), 13u);
    EXPECT_EQ(n.outputs.size(), 11u);
    EXPECT_EQ(n.custom_options.size(), 1331456u);
    EXPECT_EQ(g->inputs.size(), 13u);
    EXPECT_EQ(g->outputs.size(), 11u);
  }
  EXPECT_EQ(meta(*m, "get_vocab_size.returns"), "512");
  EXPECT_EQ(meta(*m, "get_n_layers.returns"), "5");
  EXPECT_EQ(meta(*m, "get_max_seq_len.returns"), "128");
}

}  // namespace
}  // namespace edgelens
