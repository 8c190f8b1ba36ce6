// `edgelens dump MODEL --json [-o FILE] [--format edgelens|model-explorer]`: the whole IR as JSON
// (schema in docs/dump-json.md), or Model Explorer graph JSON.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "command.h"
#include "edgelens/model_io/json_dump.h"
#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/open.h"
#include "open_options.h"

namespace edgelens::cli {
namespace {

// Names in a model file are not guaranteed UTF-8; JSON must be, so bad bytes become U+FFFD.
constexpr auto kReplaceBadUtf8 = nlohmann::json::error_handler_t::replace;

enum class DumpFormat { EdgeLens, ModelExplorer };

struct DumpOptions {
  std::string model;
  std::string output;
  bool json = false;
  DumpFormat format = DumpFormat::EdgeLens;
  OpenOptions open;
};

Action setup_dump(CLI::App& sub) {
  auto options = std::make_shared<DumpOptions>();
  sub.add_option("MODEL", options->model, "Model file (.tflite, .pte)")->required();
  sub.add_flag("--json", options->json, "Write JSON (the only output form for now)")->required();
  sub.add_option("-o,--output", options->output, "Write to FILE (atomically) instead of stdout");
  const std::map<std::string, DumpFormat> formats{{"edgelens", DumpFormat::EdgeLens},
                                                  {"model-explorer", DumpFormat::ModelExplorer}};
  sub.add_option("--format", options->format, "edgelens (the IR, default) or model-explorer")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  add_open_options(sub, options->open);
  return [options]() {
    const auto model = open_model(options->model, options->open);
    std::string text;
    if (options->format == DumpFormat::ModelExplorer) {
      const std::string label = std::filesystem::path(options->model).filename().string();
      text = model_explorer_json(*model, label).dump(1, ' ', false, kReplaceBadUtf8);
    } else {
      text = dump_json(*model).dump(1, ' ', false, kReplaceBadUtf8);
    }
    text += '\n';
    if (options->output.empty() || options->output == "-")
      std::fwrite(text.data(), 1, text.size(), stdout);
    else
      write_file_atomically(options->output, text);
    return kExitOk;
  };
}

const RegisterCommand kRegisterDump{
    {"dump", "Write the whole model IR as JSON, or Model Explorer graph JSON", setup_dump}};

}  // namespace
}  // namespace edgelens::cli
