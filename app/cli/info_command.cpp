// `edgelens info MODEL [--json]`: what is inside a model file, as text or JSON.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "command.h"
#include "edgelens/model_io/model_summary.h"
#include "edgelens/model_io/open.h"
#include "open_options.h"

namespace edgelens::cli {
namespace {

struct InfoOptions {
  std::string model;
  bool json = false;
  OpenOptions open;
};

Action setup_info(CLI::App& sub) {
  auto options = std::make_shared<InfoOptions>();
  sub.add_option("MODEL", options->model, "Model file (.tflite, .pte)")->required();
  sub.add_flag("--json", options->json, "Print the summary as JSON");
  add_open_options(sub, options->open);
  return [options]() {
    const auto model = open_model(options->model, options->open);
    const ModelSummary summary = summarize(*model);
    // Names in a model file are not guaranteed UTF-8; JSON must be, so bad bytes become U+FFFD.
    if (options->json)
      fmt::print("{}\n",
                 to_json(summary).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else
      fmt::print("{}", to_text(summary));
    return kExitOk;
  };
}

const RegisterCommand kRegisterInfo{
    {"info", "Summarise a model: format, graphs, ops, parameters, inputs/outputs, delegates",
     setup_info}};

}  // namespace
}  // namespace edgelens::cli
