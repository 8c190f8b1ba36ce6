// The JSON form of a partition report (docs/partitioning.md): what `edgelens partition --json`
// prints and edgelens_partition_json (C API) returns.
#pragma once

#include <nlohmann/json.hpp>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/delegate/partitioner.h"

namespace edgelens::delegate {

nlohmann::ordered_json partition_json(const Model& model, const PartitionReport& report);

}  // namespace edgelens::delegate
