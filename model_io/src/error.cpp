#include "edgelens/model_io/error.h"

#include <fmt/format.h>

namespace edgelens {

namespace {
std::string compose(const std::string& file, const std::string& place, const std::string& problem) {
  if (place.empty()) return fmt::format("{}: {}", file, problem);
  return fmt::format("{}: {}: {}", file, place, problem);
}
}  // namespace

ModelError::ModelError(std::string file, std::string place, std::string problem)
    : std::runtime_error(compose(file, place, problem)),
      file_(std::move(file)),
      place_(std::move(place)),
      problem_(std::move(problem)) {}

}  // namespace edgelens
