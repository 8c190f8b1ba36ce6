// Facts read from TFLite's own run of a reference fixture (../shared/fixtures/reference/NAME).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "shared_dir.h"

namespace edgelens::testing {

// Names of the tensors TFLite's nodes produced for a reference fixture: every tensor listed in
// tensors.tsv minus the model inputs (meta.json) and minus the kernel temporaries TFLite adds at
// run time (ids past the model's own tensors, e.g. CONV_2D's im2col buffer).
inline std::set<std::string> tflite_produced_names(const std::string& reference,
                                                   size_t model_tensors) {
  const auto dir = fixtures_dir() / "reference" / reference;
  std::set<std::string> inputs;
  const auto meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
  for (const auto& in : meta["inputs"]) inputs.insert(in["name"].get<std::string>());
  std::ifstream tsv(dir / "tensors/tensors.tsv");
  std::string line;
  std::getline(tsv, line);  // header
  std::set<std::string> names;
  while (std::getline(tsv, line)) {
    std::istringstream fields(line);
    std::string idx, name;
    std::getline(fields, idx, '\t');
    std::getline(fields, name, '\t');
    if (std::stoul(idx) >= model_tensors) continue;
    if (!inputs.count(name)) names.insert(name);
  }
  return names;
}

}  // namespace edgelens::testing
