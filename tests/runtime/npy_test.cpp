#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgelens/model_io/error.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {
using namespace edgelens;
using namespace edgelens::runtime;

TEST(Npy, RoundTripEveryDtype) {
  const std::vector<int64_t> shape{2, 3};
  for (DType dtype : {DType::Float32, DType::Float16, DType::Float64, DType::Int8, DType::UInt8, DType::Int16,
                      DType::UInt16, DType::Int32, DType::Int64, DType::Bool}) {
    std::vector<std::byte> data(6 * (dtype_bits(dtype) / 8));
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7 + 1);
    if (dtype == DType::Bool)
      for (auto& b : data) b = static_cast<std::byte>(static_cast<unsigned>(b) & 1);
    const auto bytes = encode_npy(dtype, shape, data);
    EXPECT_EQ(bytes.size() % 64, data.size() % 64) << "header padded to 64 bytes";
    const auto back = parse_npy(bytes, "mem");
    EXPECT_EQ(back.dtype, dtype);
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.data, data);
  }
  // Scalars and 1-D arrays use numpy's tuple spellings.
  for (const std::vector<int64_t>& s : {std::vector<int64_t>{}, std::vector<int64_t>{5}}) {
    std::vector<std::byte> data(static_cast<size_t>(s.empty() ? 4 : 20));
    EXPECT_EQ(parse_npy(encode_npy(DType::Float32, s, data), "mem").shape, s);
  }
}

TEST(Npy, ReadsNumpyWrittenFilesOfReferenceSet) {
  EDGELENS_REQUIRE_SHARED();
  // meta.json (written by the peers' own code) says each output's dtype and shape.
  const auto dir = edgelens::testing::fixtures_dir() / "reference" / "face_detection_short_range";
  nlohmann::json meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
  const auto out = read_npy(dir / "output0.npy");
  EXPECT_EQ(out.dtype, DType::Float32);
  EXPECT_EQ(out.shape, meta["outputs"][0]["shape"].get<std::vector<int64_t>>());
  float max = -1e30f;
  for (size_t i = 0; i < out.data.size() / 4; ++i) {
    float v;
    std::memcpy(&v, out.data.data() + 4 * i, 4);
    max = std::max(max, v);
  }
  EXPECT_FLOAT_EQ(max, meta["outputs"][0]["max"].get<float>());
}

TEST(Npy, RejectsMalformed) {
  const std::string junk = "not an npy file at all";
  EXPECT_THROW(parse_npy(std::as_bytes(std::span(junk)), "junk"), ModelError);
  auto good = encode_npy(DType::Int32, std::vector<int64_t>{4}, std::vector<std::byte>(16));
  good.resize(good.size() - 4);  // truncated data
  EXPECT_THROW(parse_npy(good, "short"), ModelError);
}

}  // namespace
