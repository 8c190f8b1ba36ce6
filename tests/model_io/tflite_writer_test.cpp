// TfliteBuilder -> bytes -> read_tflite round trips, and the writer's files checked by an
// independent decoder (flatc with the reference schema in ../shared/formats) where available.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/readers.h"
#include "edgelens/model_io/tflite_writer.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

namespace fs = std::filesystem;
using B = TfliteBuilder;

std::unique_ptr<Model> read_back(const B& b) {
  const auto bytes = b.finish();
  return open_model_bytes(bytes, "builder.tflite");
}

// Attributes given to the writer must come back with the same values.
void expect_attrs(const Node& n, const std::vector<Attribute>& want) {
  for (const auto& a : want) {
    const Attribute* got = n.find_attr(a.name);
    ASSERT_NE(got, nullptr) << n.op.name << " lost " << a.name;
    EXPECT_EQ(attr_to_string(got->value), attr_to_string(a.value)) << n.op.name << "." << a.name;
  }
}

TEST(TfliteWriter, ConvModelRoundTrips) {
  B b;
  b.set_description("conv test");
  const std::vector<float> w(2 * 3 * 3 * 1, 0.5f);
  const std::vector<int32_t> bias = {7, -7};
  const int x = b.add_tensor({.name = "input",
                              .dtype = DType::Int8,
                              .shape = {1, 8, 8, 1},
                              .shape_signature = {-1, 8, 8, 1},
                              .quant = {.scales = {0.5f}, .zero_points = {-3}}});
  std::vector<int8_t> wq(18, 1);
  const int wt =
      b.add_tensor({.name = "model/conv/weights",
                    .dtype = DType::Int8,
                    .shape = {2, 3, 3, 1},
                    .data = B::bytes_of(wq),
                    .quant = {.scales = {0.25f, 0.125f}, .zero_points = {0, 0}, .axis = 0}});
  const int bt = b.add_tensor({.name = "model/conv/bias",
                               .dtype = DType::Int32,
                               .shape = {2},
                               .data = B::bytes_of(bias),
                               .quant = {.scales = {0.125f, 0.0625f}, .zero_points = {0, 0}}});
  const int y = b.add_tensor({.name = "model/conv/Relu6",
                              .dtype = DType::Int8,
                              .shape = {1, 4, 4, 2},
                              .quant = {.scales = {0.1f}, .zero_points = {5}}});
  const std::vector<Attribute> conv_opts = {
      {"padding", std::string("VALID")}, {"stride_w", int64_t{2}},
      {"stride_h", int64_t{2}},          {"fused_activation_function", std::string("RELU6")},
      {"dilation_w_factor", int64_t{1}}, {"dilation_h_factor", int64_t{1}}};
  b.add_op(
      {.op = "CONV_2D", .version = 3, .inputs = {x, wt, bt}, .outputs = {y}, .options = conv_opts});
  b.set_inputs({x});
  b.set_outputs({y});
  b.add_signature(
      {.key = "serving_default", .subgraph = 0, .inputs = {{"image", x}}, .outputs = {{"out", y}}});
  const std::string version = "2.3.0";
  b.add_metadata("min_runtime_version", std::as_bytes(std::span(version)));

  auto m = read_back(b);
  EXPECT_EQ(m->description, "conv test");
  EXPECT_EQ(m->schema_version, 3u);
  ASSERT_EQ(m->graphs.size(), 1u);
  const Graph& g = m->graphs[0];
  ASSERT_EQ(g.tensors.size(), 4u);
  EXPECT_EQ(g.inputs, std::vector<int32_t>{x});
  EXPECT_EQ(g.outputs, std::vector<int32_t>{y});
  EXPECT_EQ(g.tensors[x].shape_signature, (std::vector<int64_t>{-1, 8, 8, 1}));
  EXPECT_EQ(g.tensors[x].quant.zero_points, std::vector<int64_t>{-3});
  const Tensor& wten = g.tensors[wt];
  EXPECT_TRUE(wten.is_constant);
  EXPECT_EQ(wten.data.size(), 18u);
  EXPECT_TRUE(wten.quant.per_channel());
  EXPECT_EQ(wten.quant.scales, (std::vector<float>{0.25f, 0.125f}));
  EXPECT_EQ(wten.quant.axis, 0);
  // 16-byte aligned constant data, as the schema asks
  EXPECT_EQ(reinterpret_cast<uintptr_t>(wten.data.data()) % 16, 0u);
  EXPECT_EQ(std::memcmp(g.tensors[bt].data.data(), bias.data(), 8), 0);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.op.name, "CONV_2D");
  EXPECT_EQ(n.op.code, 3);
  EXPECT_EQ(n.op.version, 3);
  expect_attrs(n, conv_opts);
  EXPECT_EQ(n.ns, "model/conv");
  ASSERT_EQ(m->signatures.size(), 1u);
  EXPECT_EQ(m->signatures[0].key, "serving_default");
  EXPECT_EQ(m->signatures[0].inputs.at(0).name, "image");
  EXPECT_EQ(m->signatures[0].outputs.at(0).tensor, static_cast<uint32_t>(y));
  ASSERT_EQ(m->metadata.size(), 1u);
  EXPECT_EQ(m->metadata[0].second, "2.3.0");
  EXPECT_TRUE(m->warnings.empty()) << m->warnings.front();
}

