// make_sample OUT.tflite: writes the bundled sample model, a small float CNN (MobileNet-like stem,
// two inverted-residual blocks, pooling head) whose path-like tensor names put its ops in the
// namespaces sample_cnn/{stem,block_1,block_2,head}, so the explorer's grouping has something to
// show. Weights are deterministic (a fixed-seed LCG scaled like He initialisation), so the
// file is byte-identical on every build.
#include <cmath>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "edgelens/model_io/tflite_writer.h"

namespace {

using edgelens::Attribute;
using edgelens::DType;
using edgelens::TfliteBuilder;

class SampleCnn {
 public:
  int input() {
    return b_.add_tensor({.name = "image", .dtype = DType::Float32, .shape = {1, 32, 32, 3}});
  }

  // CONV_2D with a [out, k, k, in] filter and bias; SAME padding.
  int conv(const std::string& ns, int x, int64_t in_c, int64_t out_c, int64_t hw, int k, int stride,
           const std::string& activation) {
    const int w = constant(ns + "/weights", {out_c, k, k, in_c}, static_cast<double>(k * k * in_c));
    const int bias = constant(ns + "/bias", {out_c}, 0);
    const int64_t out_hw = (hw + stride - 1) / stride;
    const int y = activation_tensor(ns + (activation == "NONE" ? "/BiasAdd" : "/Relu6"),
                                    {1, out_hw, out_hw, out_c});
    b_.add_op({.op = "CONV_2D",
               .inputs = {x, w, bias},
               .outputs = {y},
               .options = {{"padding", std::string("SAME")},
                           {"stride_w", int64_t{stride}},
                           {"stride_h", int64_t{stride}},
                           {"fused_activation_function", activation}}});
    return y;
  }

  // DEPTHWISE_CONV_2D with a [1, k, k, c] filter, depth multiplier 1; SAME padding.
  int depthwise(const std::string& ns, int x, int64_t c, int64_t hw, int stride) {
    const int w = constant(ns + "/depthwise_weights", {1, 3, 3, c}, 9);
    const int bias = constant(ns + "/bias", {c}, 0);
    const int64_t out_hw = (hw + stride - 1) / stride;
    const int y = activation_tensor(ns + "/Relu6", {1, out_hw, out_hw, c});
    b_.add_op({.op = "DEPTHWISE_CONV_2D",
               .inputs = {x, w, bias},
               .outputs = {y},
               .options = {{"padding", std::string("SAME")},
                           {"stride_w", int64_t{stride}},
                           {"stride_h", int64_t{stride}},
                           {"depth_multiplier", int64_t{1}},
                           {"fused_activation_function", std::string("RELU6")}}});
    return y;
  }

  int add(const std::string& name, int a, int c, std::vector<int64_t> shape) {
    const int y = activation_tensor(name, std::move(shape));
    b_.add_op({.op = "ADD",
               .inputs = {a, c},
               .outputs = {y},
               .options = {{"fused_activation_function", std::string("NONE")}}});
    return y;
  }

  int average_pool(const std::string& name, int x, int64_t hw, int64_t c) {
    const int y = activation_tensor(name, {1, 1, 1, c});
    b_.add_op({.op = "AVERAGE_POOL_2D",
               .inputs = {x},
               .outputs = {y},
               .options = {{"padding", std::string("VALID")},
                           {"stride_w", int64_t{1}},
                           {"stride_h", int64_t{1}},
                           {"filter_width", hw},
                           {"filter_height", hw},
                           {"fused_activation_function", std::string("NONE")}}});
    return y;
  }

  int fully_connected(const std::string& ns, int x, int64_t in, int64_t out) {
    const int w = constant(ns + "/weights", {out, in}, static_cast<double>(in));
    const int bias = constant(ns + "/bias", {out}, 0);
    const int y = activation_tensor(ns + "/MatMul", {1, out});
    b_.add_op({.op = "FULLY_CONNECTED",
               .inputs = {x, w, bias},
               .outputs = {y},
               .options = {{"fused_activation_function", std::string("NONE")}}});
    return y;
  }

  int softmax(const std::string& name, int x, int64_t n) {
    const int y = activation_tensor(name, {1, n});
    b_.add_op({.op = "SOFTMAX", .inputs = {x}, .outputs = {y}, .options = {{"beta", 1.0}}});
    return y;
  }

  TfliteBuilder& builder() { return b_; }

 private:
  int activation_tensor(const std::string& name, std::vector<int64_t> shape) {
    return b_.add_tensor({.name = name, .dtype = DType::Float32, .shape = std::move(shape)});
  }

  // Deterministic weights: uniform in [-1, 1) from a fixed-seed LCG, scaled by sqrt(2 / fan_in)
  // (He); fan_in 0 makes small biases.
  int constant(const std::string& name, std::vector<int64_t> shape, double fan_in) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const double scale = fan_in > 0 ? std::sqrt(2.0 / fan_in) : 0.05;
    std::vector<float> values(static_cast<size_t>(n));
    for (auto& v : values) {
      // 32-bit LCG (Numerical Recipes constants): integer maths, identical on every platform.
      state_ = state_ * 1664525u + 1013904223u;
      const double uniform = static_cast<double>(state_ >> 8) / static_cast<double>(1u << 24);
      v = static_cast<float>(scale * (2.0 * uniform - 1.0));
    }
    return b_.add_tensor({.name = name,
                          .dtype = DType::Float32,
                          .shape = std::move(shape),
                          .data = TfliteBuilder::bytes_of(values)});
  }

  TfliteBuilder b_;
  uint32_t state_ = 20261123u;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_sample OUT.tflite\n";
    return 1;
  }
  try {
    SampleCnn m;
    const int image = m.input();
    // stem: 32x32x3 -> 16x16x8
    int x = m.conv("sample_cnn/stem/conv", image, 3, 8, 32, 3, 2, "RELU6");
    x = m.depthwise("sample_cnn/stem/depthwise", x, 8, 16, 1);
    // block_1: inverted residual with a skip connection, 16x16x8
    int y = m.conv("sample_cnn/block_1/expand", x, 8, 16, 16, 1, 1, "RELU6");
    y = m.depthwise("sample_cnn/block_1/depthwise", y, 16, 16, 1);
    y = m.conv("sample_cnn/block_1/project", y, 16, 8, 16, 1, 1, "NONE");
    x = m.add("sample_cnn/block_1/add/add", x, y, {1, 16, 16, 8});
    // block_2: downsampling inverted residual, 16x16x8 -> 8x8x16
    y = m.conv("sample_cnn/block_2/expand", x, 8, 24, 16, 1, 1, "RELU6");
    y = m.depthwise("sample_cnn/block_2/depthwise", y, 24, 16, 2);
    x = m.conv("sample_cnn/block_2/project", y, 24, 16, 8, 1, 1, "NONE");
    // head: global average pool, classifier, softmax
    x = m.average_pool("sample_cnn/head/pool/AvgPool", x, 8, 16);
    x = m.fully_connected("sample_cnn/head/logits", x, 16, 10);
    const int probs = m.softmax("sample_cnn/head/softmax/Softmax", x, 10);

    auto& b = m.builder();
    b.set_inputs({image});
    b.set_outputs({probs});
    b.add_signature({.key = "serving_default",
                     .subgraph = 0,
                     .inputs = {{"image", image}},
                     .outputs = {{"probabilities", probs}}});
    b.set_description("EdgeLens sample CNN (resources/samples/make_sample.cpp)");
    b.write_file(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "make_sample: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
