// One reader per format. Each verifies the bytes before touching them and throws ModelError
// naming the file and the place on anything malformed. Call open_model() rather than these.
#pragma once

#include <memory>

#include "edgelens/model_io/mapped_file.h"
#include "edgelens/model_io/model.h"
#include "edgelens/model_io/open.h"

namespace edgelens {

std::unique_ptr<Model> read_tflite(std::shared_ptr<const MappedFile> file);
std::unique_ptr<Model> read_pte(std::shared_ptr<const MappedFile> file);
// With external tensor data (.ptd) found as `options` says (open.h).
std::unique_ptr<Model> read_pte(std::shared_ptr<const MappedFile> file, const OpenOptions& options);
// Model Explorer graph JSON (a GraphCollection, a list of them, or an adapter response): a graph to
// look at, without tensor data (docs/model-explorer.md).
std::unique_ptr<Model> read_model_explorer(std::shared_ptr<const MappedFile> file);

}  // namespace edgelens