struct OpCase {
  const char* op;
  std::vector<Attribute> options;
};

// The ops the interpreter (issue 4) needs, each with non-default options.
std::vector<OpCase> kernel_ops() {
  using S = std::string;
  using I = int64_t;
  using V = std::vector<int64_t>;
  return {
      {"ADD", {{"fused_activation_function", S("RELU")}, {"pot_scale_int16", false}}},
      {"SUB", {{"fused_activation_function", S("RELU_N1_TO_1")}}},
      {"MUL", {{"fused_activation_function", S("TANH")}}},
      {"DIV", {{"fused_activation_function", S("RELU6")}}},
      {"CONV_2D",
       {{"padding", S("VALID")},
        {"stride_w", I(2)},
        {"stride_h", I(3)},
        {"dilation_w_factor", I(2)}}},
      {"DEPTHWISE_CONV_2D",
       {{"padding", S("SAME")}, {"depth_multiplier", I(2)}, {"stride_h", I(2)}}},
      {"TRANSPOSE_CONV",
       {{"padding", S("VALID")}, {"stride_w", I(2)}, {"fused_activation_function", S("RELU")}}},
      {"FULLY_CONNECTED", {{"keep_num_dims", true}, {"weights_format", S("SHUFFLED4x16INT8")}}},
      {"MAX_POOL_2D", {{"filter_width", I(3)}, {"filter_height", I(2)}, {"stride_w", I(2)}}},
      {"AVERAGE_POOL_2D", {{"filter_width", I(2)}, {"padding", S("VALID")}}},
      {"L2_POOL_2D", {{"filter_width", I(2)}}},
      {"SOFTMAX", {{"beta", 0.5}}},
      {"CONCATENATION", {{"axis", I(-1)}, {"fused_activation_function", S("RELU")}}},
      {"RESHAPE", {{"new_shape", V{1, -1, 4}}}},
      {"STRIDED_SLICE",
       {{"begin_mask", I(1)}, {"end_mask", I(2)}, {"shrink_axis_mask", I(4)}, {"offset", true}}},
      {"MEAN", {{"keep_dims", true}}},
      {"SUM", {{"keep_dims", true}}},
      {"REDUCE_MAX", {{"keep_dims", true}}},
      {"REDUCE_PROD", {{"keep_dims", true}}},
      {"GATHER", {{"axis", I(1)}, {"batch_dims", I(1)}}},
      {"SPLIT", {{"num_splits", I(3)}}},
      {"SPLIT_V", {{"num_splits", I(2)}}},
      {"PACK", {{"values_count", I(2)}, {"axis", I(1)}}},
      {"UNPACK", {{"num", I(2)}, {"axis", I(-1)}}},
      {"LEAKY_RELU", {{"alpha", 0.25}}},
      {"RESIZE_BILINEAR", {{"align_corners", true}, {"half_pixel_centers", false}}},
      {"RESIZE_NEAREST_NEIGHBOR", {{"half_pixel_centers", true}}},
      {"SQUEEZE", {{"squeeze_dims", V{0, 2}}}},
      {"DEPTH_TO_SPACE", {{"block_size", I(2)}}},
      {"SPACE_TO_DEPTH", {{"block_size", I(4)}}},
      {"CAST", {{"in_data_type", S("FLOAT32")}, {"out_data_type", S("INT8")}}},
      {"MIRROR_PAD", {{"mode", S("SYMMETRIC")}}},
      {"ARG_MAX", {{"output_type", S("INT32")}}},
      {"ARG_MIN", {{"output_type", S("INT64")}}},
      {"BATCH_MATMUL", {{"adj_x", true}, {"adj_y", false}, {"asymmetric_quantize_inputs", true}}},
      {"CUMSUM", {{"exclusive", true}, {"reverse", true}}},
      {"GELU", {{"approximate", true}}},
      {"SHAPE", {{"out_type", S("INT64")}}},
      {"L2_NORMALIZATION", {{"fused_activation_function", S("NONE")}}},
      {"LOCAL_RESPONSE_NORMALIZATION",
       {{"radius", I(2)}, {"bias", 1.5}, {"alpha", 0.5}, {"beta", 0.75}}},
      {"SVDF", {{"rank", I(2)}, {"fused_activation_function", S("RELU")}}},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM",
       {{"cell_clip", 10.0}, {"proj_clip", 0.5}, {"time_major", false}}},
      {"TOPK_V2", {}},
      {"HARD_SWISH", {}},
      {"LOGISTIC", {}},
  };
}

