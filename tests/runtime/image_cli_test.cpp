// `edgelens run MODEL --input IMAGE` end to end on TFLM's person_detect with TFLM's own test
// pictures, and the exit-2 errors for images that cannot be read or inputs that cannot take one.
// TFLM's person.bmp / no_person.bmp hold int8 bytes; tests/runtime/image_oracle.py turns them
// into natural gray PNGs and gives the int8 tensor TFLM's person_detection_test feeds. Oracles:
// that tensor (our decoded + auto-range-quantized input must equal it byte for byte) and the TFLM
// test's assertions (person image: person score > no-person score; no-person image: the reverse).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../cli/run_command.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {
namespace fs = std::filesystem;
using edgelens::testing::run_edgelens;
using edgelens::testing::TempDir;

const fs::path kOracle = fs::path(EDGELENS_SOURCE_DIR) / "tests/runtime/image_oracle.py";

fs::path micro(const std::string& rel) {
  return edgelens::testing::fixtures_dir() / "tflite/micro" / rel;
}

TEST(CliImageInput, PersonDetectOnTflmPictures) {
  EDGELENS_REQUIRE_SHARED();
  TempDir tmp;
  for (const std::string name : {"person", "no_person"}) {
    SCOPED_TRACE(name);
    const auto png = tmp.path / (name + ".png");
    const auto expected = tmp.path / (name + "_tflm.npy");
    ASSERT_EQ(std::system(fmt::format("/usr/bin/python3 '{}' tflm '{}' '{}' '{}'", kOracle.string(),
                                      micro("testdata/" + name + ".bmp").string(), png.string(),
                                      expected.string())
                              .c_str()),
              0);
    const auto dump = tmp.path / (name + "_dump");
    const auto r = run_edgelens({"run", micro("person_detect.tflite").string(), "--input",
                                 png.string(), "--json", "--dump-tensors", dump.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The input tensor (t88) equals what TFLM feeds.
    const auto ours = edgelens::runtime::read_npy(dump / "t88.npy");
    const auto tflm = edgelens::runtime::read_npy(expected);
    EXPECT_EQ(ours.shape, tflm.shape);
    EXPECT_TRUE(ours.data == tflm.data) << "decoded input differs from TFLM's int8 input";
    const auto report = nlohmann::json::parse(r.out);
    const auto scores = report["outputs"][0]["first_values"].get<std::vector<double>>();
    ASSERT_EQ(scores.size(), 2u);
    // TFLM person_detection_test: index 1 = person, 0 = not a person.
    if (name == "person")
      EXPECT_GT(scores[1], scores[0]);
    else
      EXPECT_GT(scores[0], scores[1]);
  }
}

TEST(CliImageInput, BadImagesAndInputsExit2) {
  EDGELENS_REQUIRE_SHARED();
  TempDir tmp;
  const auto missing = tmp.path / "missing.png";
  auto r =
      run_edgelens({"run", micro("person_detect.tflite").string(), "--input", missing.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.png"), std::string::npos) << r.err;

  const auto junk = tmp.path / "junk.jpg";
  std::ofstream(junk) << "\xff\xd8\xff not really a jpeg";
  r = run_edgelens({"run", micro("person_detect.tflite").string(), "--input", junk.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("JPEG"), std::string::npos) << r.err;

  // hello_world's input is [1,1]: not an image input.
  r = run_edgelens({"run", micro("hello_world_float.tflite").string(), "--input",
                    micro("testdata/person.bmp").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("NHWC"), std::string::npos) << r.err;

  // --image-resize none on a 96x96 input with a 96x96 image works; a bad range is exit 2.
  r = run_edgelens({"run", micro("person_detect.tflite").string(), "--input",
                    micro("testdata/person.bmp").string(), "--image-resize", "none",
                    "--image-range=-1,1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_edgelens({"run", micro("person_detect.tflite").string(), "--input",
                    micro("testdata/person.bmp").string(), "--image-range", "5,1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("LO < HI"), std::string::npos) << r.err;
}

// quant-report --inputs DIR of images: one sample per picture.
TEST(CliImageInput, QuantReportTakesAnImageDirectory) {
  EDGELENS_REQUIRE_SHARED();
  TempDir tmp;
  const auto dir = tmp.path / "images";
  fs::create_directories(dir);
  for (const std::string name : {"person", "no_person"})
    ASSERT_EQ(std::system(fmt::format("/usr/bin/python3 '{}' tflm '{}' '{}' '{}'", kOracle.string(),
                                      micro("testdata/" + name + ".bmp").string(),
                                      (dir / (name + ".png")).string(),
                                      (tmp.path / (name + ".npy")).string())
                              .c_str()),
              0);
  const auto json = tmp.path / "report.json";
  const auto r = run_edgelens({"quant-report", micro("person_detect.tflite").string(), "--inputs",
                               dir.string(), "--json", json.string(), "--no-cache", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(std::ifstream(json));
  EXPECT_NE(report.dump().find("\"samples\":2"), std::string::npos)
      << "expected 2 samples: " << report.dump().substr(0, 300);
}

}  // namespace
