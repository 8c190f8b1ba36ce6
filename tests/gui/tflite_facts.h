// An independent, minimal reader of .tflite flatbuffers for the GUI tests' oracle: it walks the
// raw bytes by the field numbers of TFLite's schema.fbs (as ../shared/peers/tflite_io.mjs does),
// sharing no code with EdgeLens' reader, so what the panels show is checked against the file.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgelens::testing {

class TfliteFacts {
 public:
  struct Tensor {
    std::string name;
    int type = 0;  // TensorType: 0 FLOAT32, 9 INT8, ...
    std::vector<int32_t> shape;
    uint32_t buffer = 0;
    std::vector<float> scales;
    std::vector<int64_t> zero_points;
    int32_t quantized_dimension = 0;
  };
  struct Op {
    int32_t builtin = -1;  // BuiltinOperator code
    std::vector<int32_t> inputs, outputs;
    uint32_t options = 0;  // table position of builtin_options, 0 if none
  };

  explicit TfliteFacts(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    bytes_.assign(std::istreambuf_iterator<char>(in), {});
    const uint32_t model = u32(0);
    std::vector<int32_t> codes;
    for (uint32_t oc : tables(model, 1)) {  // Model.operator_codes
      const int32_t deprecated = scalar<int8_t>(oc, 0, 0);
      const int32_t code = scalar<int32_t>(oc, 3, 0);
      codes.push_back(std::max(deprecated, code));
    }
    for (uint32_t b : tables(model, 4)) buffers_.push_back(b);  // Model.buffers
    const uint32_t sg = tables(model, 2).at(0);                 // first subgraph
    for (uint32_t t : tables(sg, 0)) {
      Tensor tensor;
      tensor.shape = ints(t, 0);
      tensor.type = scalar<int8_t>(t, 1, 0);
      tensor.buffer = scalar<uint32_t>(t, 2, 0);
      tensor.name = str(t, 3);
      if (const uint32_t q = ref(t, 4)) {
        if (const uint32_t v = ref(q, 2))
          for (uint32_t k = 0; k < u32(v); ++k) tensor.scales.push_back(load<float>(v + 4 + 4 * k));
        if (const uint32_t v = ref(q, 3))
          for (uint32_t k = 0; k < u32(v); ++k)
            tensor.zero_points.push_back(load<int64_t>(v + 4 + 8 * k));
        tensor.quantized_dimension = scalar<int32_t>(q, 6, 0);
      }
      tensors.push_back(std::move(tensor));
    }
    for (uint32_t o : tables(sg, 3)) {
      Op op;
      op.builtin = codes.at(scalar<uint32_t>(o, 0, 0));
      op.inputs = ints(o, 1);
      op.outputs = ints(o, 2);
      op.options = ref(o, 4);
      ops.push_back(std::move(op));
    }
  }

  // Conv2DOptions / DepthwiseConv2DOptions: stride_w is field 1, stride_h field 2.
  int32_t stride_w(const Op& op) const {
    return op.options ? scalar<int32_t>(op.options, 1, 0) : 0;
  }
  int32_t stride_h(const Op& op) const {
    return op.options ? scalar<int32_t>(op.options, 2, 0) : 0;
  }

  // The raw bytes of a tensor's buffer (empty when it has none).
  std::vector<uint8_t> buffer_data(const Tensor& t) const {
    if (t.buffer == 0 || t.buffer >= buffers_.size()) return {};
    const uint32_t v = ref(buffers_[t.buffer], 0);  // Buffer.data
    if (!v) return {};
    const uint8_t* p = bytes_.data() + v + 4;
    return {p, p + u32(v)};
  }

  std::vector<Tensor> tensors;
  std::vector<Op> ops;

 private:
  template <typename T>
  T load(uint32_t pos) const {
    if (pos + sizeof(T) > bytes_.size()) throw std::runtime_error("read past the end");
    T v;
    std::memcpy(&v, bytes_.data() + pos, sizeof(T));
    return v;
  }
  uint32_t u32(uint32_t pos) const { return load<uint32_t>(pos); }
  uint32_t field(uint32_t table,
                 int index) const {  // offset of field `index` inside table, 0 if absent
    const uint32_t vt = table - load<int32_t>(table);
    const uint32_t o = 4 + 2 * static_cast<uint32_t>(index);
    return o < load<uint16_t>(vt) ? load<uint16_t>(vt + o) : 0;
  }
  uint32_t ref(uint32_t table, int index) const {
    const uint32_t f = field(table, index);
    return f ? table + f + u32(table + f) : 0;
  }
  template <typename T>
  T scalar(uint32_t table, int index, T fallback) const {
    const uint32_t f = field(table, index);
    return f ? load<T>(table + f) : fallback;
  }
  std::vector<uint32_t> tables(uint32_t table, int index) const {
    std::vector<uint32_t> out;
    if (const uint32_t v = ref(table, index))
      for (uint32_t k = 0; k < u32(v); ++k) {
        const uint32_t e = v + 4 + 4 * k;
        out.push_back(e + u32(e));
      }
    return out;
  }
  std::vector<int32_t> ints(uint32_t table, int index) const {
    std::vector<int32_t> out;
    if (const uint32_t v = ref(table, index))
      for (uint32_t k = 0; k < u32(v); ++k) out.push_back(load<int32_t>(v + 4 + 4 * k));
    return out;
  }
  std::string str(uint32_t table, int index) const {
    const uint32_t v = ref(table, index);
    return v ? std::string(reinterpret_cast<const char*>(bytes_.data()) + v + 4, u32(v)) : "";
  }

  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> buffers_;
};

}  // namespace edgelens::testing