TEST(TfliteWriter, EveryKernelOpRoundTripsItsOptions) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {1, 4}});
  const auto cases = kernel_ops();
  std::vector<int> outs;
  for (const auto& c : cases) {
    const int y = b.add_tensor({.name = std::string(c.op) + "/out", .shape = {1, 4}});
    b.add_op({.op = c.op, .inputs = {x}, .outputs = {y}, .options = c.options});
    outs.push_back(y);
  }
  b.set_inputs({x});
  b.set_outputs({outs.back()});
  auto m = read_back(b);
  const Graph& g = m->graphs.at(0);
  ASSERT_EQ(g.nodes.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].op);
    EXPECT_EQ(g.nodes[i].op.name, cases[i].op);
    EXPECT_FALSE(g.nodes[i].op.custom);
    expect_attrs(g.nodes[i], cases[i].options);
  }
}

TEST(TfliteWriter, SubgraphsControlFlowVariablesAndCustomOps) {
  B b;
  const int i = b.add_tensor({.name = "i", .dtype = DType::Int32, .shape = {}});
  const int state = b.add_tensor({.name = "state", .shape = {1, 16}, .is_variable = true});
  const int o = b.add_tensor({.name = "o", .dtype = DType::Int32, .shape = {}});
  const int c = b.add_tensor({.name = "c", .shape = {1, 16}});
  const int cond = 1, body = 2, init = 3;
  b.add_op({.op = "WHILE",
            .inputs = {i},
            .outputs = {o},
            .options = {{"cond_subgraph_index", int64_t{cond}},
                        {"body_subgraph_index", int64_t{body}}}});
  b.add_op({.op = "CALL_ONCE", .options = {{"init_subgraph_index", int64_t{init}}}});
  b.add_op({.op = "MyFancyOp",
            .custom = true,
            .inputs = {state, -1},
            .outputs = {c},
            .options = {{"alpha", 0.5},
                        {"mode", std::string("fast")},
                        {"taps", std::vector<int64_t>{1, 2, 3}},
                        {"enabled", true},
                        {"count", int64_t{-4}}}});
  b.set_inputs({i});
  b.set_outputs({o, c});

  EXPECT_EQ(b.add_subgraph("cond"), cond);
  const int ci = b.add_tensor({.name = "ci", .dtype = DType::Int32, .shape = {}});
  const int lim = b.add_tensor(
      {.name = "limit", .dtype = DType::Int32, .shape = {}, .data = B::bytes_of<int32_t>({10})});
  const int cb = b.add_tensor({.name = "cb", .dtype = DType::Bool, .shape = {}});
  b.add_op({.op = "LESS", .inputs = {ci, lim}, .outputs = {cb}});
  b.set_inputs({ci});
  b.set_outputs({cb});
  EXPECT_EQ(b.add_subgraph("body"), body);
  const int bi = b.add_tensor({.name = "bi", .dtype = DType::Int32, .shape = {}});
  const int bo = b.add_tensor({.name = "bo", .dtype = DType::Int32, .shape = {}});
  b.add_op({.op = "ADD", .inputs = {bi, bi}, .outputs = {bo}});
  b.set_inputs({bi});
  b.set_outputs({bo});
  EXPECT_EQ(b.add_subgraph("init"), init);
  b.select_subgraph(0);
  EXPECT_EQ(b.selected_subgraph(), 0);

  auto m = read_back(b);
  ASSERT_EQ(m->graphs.size(), 4u);
  EXPECT_EQ(m->graphs[1].name, "cond");
  EXPECT_EQ(m->graphs[2].name, "body");
  const Graph& g = m->graphs[0];
  EXPECT_TRUE(g.tensors[state].is_variable);
  EXPECT_FALSE(g.tensors[i].is_variable);
  EXPECT_EQ(g.nodes[0].called_graphs, (std::vector<uint32_t>{cond, body}));
  EXPECT_EQ(g.nodes[1].called_graphs, (std::vector<uint32_t>{init}));
  const Node& custom = g.nodes[2];
  EXPECT_TRUE(custom.op.custom);
  EXPECT_EQ(custom.op.name, "MyFancyOp");
  EXPECT_EQ(custom.inputs, (std::vector<int32_t>{state, -1}));
  EXPECT_EQ(custom.attr_float("alpha"), 0.5);
  EXPECT_EQ(custom.attr_string("mode"), "fast");
  EXPECT_EQ(custom.attr_int("count"), -4);
  EXPECT_EQ(custom.attr_int("enabled"), 1);
  ASSERT_NE(custom.find_attr("taps"), nullptr);
  EXPECT_EQ(attr_to_string(custom.find_attr("taps")->value), "[1, 2, 3]");
  EXPECT_EQ(m->graphs[1].tensors[cb].dtype, DType::Bool);
}

