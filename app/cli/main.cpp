// `edgelens`: the headless front end. Verbs register themselves (command.h); this file only wires
// them to CLI11 and maps failures to exit codes: 0 ok, 1 usage, 2 bad or unsupported input.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"
#include "edgelens/model_io/error.h"

namespace edgelens::cli {
std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace edgelens::cli

int main(int argc, char** argv) {
  using namespace edgelens::cli;
  CLI::App app{"EdgeLens: look inside on-device ML models (.tflite, .pte)", "edgelens"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "edgelens 0.1.0");

  auto& commands = command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, Action>> actions;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    actions.emplace_back(sub, command.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const edgelens::ModelError& e) {
    fmt::print(stderr, "edgelens: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "edgelens: error: {}\n", e.what());
    return kExitBadInput;
  }
  return kExitUsage;
}
