// Every CLI verb lives in its own file and registers itself here, so adding a verb never edits
// main.cpp. A verb's setup() declares its options on its CLI11 subcommand and returns the action
// to run when that subcommand is chosen; the action returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace edgelens::cli {

// Exit codes shared by every verb (CI scripts depend on them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitThreshold = 3;  // ran fine, but a check/threshold failed (compare, quant-report)

using Action = std::function<int()>;
struct Command {
  std::string name;
  std::string help;
  std::function<Action(CLI::App& sub)> setup;
};

std::vector<Command>& command_registry();

struct RegisterCommand {
  explicit RegisterCommand(Command command) { command_registry().push_back(std::move(command)); }
};

}  // namespace edgelens::cli
