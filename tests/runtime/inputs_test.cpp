// The ramp inputs must equal the reference inputs the peers generated (../shared/peers rule), byte
// for byte, for every reference model — float, quantized and integer inputs alike.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {
namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

TEST(Inputs, RampEqualsPeerReferenceInputs) {
  EDGELENS_REQUIRE_SHARED();
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(edgelens::testing::fixtures_dir() / "reference")) {
    if (!fs::exists(entry.path() / "meta.json")) continue;
    nlohmann::json meta = nlohmann::json::parse(std::ifstream(entry.path() / "meta.json"));
    auto model = open_model((edgelens::testing::shared_dir() / meta["model"].get<std::string>()).string());
    Interpreter interp(*model);
    for (size_t k = 0; k < interp.input_count(); ++k) {
      auto& t = interp.input(k);
      if (!t.data) continue;  // a model whose graph could not be prepared at all
      fill_ramp(t);
      const auto ref = read_npy(entry.path() / meta["inputs"][k]["file"].get<std::string>());
      ASSERT_EQ(ref.dtype, t.dtype) << entry.path();
      ASSERT_EQ(ref.shape, t.shape) << entry.path();
      ASSERT_EQ(ref.data.size(), t.byte_size());
      EXPECT_EQ(0, std::memcmp(ref.data.data(), t.data, ref.data.size()))
          << entry.path().filename() << " input " << k << " (" << meta["inputs"][k]["generator"] << ")";
      ++compared;
    }
  }
  EXPECT_GT(compared, 10);
}

TEST(Inputs, SpecParsing) {
  EXPECT_EQ(parse_input_spec("ramp").kind, InputSpec::Kind::Ramp);
  const auto r = parse_input_spec("random:42");
  EXPECT_EQ(r.kind, InputSpec::Kind::Random);
  EXPECT_EQ(r.seed, 42u);
  const auto f = parse_input_spec("image=/tmp/x.npy");
  EXPECT_EQ(f.kind, InputSpec::Kind::File);
  EXPECT_EQ(f.target, "image");
  EXPECT_EQ(f.path, "/tmp/x.npy");
  EXPECT_THROW(parse_input_spec("random:abc"), std::invalid_argument);
}

TEST(Inputs, WrongShapeOrDtypeNamesExpectedAndGot) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model((edgelens::testing::fixtures_dir() / "tflite/mediapipe/face_detection_short_range.tflite").string());
  Interpreter interp(*model);
  NpyArray wrong_shape{DType::Float32, {1, 64, 64, 3}, std::vector<std::byte>(64 * 64 * 3 * 4)};
  try {
    load_npy_into(interp.input(0), wrong_shape, "x.npy");
    FAIL() << "accepted a wrong shape";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[1,128,128,3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1,64,64,3]"), std::string::npos) << e.what();
  }
  NpyArray wrong_dtype{DType::UInt8, {1, 128, 128, 3}, std::vector<std::byte>(128 * 128 * 3)};
  EXPECT_THROW(load_npy_into(interp.input(0), wrong_dtype, "x.npy"), std::invalid_argument);
}

}  // namespace
