// Placeholder until the .tflite reader lands.
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/readers.h"
namespace edgelens {
std::unique_ptr<Model> read_tflite(std::shared_ptr<const MappedFile> file) {
  throw ModelError(file->path(), "", ".tflite reader not implemented yet");
}
}  // namespace edgelens
