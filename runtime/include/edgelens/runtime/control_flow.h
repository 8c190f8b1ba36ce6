// Limits of the control-flow kernels (runtime/src/kernels/control_flow.cpp).
#pragma once

#include <cstdint>

namespace edgelens::runtime {

// A WHILE node stops with an error naming the node and the iteration count once one invocation of
// it has run this many body iterations: a model whose loop never ends on some input (TFLite's
// nested_while test model on 0.0) must not hang the tool. Process-wide; 0 = no limit.
inline constexpr int64_t kDefaultWhileIterationLimit = 1'000'000;
void set_while_iteration_limit(int64_t limit);
int64_t while_iteration_limit();

}  // namespace edgelens::runtime
