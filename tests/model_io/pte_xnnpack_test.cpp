// XNNPACK-delegated .pte fixtures: the "XH00" blob decoded into a nested graph. Expected values
// come from an independent decode of each blob with flatc and the reference XNNPACK schema in
// ../shared/formats (executorch_xnnpack_schema.fbs) and from what the fixtures export (an add,
// a multiply by a scalar with a dynamic input, a quantized linear layer).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

std::unique_ptr<Model> open_xnn(const std::string& name) {
  return open_model((testing::fixtures_dir() / "executorch" / "xnnpack" / name).string());
}

const Graph& decoded(const Model& m, std::size_t delegate) {
  const DelegateInfo& d = m.delegates.at(delegate);
  EXPECT_GE(d.decoded_graph, 0);
  return m.graphs.at(static_cast<std::size_t>(d.decoded_graph));
}

TEST(PteXnnpack, AddIsOneDelegateWithAnAddNode) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_xnn("add.pte");
  ASSERT_EQ(m->delegates.size(), 1u);
  const DelegateInfo& d = m->delegates[0];
  EXPECT_EQ(d.backend, "XnnpackBackend");
  EXPECT_EQ(d.blob_bytes, 432u);  // Program.segments[1].size
  EXPECT_EQ(d.graph, 0u);
  EXPECT_EQ(d.node, 0u);

  const Graph& method = m->graphs.at(0);
  ASSERT_EQ(method.nodes.size(), 1u);
  const Node& call = method.nodes[0];
  EXPECT_EQ(call.op.domain, "delegate");
  EXPECT_EQ(call.op.name, "XnnpackBackend");
  EXPECT_EQ(call.inputs, method.inputs);
  EXPECT_EQ(call.outputs, method.outputs);
  EXPECT_EQ(call.custom_options.size(), 432u);
  ASSERT_EQ(call.called_graphs.size(), 1u);
  EXPECT_EQ(static_cast<int32_t>(call.called_graphs[0]), d.decoded_graph);

  const Graph& blob = decoded(*m, 0);
  EXPECT_EQ(blob.kind, GraphKind::DelegateBlob);
  EXPECT_EQ(blob.name, "forward/XnnpackBackend#0");
  EXPECT_EQ(blob.parent_graph, 0);
  EXPECT_EQ(blob.parent_node, 0);
  ASSERT_EQ(blob.nodes.size(), 1u);
  EXPECT_EQ(blob.nodes[0].op.domain, "xnnpack");
  EXPECT_EQ(blob.nodes[0].op.name, "Add");
  EXPECT_EQ(blob.nodes[0].attr_int("debug_handle"), 1);
  EXPECT_EQ(blob.inputs.size(), 2u);
  EXPECT_EQ(blob.outputs.size(), 1u);
  EXPECT_EQ(blob.nodes[0].inputs, blob.inputs);
  EXPECT_EQ(blob.nodes[0].outputs, blob.outputs);
  for (const auto& t : blob.tensors) {
    EXPECT_EQ(t.dtype, DType::Float32);
    EXPECT_EQ(t.shape, std::vector<int64_t>{3});
  }
}

TEST(PteXnnpack, DynamicInputMultipliesByAScalarConstant) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_xnn("dynamic.pte");
  const Graph& method = m->graphs.at(0);
  ASSERT_EQ(method.inputs.size(), 1u);
  const Tensor& x = method.tensors.at(static_cast<std::size_t>(method.inputs[0]));
  EXPECT_EQ(x.shape, std::vector<int64_t>{8});  // the upper bound (DYNAMIC_BOUND)
  EXPECT_EQ(x.shape_signature, std::vector<int64_t>{-1});
  // DelegateCall args are [x, scalar constant, out]: inputs in external-id order.
  const Node& call = method.nodes.at(0);
  ASSERT_EQ(call.inputs.size(), 2u);
  EXPECT_EQ(call.inputs[0], method.inputs[0]);
  EXPECT_TRUE(method.tensors.at(static_cast<std::size_t>(call.inputs[1])).is_constant);
  EXPECT_EQ(call.outputs, method.outputs);

  const Graph& blob = decoded(*m, 0);
  ASSERT_EQ(blob.nodes.size(), 1u);
  EXPECT_EQ(blob.nodes[0].op.name, "Multiply");
  ASSERT_EQ(blob.inputs.size(), 2u);
  EXPECT_EQ(blob.tensors.at(static_cast<std::size_t>(blob.inputs[0])).shape,
            std::vector<int64_t>{8});
  EXPECT_EQ(blob.tensors.at(static_cast<std::size_t>(blob.inputs[1])).shape,
            std::vector<int64_t>{1});
}

