#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime {

struct KernelRegistry::Impl {
  std::map<KernelKey, Kernel> kernels;
  std::map<std::string, size_t, std::less<>> key_inputs;  // ops not keyed on input 0
};

KernelRegistry::KernelRegistry() : impl_(std::make_shared<Impl>()) {}

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::add(std::string_view op, DType dtype, Kernel kernel) {
  KernelKey key{std::string(op), dtype};
  if (!impl_->kernels.emplace(key, std::move(kernel)).second) conflicts_.push_back(key);
}

const Kernel* KernelRegistry::find(std::string_view op, DType dtype) const {
  auto it = impl_->kernels.find(KernelKey{std::string(op), dtype});
  if (it != impl_->kernels.end()) return &it->second;
  it = impl_->kernels.find(KernelKey{std::string(op), DType::Unknown});
  return it != impl_->kernels.end() ? &it->second : nullptr;
}

bool KernelRegistry::has_op(std::string_view op) const {
  return !dtypes_of(op).empty();
}

std::vector<DType> KernelRegistry::dtypes_of(std::string_view op) const {
  std::vector<DType> out;
  for (const auto& [key, kernel] : impl_->kernels)
    if (key.op == op) out.push_back(key.dtype);
  return out;
}

std::vector<KernelKey> KernelRegistry::keys() const {
  std::vector<KernelKey> out;
  for (const auto& entry : impl_->kernels) out.push_back(entry.first);
  return out;
}

void KernelRegistry::set_key_input(std::string_view op, size_t input) {
  impl_->key_inputs[std::string(op)] = input;
}

size_t KernelRegistry::key_input(std::string_view op) const {
  const auto it = impl_->key_inputs.find(op);
  return it == impl_->key_inputs.end() ? 0 : it->second;
}

DType KernelRegistry::key_dtype(std::string_view op, std::span<const DType> input_dtypes) const {
  const size_t k = key_input(op);
  if (k < input_dtypes.size() && input_dtypes[k] != DType::Unknown) return input_dtypes[k];
  for (DType d : input_dtypes)
    if (d != DType::Unknown) return d;
  return DType::Unknown;
}

RegisterKeyInput::RegisterKeyInput(std::string_view op, size_t input) {
  KernelRegistry::global().set_key_input(op, input);
}

RegisterKernel::RegisterKernel(std::string_view op, DType dtype, Kernel kernel) {
  KernelRegistry::global().add(op, dtype, std::move(kernel));
}

RegisterKernel::RegisterKernel(std::initializer_list<std::string_view> ops,
                               std::initializer_list<DType> dtypes, Kernel kernel) {
  for (auto op : ops)
    for (auto dtype : dtypes) KernelRegistry::global().add(op, dtype, kernel);
}

int64_t element_count(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::optional<std::vector<int64_t>> broadcast_shapes(std::span<const int64_t> a,
                                                     std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::string shape_string(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

}  // namespace edgelens::runtime
