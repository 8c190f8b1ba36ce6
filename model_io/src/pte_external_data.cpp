// Tensors of a .pte whose data live in .ptd files (ExtraTensorInfo.location EXTERNAL): finding the
// files, looking keys up, checking what the .ptd says against what the program says.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "edgelens/model_io/error.h"
#include "pte_internal.h"

namespace edgelens::pte {

namespace fs = std::filesystem;

namespace {

std::string file_name(const std::string& path) {
  return fs::path(path).filename().string();
}

std::string shape_text(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

}  // namespace

ExternalDataResolver::ExternalDataResolver(const std::string& program_path,
                                           const OpenOptions& options)
    : program_path_(program_path), may_search_folder_(options.find_data_files) {
  // Files the user named are read now: a bad one is an error even when nothing needs it.
  for (const auto& path : options.data_files)
    sources_.push_back({read_ptd(MappedFile::open(path)), "--data", {}, -1});
  explicit_count_ = sources_.size();
}

void ExternalDataResolver::load_paired() {
  paired_loaded_ = true;
  if (!may_search_folder_) return;
  fs::path paired = fs::path(program_path_).replace_extension(".ptd");
  std::error_code ec;
  if (!fs::is_regular_file(paired, ec)) return;
  for (const auto& s : sources_)
    if (fs::equivalent(s.data.file->path(), paired, ec)) return;  // already given with --data
  // The .ptd named like the program is its pair: a broken one is an error, not a fallback.
  sources_.push_back({read_ptd(MappedFile::open(paired.string())), "next to the program", {}, -1});
  paired_count_ = 1;
}

void ExternalDataResolver::search_folder() {
  folder_searched_ = true;
  if (!may_search_folder_) return;
  std::error_code ec;
  const fs::path folder = fs::path(program_path_).parent_path();
  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(folder.empty() ? fs::path(".") : folder, ec)) {
    if (entry.path().extension() == ".ptd" && entry.is_regular_file(ec))
      candidates.push_back(entry.path());
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& path : candidates) {
    const bool known = std::any_of(sources_.begin(), sources_.end(), [&](const Source& s) {
      return fs::equivalent(s.data.file->path(), path, ec);
    });
    if (known) continue;
    try {
      sources_.push_back(
          {read_ptd(MappedFile::open(path.string())), "in the program's folder", {}, -1});
    } catch (const ModelError& e) {
      // Another model's broken .ptd must not stop this one from opening.
      warnings_.push_back(fmt::format("skipped {}: {}", path.string(), e.what()));
    }
  }
}

void ExternalDataResolver::resolve(const std::string& place, const std::string& key, Tensor& t) {
  if (!paired_loaded_) load_paired();
  const auto find = [&]() -> std::pair<Source*, const ExternalBlob*> {
    for (auto& s : sources_)
      if (const auto* blob = s.data.find(key)) return {&s, blob};
    return {nullptr, nullptr};
  };
  auto [source, blob] = find();
  if (!blob && !folder_searched_) {
    search_folder();
    std::tie(source, blob) = find();
  }
  if (!blob) {
    // A .ptd the user named, or the program's pair, must hold every key; files merely lying in
    // the folder may belong to other programs.
    const std::size_t paired_sources = explicit_count_ + paired_count_;
    if (paired_sources > 0) {
      std::vector<std::string> names;
      for (std::size_t i = 0; i < sources_.size(); ++i)
        names.push_back(file_name(sources_[i].data.file->path()));
      throw ModelError(program_path_, place,
                       fmt::format("key not found in {}", fmt::join(names, ", ")));
    }
    unresolved_.push_back(key);
    return;
  }
  const std::string ptd = file_name(source->data.file->path());
  if (const auto& l = blob->layout) {
    const bool dtype_differs =
        l->dtype != DType::Unknown && t.dtype != DType::Unknown && l->dtype != t.dtype;
    if (dtype_differs || l->sizes != t.shape)
      throw ModelError(program_path_, place,
                       fmt::format("{} stores it as {} {}, the program declares {} {}", ptd,
                                   dtype_name(l->dtype), shape_text(l->sizes), dtype_name(t.dtype),
                                   shape_text(t.shape)));
  }
  const int64_t nbytes = t.byte_size();
  if (nbytes >= 0 && static_cast<uint64_t>(nbytes) > blob->data.size())
    throw ModelError(program_path_, place,
                     fmt::format("{} holds {} bytes for it (from byte {}), the tensor needs {}",
                                 ptd, blob->data.size(), blob->file_offset, nbytes));
  if (source->data_file < 0) {
    source->data_file = static_cast<int32_t>(used_files_.size());
    used_files_.push_back(source->data.file);
  }
  t.is_constant = true;
  t.data = nbytes >= 0 ? blob->data.first(static_cast<std::size_t>(nbytes)) : blob->data;
  t.external_offset = blob->file_offset;
  t.data_file = source->data_file;
  source->used_keys.push_back(key);
}

void ExternalDataResolver::finish(Model& model) {
  if (!paired_loaded_ && explicit_count_ == 0) return;  // nothing external, nothing asked for
  model.data_files = std::move(used_files_);
  for (const auto& s : sources_) {
    const std::string& path = s.data.file->path();
    if (s.used_keys.empty()) {
      if (s.origin == "--data")
        model.warnings.push_back(
            fmt::format("{} (--data) holds none of the program's external tensors", path));
      continue;
    }
    // Two entries so the text summary (which cuts long values) keeps the gist in the first.
    const std::string name = file_name(path);
    model.metadata.emplace_back("external_data",
                                fmt::format("{} ({}): {} tensor(s): {}", name, s.origin,
                                            s.used_keys.size(), fmt::join(s.used_keys, ", ")));
    model.metadata.emplace_back(
        fmt::format("external_data.{}", name),
        fmt::format("{}; FlatTensor v{}, {} layout", path, s.data.version, s.data.layout));
  }
  for (auto& w : warnings_) model.warnings.push_back(std::move(w));
  if (!unresolved_.empty())
    model.warnings.push_back(fmt::format(
        "{} tensor(s) keep their data outside the .pte and no .ptd holding them was found "
        "({}; pass --data FILE.ptd): {}",
        unresolved_.size(),
        may_search_folder_
            ? fmt::format("looked for {} and other .ptd files next to it",
                          fs::path(program_path_).replace_extension(".ptd").filename().string())
            : "no search next to the program",
        fmt::join(unresolved_, ", ")));
}

}  // namespace edgelens::pte
