// Where ../shared (fixtures, references, peers) is, and a helper to skip visibly without it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace edgelens::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EDGELENS_SHARED_DIR")) return env;
  return EDGELENS_SHARED_DIR;
}
inline std::filesystem::path fixtures_dir() {
  return shared_dir() / "fixtures";
}
inline bool have_shared() {
  return std::filesystem::is_directory(fixtures_dir());
}

}  // namespace edgelens::testing

// Use at the top of a test that reads ../shared.
#define EDGELENS_REQUIRE_SHARED()                                                            \
  do {                                                                                       \
    if (!::edgelens::testing::have_shared())                                                 \
      GTEST_SKIP() << "../shared is absent (looked in " << ::edgelens::testing::shared_dir() \
                   << "); this test needs its fixtures";                                     \
  } while (0)
