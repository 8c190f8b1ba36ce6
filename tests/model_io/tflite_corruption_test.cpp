// Damaged .tflite files never crash or hang the reader: every fixture below, truncated at 64
// evenly spaced points and with 200 random single-byte flips, either opens or throws a
// ModelError naming the file. (Run under ASan/UBSan in the asan preset.)
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

std::vector<std::byte> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(raw.size());
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

// Opens damaged bytes: it must open, or fail with a ModelError, within 2 s.
void open_damaged(std::span<const std::byte> bytes, const std::string& what) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    auto m = open_model_bytes(bytes, "damaged.tflite");
    // A model that opens must be internally consistent enough to walk.
    for (const auto& g : m->graphs)
      for (const auto& n : g.nodes)
        for (int32_t i : n.inputs) ASSERT_LT(i, static_cast<int32_t>(g.tensors.size())) << what;
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("damaged.tflite"), std::string::npos)
        << what << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": non-ModelError exception: " << e.what();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 2.0) << what;
}

TEST(TfliteCorruption, TruncationsAndByteFlipsFailCleanly) {
  EDGELENS_REQUIRE_SHARED();
  const char* fixtures[] = {
      "tflite/micro/hello_world_int8.tflite",                     // signatures, metadata
      "tflite/litert/tflite/testdata/multi_subgraphs_while.bin",  // control flow
      "tflite/litert/litert/test/testdata/"
      "simple_model_npu_google_tensor_precompiled.tflite",  // flexbuffers
      "tflite/litert/litert/test/testdata/blockwise_quantized.tflite",
      "tflite/micro/person_detect_vela.tflite",
  };
  std::mt19937 rng(20261123);  // fixed seed: the test is deterministic
  for (const char* rel : fixtures) {
    const auto good = slurp(testing::fixtures_dir() / rel);
    ASSERT_GT(good.size(), 64u) << rel;
    for (int k = 0; k < 64; ++k) {
      const size_t cut = good.size() * static_cast<size_t>(k) / 64;
      open_damaged(std::span(good).first(cut),
                   std::string(rel) + " truncated at " + std::to_string(cut));
    }
    std::uniform_int_distribution<size_t> where(0, good.size() - 1);
    std::uniform_int_distribution<int> value(0, 255);
    for (int k = 0; k < 200; ++k) {
      auto bad = good;
      const size_t at = where(rng);
      bad[at] = static_cast<std::byte>(value(rng));
      open_damaged(bad, std::string(rel) + " byte " + std::to_string(at) + " changed");
    }
  }
}

}  // namespace
}  // namespace edgelens