TEST(TfliteWriter, EveryTensorTypeRoundTrips) {
  B b;
  const DType types[] = {DType::Float32,    DType::Float16,  DType::Int32,   DType::UInt8,
                         DType::Int64,      DType::String,   DType::Bool,    DType::Int16,
                         DType::Complex64,  DType::Int8,     DType::Float64, DType::Complex128,
                         DType::UInt64,     DType::UInt32,   DType::UInt16,  DType::Int4,
                         DType::BFloat16,   DType::Int2,     DType::UInt4,   DType::Float8E4M3FN,
                         DType::Float8E5M2, DType::Resource, DType::Variant};
  for (DType t : types)
    b.add_tensor({.name = std::string(dtype_name(t)), .dtype = t, .shape = {2}});
  auto m = read_back(b);
  const auto& tensors = m->graphs[0].tensors;
  ASSERT_EQ(tensors.size(), std::size(types));
  for (size_t i = 0; i < std::size(types); ++i)
    EXPECT_EQ(tensors[i].dtype, types[i]) << dtype_name(types[i]);
}

TEST(TfliteWriter, RejectsMistakesWithAClearMessage) {
  auto expect_invalid = [](B& b, const std::string& needle) {
    try {
      (void)b.finish();
      ADD_FAILURE() << "no error; wanted one mentioning " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  {
    B b;
    const int x = b.add_tensor({.name = "x", .shape = {1}});
    b.add_op(
        {.op = "CONV_2D", .inputs = {x}, .outputs = {x}, .options = {{"strides", int64_t{2}}}});
    expect_invalid(b, "strides");
  }
  {
    B b;
    const int x = b.add_tensor({.name = "x", .shape = {1}});
    b.add_op({.op = "ADD", .inputs = {x, 5}, .outputs = {x}});
    expect_invalid(b, "tensor 5 of 1");
  }
  {
    B b;
    b.add_op({.op = "NOT_AN_OP"});
    expect_invalid(b, "NOT_AN_OP");
  }
  {
    B b;
    const int x = b.add_tensor({.name = "x", .shape = {1}});
    b.add_op({.op = "CONV_2D",
              .inputs = {x},
              .outputs = {x},
              .options = {{"padding", std::string("MIRROR")}}});
    expect_invalid(b, "MIRROR");
  }
  {
    B b;
    b.add_op({.op = "RELU", .options = {{"alpha", 1.0}}});
    expect_invalid(b, "takes no options");
  }
}

TEST(TfliteWriter, WriteFileIsAtomicAndReadable) {
  const fs::path dir =
      fs::temp_directory_path() / ("edgelens_writer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {2}});
  const int y = b.add_tensor({.name = "y", .shape = {2}});
  b.add_op({.op = "RELU", .inputs = {x}, .outputs = {y}});
  b.set_inputs({x});
  b.set_outputs({y});
  const fs::path path = dir / "relu.tflite";
  b.write_file(path.string());
  b.write_file(path.string());  // replacing an existing file works too
  auto m = open_model(path.string());
  EXPECT_EQ(m->graphs[0].nodes.at(0).op.name, "RELU");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}),
            1);  // no temp files left
  EXPECT_THROW(b.write_file((dir / "missing_dir" / "x.tflite").string()), std::runtime_error);
  fs::remove_all(dir);
}

