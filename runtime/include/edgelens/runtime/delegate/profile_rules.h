// What-if target profiles: a JSON file describes which ops a target takes (dtypes, parameter
// limits, fused activations, partition limits) and a generic interpreter turns it into
// DelegateRules. The format is documented in docs/partitioning.md; shipped profiles live in
// resources/delegates/.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "edgelens/runtime/delegate/delegate_rules.h"

namespace edgelens::delegate {

// Parses a profile. `origin` names the file in error messages. Throws edgelens::ModelError(origin,
// place, problem) for malformed JSON or an unknown key/value (so a typo never silently widens what
// a target claims).
std::unique_ptr<DelegateRules> load_profile_text(std::string_view json_text, std::string origin);
std::unique_ptr<DelegateRules> load_profile_file(const std::string& path);

}  // namespace edgelens::delegate
