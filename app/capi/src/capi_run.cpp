// libedgelens: running a model on .npy files or on caller buffers.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include "capi_internal.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"

using namespace edgelens;
using edgelens::capi::guard;
using edgelens::capi::require;

namespace {

namespace fs = std::filesystem;

// The C API's dtype codes and the IR's dtypes, one pair per code.
constexpr std::pair<int32_t, DType> kDTypes[] = {
    {EDGELENS_DTYPE_FLOAT32, DType::Float32}, {EDGELENS_DTYPE_INT8, DType::Int8},
    {EDGELENS_DTYPE_UINT8, DType::UInt8},     {EDGELENS_DTYPE_INT16, DType::Int16},
    {EDGELENS_DTYPE_INT32, DType::Int32},     {EDGELENS_DTYPE_INT64, DType::Int64},
    {EDGELENS_DTYPE_BOOL, DType::Bool},       {EDGELENS_DTYPE_FLOAT16, DType::Float16},
    {EDGELENS_DTYPE_FLOAT64, DType::Float64},
};

DType to_dtype(int32_t code) {
  for (const auto& [c, d] : kDTypes)
    if (c == code) return d;
  return DType::Unknown;
}

int32_t from_dtype(DType dtype) {
  for (const auto& [c, d] : kDTypes)
    if (d == dtype) return c;
  return EDGELENS_DTYPE_UNKNOWN;
}

std::unique_ptr<runtime::Interpreter> ready_interpreter(const Model& model) {
  auto interpreter = std::make_unique<runtime::Interpreter>(model);
  if (!interpreter->ready()) throw runtime::UnsupportedModel(interpreter->unsupported());
  return interpreter;
}

}  // namespace

extern "C" {

edgelens_status edgelens_run(const edgelens_model* model, const char* const* input_npy,
                             size_t n_inputs, const char* output_dir, char** summary_json) {
  return guard([&] {
    require(model, "edgelens_run: model must not be NULL");
    require(n_inputs == 0 || input_npy, "edgelens_run: n_inputs > 0 needs input_npy");
    auto interpreter = ready_interpreter(*model->model);
    require(n_inputs == 0 || n_inputs == interpreter->input_count(),
            fmt::format("edgelens_run: the model takes {} inputs, got {}",
                        interpreter->input_count(), n_inputs));
    std::vector<runtime::InputSpec> specs;
    for (size_t k = 0; k < n_inputs; ++k) {
      require(input_npy[k], fmt::format("edgelens_run: input {} is NULL", k));
      runtime::InputSpec spec;
      spec.kind = runtime::InputSpec::Kind::File;
      spec.target = std::to_string(k);
      spec.path = input_npy[k];
      specs.push_back(std::move(spec));
    }
    runtime::apply_inputs(*interpreter, specs);  // ramp for every input when specs is empty
    interpreter->invoke();

    nlohmann::ordered_json outputs = nlohmann::ordered_json::array();
    if (output_dir) fs::create_directories(output_dir);
    for (size_t k = 0; k < interpreter->output_count(); ++k) {
      const runtime::TensorBuffer& out = interpreter->output(k);
      nlohmann::ordered_json o = {{"index", k},
                                  {"name", out.ir ? out.ir->name : ""},
                                  {"dtype", std::string(dtype_name(out.dtype))},
                                  {"shape", out.shape}};
      if (output_dir) {
        const fs::path path = fs::path(output_dir) / fmt::format("output{}.npy", k);
        runtime::write_npy(path, out.dtype, out.shape,
                           out.raw().first(std::min(out.bytes, out.byte_size())));
        o["file"] = path.string();
      }
      outputs.push_back(std::move(o));
    }
    if (summary_json) *summary_json = capi::copy_string(capi::dump_json({{"outputs", outputs}}));
  });
}

edgelens_status edgelens_run_buffers(const edgelens_model* model, const edgelens_tensor* inputs,
                                     size_t n_inputs, edgelens_tensor* outputs, size_t n_outputs) {
  return guard([&] {
    require(model, "edgelens_run_buffers: model must not be NULL");
    require(n_inputs == 0 || inputs, "edgelens_run_buffers: n_inputs > 0 needs inputs");
    require(n_outputs == 0 || outputs, "edgelens_run_buffers: n_outputs > 0 needs outputs");
    auto interpreter = ready_interpreter(*model->model);
    require(n_inputs == interpreter->input_count(),
            fmt::format("edgelens_run_buffers: the model takes {} inputs, got {}",
                        interpreter->input_count(), n_inputs));
    for (size_t k = 0; k < n_inputs; ++k) {
      const edgelens_tensor& in = inputs[k];
      const std::string what = fmt::format("input {}", k);
      require(in.rank >= 0 && in.rank <= EDGELENS_MAX_RANK, what + ": rank out of range");
      require(in.data || in.size_bytes == 0, what + ": data is NULL");
      runtime::NpyArray array;
      array.dtype = to_dtype(in.dtype);
      require(array.dtype != DType::Unknown, fmt::format("{}: unknown dtype {}", what, in.dtype));
      array.shape.assign(in.shape, in.shape + in.rank);
      const int64_t count = array.element_count();
      require(count >= 0 && uint64_t(count) * dtype_bits(array.dtype) / 8 == in.size_bytes,
              fmt::format("{}: {} bytes do not hold {} {} elements", what, in.size_bytes, count,
                          dtype_name(array.dtype)));
      const auto* bytes = static_cast<const std::byte*>(in.data);
      array.data.assign(bytes, bytes + in.size_bytes);
      runtime::load_npy_into(interpreter->input(k), array, what);
    }
    interpreter->invoke();
    bool too_small = false;
    for (size_t k = 0; k < n_outputs && k < interpreter->output_count(); ++k) {
      const runtime::TensorBuffer& out = interpreter->output(k);
      edgelens_tensor& dst = outputs[k];
      dst.dtype = from_dtype(out.dtype);
      require(
          out.shape.size() <= EDGELENS_MAX_RANK,
          fmt::format("output {} has rank {} (max {})", k, out.shape.size(), EDGELENS_MAX_RANK));
      dst.rank = int32_t(out.shape.size());
      std::fill(std::begin(dst.shape), std::end(dst.shape), 0);
      std::copy(out.shape.begin(), out.shape.end(), dst.shape);
      const size_t needed = std::min(out.bytes, out.byte_size());
      if (!dst.data || dst.size_bytes < needed) {
        too_small = true;
      } else if (needed > 0) {
        std::memcpy(dst.data, out.data, needed);
      }
      dst.size_bytes = needed;
    }
    if (too_small)
      throw capi::BufferTooSmall(
          "an output buffer is too small: size_bytes now says how many bytes it needs");
  });
}

}  // extern "C"
