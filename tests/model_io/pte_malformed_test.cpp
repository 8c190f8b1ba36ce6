// Malformed .pte input: mutated copies of real fixtures, built in memory. Every failure must be a
// ModelError that names the place; nothing may crash or hang.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/readers.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

std::vector<std::byte> load(const std::string& relative) {
  std::ifstream in(testing::fixtures_dir() / "executorch" / relative, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

template <typename T>
void store(std::vector<std::byte>& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

// Opens mutated bytes; returns the error, or "" when the model opened.
std::string error_of(const std::vector<std::byte>& bytes) {
  try {
    open_model_bytes(bytes, "mutated.pte");
    return "";
  } catch (const ModelError& e) {
    EXPECT_FALSE(e.problem().empty());
    return e.what();
  }
}

std::vector<std::string> program_fixtures() {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::fixtures_dir() / "executorch")) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".pte" || ext == ".bpte"))
      out.push_back(
          std::filesystem::relative(entry.path(), testing::fixtures_dir() / "executorch").string());
  }
  return out;
}

TEST(PteMalformed, TruncatedFilesFailWithModelError) {
  EDGELENS_REQUIRE_SHARED();
  for (const auto& name : program_fixtures()) {
    SCOPED_TRACE(name);
    const auto bytes = load(name);
    for (int k = 0; k < 64; ++k) {
      const std::size_t cut = bytes.size() * static_cast<std::size_t>(k) / 64;
      const std::vector<std::byte> truncated(bytes.begin(), bytes.begin() + static_cast<long>(cut));
      EXPECT_NE(error_of(truncated), "") << "cut at " << cut;
    }
  }
}

TEST(PteMalformed, RandomByteFlipsNeverCrash) {
  EDGELENS_REQUIRE_SHARED();
  std::mt19937 rng(20261123);
  for (const auto& name : program_fixtures()) {
    SCOPED_TRACE(name);
    const auto bytes = load(name);
    // The flatbuffers and headers sit in the first few KB; flipping weights proves nothing.
    const std::size_t span = std::min<std::size_t>(bytes.size(), 20000);
    for (int k = 0; k < 200; ++k) {
      auto copy = bytes;
      const std::size_t at = rng() % span;
      copy[at] = static_cast<std::byte>(rng() % 256);
      error_of(copy);  // either opens or throws ModelError; anything else fails the test
    }
  }
}

TEST(PteMalformed, SegmentDataPastTheEndIsNamed) {
  EDGELENS_REQUIRE_SHARED();
  auto bytes = load("xnnpack/add.pte");
  bytes.resize(1300);  // the header promises segments up to byte 1152 + 432
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("extended header"), std::string::npos) << error;
  EXPECT_NE(error.find("segment_data_size"), std::string::npos) << error;
}

TEST(PteMalformed, ProgramSizeBeyondFileIsNamed) {
  EDGELENS_REQUIRE_SHARED();
  auto bytes = load("xnnpack/add.pte");
  store<uint64_t>(bytes, 16, 1u << 20);  // eh00 program_size
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("extended header (byte 8)"), std::string::npos) << error;
  EXPECT_NE(error.find("program_size"), std::string::npos) << error;
}

TEST(PteMalformed, BadSegmentSizeIsNamed) {
  EDGELENS_REQUIRE_SHARED();
  auto bytes = load("xnnpack/add.pte");
  // flatc shows segments[1] = {offset 0, size 432}; the u64 432 also sits in the header at byte
  // 32, so look for it inside the flatbuffer only (after the 40-byte header).
  std::size_t hits = 0, at = 0;
  for (std::size_t i = 40; i + 8 <= 1088; i += 8) {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data() + i, 8);
    if (v == 432) ++hits, at = i;
  }
  ASSERT_EQ(hits, 1u);
  store<uint64_t>(bytes, at, 5000);
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("segment 1"), std::string::npos) << error;
  EXPECT_NE(error.find("runs past"), std::string::npos) << error;
}

TEST(PteMalformed, UnsupportedSchemaVersionIsClear) {
  EDGELENS_REQUIRE_SHARED();
  auto bytes = load("xnnpack/add.pte");
  std::memcpy(bytes.data() + 4, "ET13", 4);
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("ET13"), std::string::npos) << error;
  EXPECT_NE(error.find("ET12"), std::string::npos) << error;
}

TEST(PteMalformed, CorruptXnnpackHeaderLeavesTheDelegateOpaque) {
  EDGELENS_REQUIRE_SHARED();
  const auto original = load("xnnpack/add.pte");
  const std::size_t blob = 1152;  // segment base (header bytes 24..31) + segments[1].offset 0
  {
    auto bytes = original;
    std::memcpy(bytes.data() + blob + 4, "XH99", 4);
    auto m = open_model_bytes(bytes, "xh99.pte");
    ASSERT_EQ(m->delegates.size(), 1u);
    EXPECT_EQ(m->delegates[0].decoded_graph, -1);
    EXPECT_EQ(m->delegates[0].blob_bytes, 432u);
    ASSERT_EQ(m->warnings.size(), 1u);
    EXPECT_NE(m->warnings[0].find("XH00"), std::string::npos) << m->warnings[0];
    EXPECT_EQ(m->graphs.size(), 1u);
  }
  {
    auto bytes = original;
    store<uint32_t>(bytes, blob + 14, 100000);  // flatbuffer size
    auto m = open_model_bytes(bytes, "fbsize.pte");
    ASSERT_EQ(m->warnings.size(), 1u);
    EXPECT_NE(m->warnings[0].find("byte 10"), std::string::npos) << m->warnings[0];
    EXPECT_EQ(m->delegates.at(0).decoded_graph, -1);
  }
  {
    auto bytes = original;
    std::memcpy(bytes.data() + blob + 32 + 4, "XN77", 4);  // XNNGraph identifier
    auto m = open_model_bytes(bytes, "xn77.pte");
    ASSERT_EQ(m->warnings.size(), 1u);
    EXPECT_NE(m->warnings[0].find("XN77"), std::string::npos) << m->warnings[0];
  }
}

TEST(PteMalformed, BundledProgramWithCorruptInnerProgramNamesIt) {
  EDGELENS_REQUIRE_SHARED();
  auto bytes = load("extension/module/test/resources/bundled_program.bpte");
  // The embedded program starts at byte 64 (its "ET12" at 68); break its identifier.
  ASSERT_EQ(std::memcmp(bytes.data() + 68, "ET12", 4), 0);
  std::memcpy(bytes.data() + 68, "ET99", 4);
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("embedded program"), std::string::npos) << error;
}

}  // namespace
}  // namespace edgelens
