// Input generation and loading for `edgelens run` and tests. The ramp is the rule of
// ../shared/peers/README.md, so our inputs equal the reference inputs byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgelens/runtime/image_input.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"

namespace edgelens::runtime {

// float: x[i] = (i % 255) / 255; int8/uint8/int16 with per-tensor scale: that ramp quantized
// (round half away from zero, clamp); other integers i % 100; bool i % 2.
void fill_ramp(TensorBuffer& tensor);
// Deterministic pseudo-random: floats uniform in [0,1) (quantized like the ramp for quantized
// integers), other integers in [0,100), bool 0/1.
void fill_random(TensorBuffer& tensor, uint64_t seed);
// Copies an .npy into the tensor; throws std::invalid_argument naming expected and got on a dtype
// or shape mismatch (a shape that differs only by leading/trailing 1s is not accepted either).
void load_npy_into(TensorBuffer& tensor, const NpyArray& array, const std::string& source);

// One `--input` specification: "ramp", "random", "random:SEED", "INDEX=FILE.npy", "NAME=FILE.npy",
// or "FILE.npy" (next input in order). FILE ending in .png/.jpg/.jpeg/.bmp is an image
// (Kind::Image).
struct InputSpec {
  enum class Kind { Ramp, Random, File, Image } kind = Kind::Ramp;
  std::string target;  // index or name; empty = applies to all (ramp/random) or next (file)
  std::string path;
  uint64_t seed = 0;
  ImageOptions image;  // how a Kind::Image file becomes the tensor (resize, normalisation)
};
InputSpec parse_input_spec(const std::string& text);
// Applies the specs to the interpreter's inputs (inputs not mentioned get the ramp). File inputs
// whose shape differs from the model's and the model allows it (dynamic dims) resize the input
// first (images too, with ImageResize::None). Images are converted as their spec's `image` says
// (image_input.h). Throws std::invalid_argument with a clear message on bad specs or files.
void apply_inputs(Interpreter& interpreter, const std::vector<InputSpec>& specs);

}  // namespace edgelens::runtime
