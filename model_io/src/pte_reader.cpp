// Placeholder until the .pte reader lands.
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/readers.h"
namespace edgelens {
std::unique_ptr<Model> read_pte(std::shared_ptr<const MappedFile> file) {
  throw ModelError(file->path(), "", ".pte reader not implemented yet");
}
}  // namespace edgelens