TEST(PteXnnpack, QuantizedLinearHasScalesAndNamedConstants) {
  EDGELENS_REQUIRE_SHARED();
  auto m = open_xnn("quantized.pte");
  const Graph& blob = decoded(*m, 0);
  ASSERT_EQ(blob.nodes.size(), 3u);
  EXPECT_EQ(blob.nodes[0].op.name, "Convert");
  EXPECT_EQ(blob.nodes[1].op.name, "FullyConnected");
  EXPECT_EQ(blob.nodes[2].op.name, "Convert");
  EXPECT_EQ(blob.nodes[1].attr_int("debug_handle"), 3);
  EXPECT_EQ(blob.nodes[0].attr_int("debug_handle"), 2);

  const Node& fc = blob.nodes[1];
  ASSERT_EQ(fc.inputs.size(), 3u);  // input, filter, bias
  const Tensor& input = blob.tensors.at(static_cast<std::size_t>(fc.inputs[0]));
  const Tensor& filter = blob.tensors.at(static_cast<std::size_t>(fc.inputs[1]));
  const Tensor& bias = blob.tensors.at(static_cast<std::size_t>(fc.inputs[2]));
  const Tensor& output = blob.tensors.at(static_cast<std::size_t>(fc.outputs.at(0)));

  EXPECT_EQ(input.dtype, DType::Int8);
  ASSERT_EQ(input.quant.scales.size(), 1u);
  EXPECT_NEAR(input.quant.scales[0], 0.007988, 1e-6);
  EXPECT_EQ(input.quant.zero_points, std::vector<int64_t>{-27});

  EXPECT_EQ(filter.dtype, DType::Int8);
  EXPECT_EQ(filter.shape, (std::vector<int64_t>{8, 8}));
  ASSERT_TRUE(filter.is_constant);
  EXPECT_EQ(filter.data.size(), 64u);
  // Named key -> Program.named_data -> segment 2 (offset 1152 from the segment base 1280).
  EXPECT_EQ(filter.external_offset, 1280u + 1152u);
  ASSERT_EQ(filter.quant.scales.size(), 1u);
  EXPECT_NEAR(filter.quant.scales[0], 0.002692, 1e-6);

  EXPECT_EQ(bias.dtype, DType::QInt32);
  EXPECT_EQ(bias.data.size(), 32u);
  EXPECT_EQ(bias.external_offset, 1280u + 1280u);

  ASSERT_EQ(output.quant.scales.size(), 1u);
  EXPECT_NEAR(output.quant.scales[0], 0.005447, 1e-6);
  EXPECT_EQ(output.quant.zero_points, std::vector<int64_t>{-30});

  // float in, float out: the Converts quantize and dequantize around the linear layer.
  EXPECT_EQ(blob.tensors.at(static_cast<std::size_t>(blob.inputs.at(0))).dtype, DType::Float32);
  EXPECT_EQ(blob.tensors.at(static_cast<std::size_t>(blob.outputs.at(0))).dtype, DType::Float32);
  EXPECT_TRUE(m->warnings.empty()) << m->warnings.front();
}

// ExecuTorch's runtime accepts the older "XN00" identifier too (XNNCompiler); the wire layout of
// what add.pte uses is the same, so relabelling its blob must decode the same graph.
TEST(PteXnnpack, OlderXn00IdentifierIsAccepted) {
  EDGELENS_REQUIRE_SHARED();
  std::ifstream in(testing::fixtures_dir() / "executorch" / "xnnpack" / "add.pte",
                   std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t identifier = 1152 + 32 + 4;  // segment base + flatbuffer offset + 4
  ASSERT_GT(chars.size(), identifier + 4);
  ASSERT_EQ(std::memcmp(chars.data() + identifier, "XN01", 4), 0);
  std::memcpy(chars.data() + identifier, "XN00", 4);
  auto m = open_model_bytes(std::as_bytes(std::span(chars)), "add-xn00.pte");
  EXPECT_TRUE(m->warnings.empty());
  const Graph& blob = decoded(*m, 0);
  ASSERT_EQ(blob.nodes.size(), 1u);
  EXPECT_EQ(blob.nodes[0].op.name, "Add");
}

// The other numpy-runtime fixtures run on portable kernels: no delegate at all.
TEST(PteXnnpack, NonDelegatedFixturesHaveNoDelegates) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* name : {"const_methods.pte", "dtypes.pte", "multi.pte", "lstm/lstm.pte"}) {
    auto m = open_xnn(name);
    EXPECT_TRUE(m->delegates.empty()) << name;
    for (const auto& g : m->graphs) EXPECT_EQ(g.kind, GraphKind::Method) << name;
  }
}

}  // namespace
}  // namespace edgelens
