// Bundled-program test cases (BundledProgram.method_test_suites of a .bpte) as BundledTestSuites.
// The container itself (identifier, verification, embedded program) is read in pte_reader.cpp;
// this file re-reads the same verified bytes only for the test data.
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "edgelens/model_io/bundled_tests.h"
#include "edgelens/model_io/error.h"
#include "edgelens/schema/executorch_bundled_program_generated.h"
#include "pte_internal.h"

namespace edgelens {

namespace {

namespace bp = edgelens_fb::bp;

BundledValue read_value(const bp::Value* v, const std::string& file, const std::string& place) {
  if (!v) throw ModelError(file, place, "empty value");
  BundledValue out;
  switch (v->val_type()) {
    case bp::ValueUnion::Int:
      out.kind = BundledValue::Kind::Int;
      out.int_value = v->val_as_Int()->int_val();
      return out;
    case bp::ValueUnion::Bool:
      out.kind = BundledValue::Kind::Bool;
      out.bool_value = v->val_as_Bool()->bool_val();
      return out;
    case bp::ValueUnion::Double:
      out.kind = BundledValue::Kind::Double;
      out.double_value = v->val_as_Double()->double_val();
      return out;
    case bp::ValueUnion::Tensor:
      break;
    default:
      throw ModelError(file, place,
                       fmt::format("unknown value type {}", static_cast<int>(v->val_type())));
  }
  const bp::Tensor* t = v->val_as_Tensor();
  out.kind = BundledValue::Kind::Tensor;
  out.dtype = pte::scalar_type_to_dtype(t->scalar_type());
  if (out.dtype == DType::Unknown)
    throw ModelError(
        file, place,
        fmt::format("tensor scalar type {} has no EdgeLens dtype", int(t->scalar_type())));
  if (const auto* sizes = t->sizes()) {
    for (int32_t d : *sizes) {
      if (d < 0) throw ModelError(file, place, fmt::format("negative size {}", d));
      out.shape.push_back(d);
    }
  }
  if (const auto* order = t->dim_order()) out.dim_order.assign(order->begin(), order->end());
  if (!out.dim_order.empty() && out.dim_order.size() != out.shape.size())
    throw ModelError(file, place,
                     fmt::format("dim_order has {} entries for rank {}", out.dim_order.size(),
                                 out.shape.size()));
  const auto* data = t->data();
  const std::size_t have = data ? data->size() : 0;
  int64_t count = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && count > (int64_t{1} << 40) / d)
      throw ModelError(file, place, "shape is implausibly large");
    count *= d;
  }
  const auto need = static_cast<std::size_t>((count * dtype_bits(out.dtype) + 7) / 8);
  if (have != need)
    throw ModelError(file, place,
                     fmt::format("{} {} holds {} data bytes, needs {}", dtype_name(out.dtype),
                                 fmt::format("[{}]", fmt::join(out.shape, ",")), have, need));
  if (data) out.data = {reinterpret_cast<const std::byte*>(data->data()), have};
  return out;
}

std::vector<BundledValue> read_values(
    const flatbuffers::Vector<flatbuffers::Offset<bp::Value>>* list, const std::string& file,
    const std::string& place, const char* what) {
  std::vector<BundledValue> out;
  if (!list) return out;
  for (flatbuffers::uoffset_t k = 0; k < list->size(); ++k)
    out.push_back(read_value(list->Get(k), file, fmt::format("{}, {} {}", place, what, k)));
  return out;
}

}  // namespace

std::vector<BundledTestSuite> bundled_test_suites(const Model& model) {
  std::vector<BundledTestSuite> suites;
  if (model.format != ModelFormat::ExecuTorchBundled || !model.file) return suites;
  const auto bytes = model.file->bytes();
  const std::string& file = model.file->path();
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!bp::VerifyBundledProgramBuffer(verifier))
    throw ModelError(file, "bundled program",
                     "the flatbuffer fails verification (truncated or corrupt)");
  const auto* bundle = bp::GetBundledProgram(bytes.data());
  const auto* list = bundle->method_test_suites();
  if (!list) return suites;
  for (flatbuffers::uoffset_t s = 0; s < list->size(); ++s) {
    const bp::BundledMethodTestSuite* suite = list->Get(s);
    BundledTestSuite out;
    out.method = suite->method_name() ? suite->method_name()->str() : "";
    for (std::size_t g = 0; g < model.graphs.size(); ++g)
      if (model.graphs[g].kind == GraphKind::Method && model.graphs[g].name == out.method) {
        out.graph = static_cast<int32_t>(g);
        break;
      }
    if (const auto* cases = suite->test_cases()) {
      for (flatbuffers::uoffset_t c = 0; c < cases->size(); ++c) {
        const std::string place =
            fmt::format("method_test_suites {} ({}), test case {}", s, out.method, c);
        const bp::BundledMethodTestCase* tc = cases->Get(c);
        out.cases.push_back({read_values(tc->inputs(), file, place, "input"),
                             read_values(tc->expected_outputs(), file, place, "expected output")});
      }
    }
    suites.push_back(std::move(out));
  }
  return suites;
}

}  // namespace edgelens
