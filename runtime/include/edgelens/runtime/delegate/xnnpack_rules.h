// TFLite's XNNPACK delegate, as node claims (no execution). Two modes:
//  - Current: the rules of LiteRT's current xnnpack_delegate.cc (PrepareOpsToDelegate + the
//    VisitNode checks, default build flags QS8/QU8 on, dynamic fully-connected and variable ops
//    off) — "what would TFLite do with this model".
//  - Local: the same rules restricted to what the Debian libXNNPACK (git 2022-02-16) subgraph API
//    can build: no transpose/concatenate/split/copy/slice/general mean/tanh/batch-matmul nodes,
//    quantized only for the node types that work there, no dynamic-range (fp32 x int8) ops.
// Facts and their sources: ../shared/notes/xnnpack-delegate-and-partitioning.md (section 2) and
// stack-gotchas.md ("XNNPACK 2022 subgraph API"); docs/partitioning.md lists every rule.
#pragma once

#include <memory>

#include "edgelens/runtime/delegate/delegate_rules.h"

namespace edgelens::delegate {

enum class XnnpackMode { Current, Local };

std::unique_ptr<DelegateRules> make_xnnpack_rules(XnnpackMode mode);

}  // namespace edgelens::delegate
