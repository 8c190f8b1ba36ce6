// The one error type readers throw. what() reads "FILE: PLACE: problem", e.g.
// "model.tflite: subgraph 0, tensor 12: uses buffer 99 of 40".
#pragma once

#include <stdexcept>
#include <string>

namespace edgelens {

class ModelError : public std::runtime_error {
 public:
  ModelError(std::string file, std::string place, std::string problem);
  const std::string& file() const { return file_; }
  const std::string& place() const { return place_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_, place_, problem_;
};

}  // namespace edgelens
