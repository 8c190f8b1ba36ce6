// The option every verb that opens a model shares: where an ExecuTorch program's external weights
// (.ptd) are, beyond the <stem>.ptd found next to it.
#pragma once

#include <CLI/CLI.hpp>

#include "edgelens/model_io/open.h"

namespace edgelens::cli {

inline void add_open_options(CLI::App& sub, OpenOptions& options) {
  sub.add_option("--data", options.data_files,
                 "ExecuTorch external weights (.ptd, repeatable); <model stem>.ptd next to the "
                 ".pte is used without it")
      ->check(CLI::ExistingFile);
}

}  // namespace edgelens::cli
