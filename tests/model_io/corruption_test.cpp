// Deterministic bad-input test: every .tflite / .pte fixture (found by content) truncated at 64
// evenly spaced points and given 200 single-byte flips (fixed seed). Opening must never crash or
// hang, and every failure must be a ModelError naming the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr int kTruncations = 64;
constexpr int kFlips = 200;
constexpr double kMaxOpenSeconds = 2.0;

std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

// Model files under fixtures/, recognised by their magic (many LiteRT test models end in .bin).
struct Fixture {
  fs::path path;
  std::string name;  // relative to fixtures/, used as the file name in errors
  std::uintmax_t size = 0;
};

std::vector<Fixture> model_fixtures() {
  std::vector<Fixture> out;
  const fs::path root = fixtures_dir();
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.file_size() < 8) continue;
    char head[8] = {};
    std::ifstream(e.path(), std::ios::binary).read(head, 8);
    const std::string_view ident(head + 4, 4);
    const bool tflite = ident == "TFL3";
    const bool pte = (ident.substr(0, 2) == "ET" || ident.substr(0, 2) == "BP") &&
                     std::isdigit(head[6]) && std::isdigit(head[7]);
    if (!tflite && !pte) continue;
    out.push_back({e.path(), fs::relative(e.path(), root).string(), e.file_size()});
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

struct Outcome {
  std::size_t opened = 0, rejected = 0;
  double slowest_seconds = 0;
  std::string slowest_case;
};

// Opens `bytes` as `name`; fails the test on anything but success or a ModelError naming `name`.
void open_once(std::span<const std::byte> bytes, const std::string& name,
               const std::string& variant, Outcome& outcome) {
  const auto start = std::chrono::steady_clock::now();
  try {
    auto model = edgelens::open_model_bytes(bytes, name);
    ++outcome.opened;
  } catch (const edgelens::ModelError& e) {
    ++outcome.rejected;
    EXPECT_EQ(e.file(), name) << variant << ": " << e.what();
    EXPECT_EQ(std::string_view(e.what()).substr(0, name.size()), name)
        << variant << ": " << e.what();
    EXPECT_FALSE(e.problem().empty()) << variant;
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << " " << variant << ": not a ModelError: " << e.what();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (seconds > outcome.slowest_seconds) {
    outcome.slowest_seconds = seconds;
    outcome.slowest_case = variant;
  }
  EXPECT_LT(seconds, kMaxOpenSeconds) << name << " " << variant;
}

void corrupt_and_open(const Fixture& fixture, int truncations, int flips, Outcome& outcome) {
  std::vector<std::byte> bytes = read_bytes(fixture.path);
  const std::size_t size = bytes.size();
  // Truncation points 0, size/64, 2*size/64, ... (the whole file is the unmodified case).
  for (int i = 0; i < truncations; ++i) {
    const std::size_t cut =
        size * static_cast<std::size_t>(i) / static_cast<std::size_t>(truncations);
    open_once(std::span(bytes).first(cut), fixture.name, "truncated at byte " + std::to_string(cut),
              outcome);
  }
  // std::mt19937's sequence is fixed by the standard, so the flips are the same everywhere.
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(fixture.name) & 0xffffffffu) ^
                   0x5eed1234u);
  for (int i = 0; i < flips; ++i) {
    const std::size_t at = rng() % size;
    const auto mask =
        static_cast<std::byte>(1u + rng() % 255u);  // never 0: the byte really changes
    bytes[at] ^= mask;
    open_once(bytes, fixture.name,
              "byte " + std::to_string(at) + " xor " + std::to_string(int(mask)), outcome);
    bytes[at] ^= mask;
  }
}

}  // namespace

TEST(Corruption, EveryModelFixtureTruncatedAndFlipped) {
  EDGELENS_REQUIRE_SHARED();
  const auto fixtures = model_fixtures();
  ASSERT_GE(fixtures.size(), 20u) << "fixtures/ should hold hundreds of .tflite/.pte files";
  // Under ASan every byte copy is checked: big files get fewer cases so the sanitizer run stays
  // within a few minutes; the release build runs the full 64 + 200 on every file.
  std::size_t files = 0;
  Outcome total;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& f : fixtures) {
    SCOPED_TRACE(f.name);
    const bool big = f.size > 512 * 1024;
    const int truncations = kSanitized && big ? 16 : kTruncations;
    const int flips = kSanitized && big ? 24 : kFlips;
    Outcome outcome;
    corrupt_and_open(f, truncations, flips, outcome);
    total.opened += outcome.opened;
    total.rejected += outcome.rejected;
    if (outcome.slowest_seconds > total.slowest_seconds) {
      total.slowest_seconds = outcome.slowest_seconds;
      total.slowest_case = f.name + " " + outcome.slowest_case;
    }
    ++files;
    if (::testing::Test::HasFailure()) break;  // one broken reader floods the log otherwise
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "corruption: %zu files, %zu opens (%zu opened, %zu rejected) in %.1f s; slowest %.3f s "
      "(%s)\n",
      files, total.opened + total.rejected, total.opened, total.rejected, seconds,
      total.slowest_seconds, total.slowest_case.c_str());
  // Both outcomes must occur: a reader that rejects everything (or accepts everything) is broken.
  EXPECT_GT(total.rejected, 0u);
  EXPECT_GT(total.opened, 0u);
}
