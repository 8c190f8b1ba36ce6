// Helpers shared by the quantization debugger's sources (not part of the public API).
#pragma once

#include <vector>

#include "edgelens/runtime/interpreter.h"

namespace edgelens::runtime::quant::detail {

// A tensor's values as float: float32 as is, quantized integers dequantized with the tensor's
// own parameters, other numbers converted.
std::vector<float> float_values(const TensorBuffer& tensor);
// Writes `src` into input `input` of `dst` (resizing it to src's shape when they differ):
// the bytes when dtypes agree, dequantized values into a float input.
void copy_tensor_into(Interpreter& dst, size_t input, const TensorBuffer& src);
// Every input of `src` into the same input of `dst`.
void feed_from(Interpreter& dst, Interpreter& src);

}  // namespace edgelens::runtime::quant::detail
