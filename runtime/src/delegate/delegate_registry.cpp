// Name -> rules: built-in XNNPACK modes, shipped profiles found on disk, or a profile path.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "edgelens/runtime/delegate/delegate_rules.h"
#include "edgelens/runtime/delegate/profile_rules.h"
#include "edgelens/runtime/delegate/xnnpack_rules.h"

namespace edgelens::delegate {
namespace fs = std::filesystem;

std::vector<std::string> delegate_profile_dirs() {
  std::vector<std::string> dirs;
  auto add = [&](const fs::path& p) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) return;
    const std::string s = fs::weakly_canonical(p, ec).string();
    for (const std::string& d : dirs)
      if (d == s) return;
    dirs.push_back(s);
  };
  if (const char* env = std::getenv("EDGELENS_DELEGATES_DIR"); env && *env) add(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path dir = exe.parent_path();
    // Build trees sit inside the source tree (build/<preset>/app/edgelens): walk up to find it.
    for (int up = 0; up < 5 && !dir.empty(); ++up) {
      add(dir / "resources" / "delegates");
      if (dir == dir.parent_path()) break;
      dir = dir.parent_path();
    }
    add(exe.parent_path() / ".." / "share" / "edgelens" / "delegates");
  }
  return dirs;
}

std::vector<std::string> available_delegates() {
  std::vector<std::string> names = {"xnnpack", "xnnpack-local"};
  for (const std::string& dir : delegate_profile_dirs()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      const std::string stem = entry.path().stem().string();
      bool seen = false;
      for (const std::string& n : names) seen = seen || n == stem;
      if (!seen) names.push_back(stem);
    }
  }
  return names;
}

std::unique_ptr<DelegateRules> make_delegate_rules(std::string_view name_or_path) {
  if (name_or_path == "xnnpack") return make_xnnpack_rules(XnnpackMode::Current);
  if (name_or_path == "xnnpack-local") return make_xnnpack_rules(XnnpackMode::Local);
  const fs::path as_path{std::string(name_or_path)};
  std::error_code ec;
  if (as_path.extension() == ".json" || as_path.has_parent_path())
    return load_profile_file(as_path.string());
  for (const std::string& dir : delegate_profile_dirs()) {
    const fs::path candidate = fs::path(dir) / (std::string(name_or_path) + ".json");
    if (fs::is_regular_file(candidate, ec)) return load_profile_file(candidate.string());
  }
  std::string known;
  for (const std::string& n : available_delegates()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(fmt::format(
      "unknown delegate '{}' (known: {}; or pass a profile .json path)", name_or_path, known));
}

}  // namespace edgelens::delegate