TEST(TfliteWriter, OpNameTableCoversAllCodes) {
  // format-facts: codes 0..209 with CUSTOM 32, DELEGATE 51, STABLEHLO_CASE 209.
  EXPECT_EQ(tflite_builtin_code("ADD"), 0);
  EXPECT_EQ(tflite_builtin_code("CUSTOM"), 32);
  EXPECT_EQ(tflite_builtin_code("DELEGATE"), 51);
  EXPECT_EQ(tflite_builtin_code("PLACEHOLDER_FOR_GREATER_OP_CODES"), 127);
  EXPECT_EQ(tflite_builtin_code("STABLEHLO_CASE"), 209);
  EXPECT_EQ(tflite_builtin_name(150), "GELU");
  EXPECT_EQ(tflite_builtin_name(210), "");
  for (int c = 0; c <= 209; ++c) EXPECT_FALSE(tflite_builtin_name(c).empty()) << c;
}

// flatc decodes the writer's output with the upstream schema: the independent check that what
// the writer produces is a .tflite file as TFLite defines it.
TEST(TfliteWriter, FlatcReadsWriterOutputWithTheReferenceSchema) {
  EDGELENS_REQUIRE_SHARED();
  if (std::system("flatc --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "flatc is not installed";
  const fs::path dir = fs::temp_directory_path() / ("edgelens_flatc_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  B b;
  const int x = b.add_tensor({.name = "x",
                              .dtype = DType::Int8,
                              .shape = {1, 4, 4, 2},
                              .quant = {.scales = {0.5f}, .zero_points = {3}}});
  const int y = b.add_tensor({.name = "y",
                              .dtype = DType::Int8,
                              .shape = {1, 2, 2, 2},
                              .quant = {.scales = {0.5f}, .zero_points = {3}}});
  b.add_op({.op = "MAX_POOL_2D",
            .inputs = {x},
            .outputs = {y},
            .options = {{"padding", std::string("VALID")},
                        {"stride_w", int64_t{2}},
                        {"stride_h", int64_t{2}},
                        {"filter_width", int64_t{2}},
                        {"filter_height", int64_t{2}}}});
  const int z = b.add_tensor({.name = "z", .dtype = DType::Int8, .shape = {1, 2, 2, 2}});
  b.add_op({.op = "GELU", .inputs = {y}, .outputs = {z}, .options = {{"approximate", true}}});
  b.set_inputs({x});
  b.set_outputs({z});
  const fs::path model = dir / "pool.tflite";
  b.write_file(model.string());
  const std::string schema = (testing::shared_dir() / "formats" / "tflite_schema.fbs").string();
  const std::string cmd = "flatc --json --strict-json --raw-binary --defaults-json -o " +
                          dir.string() + " " + schema + " -- " + model.string() +
                          " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir / "pool.json");
  const auto j = nlohmann::json::parse(in);
  const auto& codes = j.at("operator_codes");
  const auto& ops = j.at("subgraphs").at(0).at("operators");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(codes.at(ops[0].value("opcode_index", 0)).at("builtin_code"), "MAX_POOL_2D");
  EXPECT_EQ(codes.at(ops[1].value("opcode_index", 0)).at("builtin_code"), "GELU");
  EXPECT_EQ(ops[0].at("builtin_options_type"), "Pool2DOptions");
  EXPECT_EQ(ops[0].at("builtin_options").at("padding"), "VALID");
  EXPECT_EQ(ops[0].at("builtin_options").at("filter_height"), 2);
  EXPECT_EQ(ops[1].at("builtin_options_type"), "GeluOptions");
  EXPECT_EQ(ops[1].at("builtin_options").at("approximate"), true);
  const auto& t0 = j.at("subgraphs").at(0).at("tensors").at(0);
  EXPECT_EQ(t0.at("type"), "INT8");
  EXPECT_EQ(t0.at("quantization").at("zero_point").at(0), 3);
  EXPECT_EQ(j.at("version"), 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edgelens
