// UNIDIRECTIONAL_SEQUENCE_LSTM's input tensor indices (TFLite lstm_shared.h), shared by the float
// (lstm.cpp) and integer (quantized/lstm.cpp) kernels.
#pragma once

#include <cstddef>

namespace edgelens::runtime::lstm_inputs {

enum Input : size_t {
  kInput = 0,
  kInputToInput = 1,
  kInputToForget,
  kInputToCell,
  kInputToOutput,
  kRecToInput,
  kRecToForget,
  kRecToCell,
  kRecToOutput,
  kCellToInput,
  kCellToForget,
  kCellToOutput,
  kInputBias,
  kForgetBias,
  kCellBias,
  kOutputBias,
  kProjWeights,
  kProjBias,
  kOutputState,
  kCellState,
  kInputNorm,
  kForgetNorm,
  kCellNorm,
  kOutputNorm,
};

}  // namespace edgelens::runtime::lstm_inputs
