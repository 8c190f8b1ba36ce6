// The oracle runtimes of ../shared/peers (LiteRT.js, tfjs-tflite), installed once per build tree.
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "shared_dir.h"

namespace edgelens::testing {

// Copies ../shared/peers to `dir` (BUILD/peers) and runs `npm ci` there once. Returns "" when the
// peers are ready, otherwise why not (for GTEST_SKIP). Several test processes start at once under
// `ctest -j`, so the installation runs under an exclusive lock and is marked complete only after
// `npm ci` succeeded: nobody sees a half-installed node_modules.
inline std::string ensure_peers(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path done_marker = dir / ".edgelens-peers-installed";
  if (fs::exists(done_marker)) return {};
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not installed";
  if (std::system("npm --version > /dev/null 2>&1") != 0) return "npm is not installed";
  const fs::path src = shared_dir() / "peers";
  if (!fs::exists(src / "package.json")) return fmt::format("{} has no package.json", src.string());

  fs::create_directories(dir);
  const std::string lock_path = dir.string() + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd < 0) return fmt::format("cannot open the lock file {}", lock_path);
  struct LockGuard {
    int fd;
    ~LockGuard() {
      ::flock(fd, LOCK_UN);
      ::close(fd);
    }
  } guard{lock_fd};
  if (::flock(lock_fd, LOCK_EX) != 0) return fmt::format("cannot lock {}", lock_path);
  if (fs::exists(done_marker)) return {};  // another process installed them while we waited

  for (const char* f :
       {"package.json", "package-lock.json", ".npmrc", "reference.mjs", "tflite_io.mjs", "npy.cjs"})
    if (fs::exists(src / f)) fs::copy_file(src / f, dir / f, fs::copy_options::overwrite_existing);
  const fs::path log = dir / "npm-ci.log";
  const std::string cmd = fmt::format(
      "cd '{}' && timeout 300 npm ci --no-audit --no-fund > '{}' 2>&1", dir.string(), log.string());
  if (std::system(cmd.c_str()) != 0)
    return fmt::format("`npm ci` failed (offline?), see {}", log.string());
  std::ofstream(done_marker) << "npm ci done\n";
  return {};
}

// Runs tests/conformance/run_peers.mjs with two workers on `jobs`, written to root/jobs.json; the
// runner's output goes to root/run_peers.log. Returns the runner's exit status (0 when it
// succeeded).
inline int run_peer_jobs(const std::filesystem::path& peers, const nlohmann::json& jobs,
                         const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::ofstream(root / "jobs.json") << jobs.dump(1);
  const fs::path script = fs::path(EDGELENS_SOURCE_DIR) / "tests" / "conformance" / "run_peers.mjs";
  return std::system(fmt::format("node '{}' '{}' '{}' 2 > '{}' 2>&1", script.string(),
                                 peers.string(), (root / "jobs.json").string(),
                                 (root / "run_peers.log").string())
                         .c_str());
}

}  // namespace edgelens::testing
