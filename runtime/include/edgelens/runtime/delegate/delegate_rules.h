// Which graph nodes a delegate claims, and in words why it refuses the others.
//
// A DelegateRules object answers one question per node ("would this delegate take it?") without
// running anything. XNNPACK's rules follow TFLite's delegate code (xnnpack_rules.h); what-if target
// profiles (GPU, NNAPI, NPUs) are data files turned into rules by profile_rules.h. The partitioner
// (partitioner.h) turns the verdicts into TFLite-style partitions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::delegate {

// One node's answer. `rule` is a stable id for tests and tools ("xnnpack.fc.weights_zero_point");
// `reason` is the sentence a user reads ("FULLY_CONNECTED: int8 weights with zero point 3, XNNPACK
// needs 0"). Claimed nodes carry a reason too when the claim is not the plain one (e.g. a
// DEQUANTIZE of constant weights that the delegate unpacks at prepare time).
struct Verdict {
  bool claimed = false;
  std::string rule;
  std::string reason;

  static Verdict yes(std::string rule_id = {}, std::string why = {}) {
    return {true, std::move(rule_id), std::move(why)};
  }
  static Verdict no(std::string rule_id, std::string why) {
    return {false, std::move(rule_id), std::move(why)};
  }
};

// How claimed nodes become partitions (see partitioner.h and TFLite's GraphPartitionHelper).
struct PartitionLimits {
  // GraphPartitionHelper::GetFirstNLargestPartitions: keep the N largest delegated partitions
  // (0 = no limit) and stop at the first one with fewer than min_nodes_per_partition nodes.
  int max_partitions = 0;
  int min_nodes_per_partition = 0;
  // True when the delegate partitions through GraphPartitionHelper (GPU, NNAPI, Hexagon, CoreML);
  // false for XNNPACK, which hands every claimed node straight to the core partitioner.
  bool uses_partition_helper = false;
};

class DelegateRules {
 public:
  virtual ~DelegateRules() = default;

  // Short id ("xnnpack", "xnnpack-local", "ethos-u", ...).
  virtual std::string name() const = 0;
  // One line for reports ("TFLite XNNPACK delegate (current LiteRT rules)").
  virtual std::string description() const { return name(); }
  // What the summary calls the claimed side: "delegate", "GPU", "NPU" ("CPU operators = n /
  // NPU operators = m", as Arm Vela prints it).
  virtual std::string target_label() const { return "delegate"; }
  // Where the rules come from (documentation URL, source file), for reports.
  virtual std::string source() const { return {}; }
  virtual PartitionLimits default_limits() const { return {}; }

  // Per-node verdict. Must not throw on odd input: an unreadable node is a refusal with a reason.
  virtual Verdict claim(const Model& model, const Graph& graph, const Node& node) const = 0;

  // All verdicts of a graph, indexed by node id. The default calls claim() per node; delegates
  // whose decision depends on neighbours (XNNPACK's constant-weight DEQUANTIZE nodes stay on the
  // CPU when a consumer does) override it.
  virtual std::vector<Verdict> claim_all(const Model& model, const Graph& graph) const;
};

// Builds rules from a name or a file: "xnnpack", "xnnpack-local", a shipped profile name ("gpu",
// "nnapi", "htp", "ethos-u": resources/delegates/<name>.json found by delegate_profile_dirs()), or
// a path to a profile .json. Throws edgelens::ModelError naming the file/place on a bad profile and
// std::invalid_argument for an unknown name.
std::unique_ptr<DelegateRules> make_delegate_rules(std::string_view name_or_path);

// Names accepted by make_delegate_rules() besides paths: built-in rules first, then the profiles
// found on disk.
std::vector<std::string> available_delegates();

// Where shipped profiles are looked up, in order: $EDGELENS_DELEGATES_DIR, then resources/delegates
// in the executable's directory or up to four of its parents (source tree / build tree), then
// <exe>/../share/edgelens/delegates (installed). Only existing directories are returned.
std::vector<std::string> delegate_profile_dirs();

}  // namespace edgelens::delegate
