// Format detection by content, never by extension, and the one-line description of files that
// are not models.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::DetectedFormat;
using edgelens::testing::fixtures_dir;

namespace {

std::vector<std::byte> read_head(const fs::path& path, std::size_t n = 512) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars(n);
  in.read(chars.data(), static_cast<std::streamsize>(n));
  chars.resize(static_cast<std::size_t>(in.gcount()));
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

// What each fixture extension is, per fixtures/MANIFEST.tsv and the formats' own conventions.
std::optional<DetectedFormat> expected_by_extension(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".tflite") return DetectedFormat::TFLite;
  if (ext == ".pte") return DetectedFormat::ExecuTorch;
  if (ext == ".bpte") return DetectedFormat::ExecuTorchBundled;
  if (ext == ".ptd") return DetectedFormat::ExecuTorchData;
  if (ext == ".onnx") return DetectedFormat::Onnx;
  return std::nullopt;
}

}  // namespace

TEST(FormatDetect, FixturesAreRecognisedByContent) {
  EDGELENS_REQUIRE_SHARED();
  std::map<DetectedFormat, std::size_t> seen;
  for (const auto& e : fs::recursive_directory_iterator(fixtures_dir())) {
    if (!e.is_regular_file()) continue;
    const auto expected = expected_by_extension(e.path());
    if (!expected) continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_EQ(edgelens::detect_format(read_head(e.path())), *expected);
    ++seen[*expected];
  }
  EXPECT_GE(seen[DetectedFormat::TFLite], 100u);
  EXPECT_GE(seen[DetectedFormat::ExecuTorch], 5u);
  EXPECT_GE(seen[DetectedFormat::ExecuTorchBundled], 1u);
  EXPECT_GE(seen[DetectedFormat::ExecuTorchData], 1u);
  EXPECT_GE(seen[DetectedFormat::Onnx], 1u);
}

// A file's name says nothing: a .tflite saved as .pte (and the reverse) opens as what it is.
TEST(FormatDetect, ExtensionIsIgnored) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir =
      fs::temp_directory_path() / ("edgelens-detect-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path tflite_as_pte = dir / "model.pte", pte_as_tflite = dir / "model.tflite",
                 onnx_as_tflite = dir / "x.tflite";
  fs::copy_file(fixtures_dir() / "tflite/micro/hello_world_float.tflite", tflite_as_pte,
                fs::copy_options::overwrite_existing);
  fs::copy_file(fixtures_dir() / "executorch/xnnpack/add.pte", pte_as_tflite,
                fs::copy_options::overwrite_existing);
  fs::copy_file(fixtures_dir() / "onnx/mobilenet_v2_w050_c10_qdq_int8_fx.onnx", onnx_as_tflite,
                fs::copy_options::overwrite_existing);
  EXPECT_EQ(edgelens::open_model(tflite_as_pte.string())->format, edgelens::ModelFormat::TFLite);
  EXPECT_EQ(edgelens::open_model(pte_as_tflite.string())->format,
            edgelens::ModelFormat::ExecuTorch);
  try {
    edgelens::open_model(onnx_as_tflite.string());
    ADD_FAILURE() << "an ONNX file opened as a model";
  } catch (const edgelens::ModelError& e) {
    EXPECT_EQ(e.file(), onnx_as_tflite.string());
    EXPECT_NE(std::string(e.what()).find("looks like an ONNX model"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

TEST(FormatDetect, DescribesOnnxFixtures) {
  EDGELENS_REQUIRE_SHARED();
  for (const auto& e : fs::directory_iterator(fixtures_dir() / "onnx")) {
    if (e.path().extension() != ".onnx") continue;
    const std::string text = edgelens::describe_bytes(read_head(e.path()));
    EXPECT_NE(text.find("ONNX"), std::string::npos) << e.path() << ": " << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << "one line";
  }
}

// The PNG signature and the start of an IHDR chunk as the PNG specification defines them.
std::string png_head() {
  static constexpr char kPng[] =
      "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
  return std::string(kPng, sizeof(kPng) - 1);  // the literal holds NULs: size from the array
}

TEST(FormatDetect, DescribesNonModels) {
  const auto png = bytes_of(png_head());
  EXPECT_EQ(edgelens::detect_format(png), DetectedFormat::Unknown);
  EXPECT_NE(edgelens::describe_bytes(png).find("PNG"), std::string::npos)
      << edgelens::describe_bytes(png);

  const std::vector<std::byte> empty;
  EXPECT_EQ(edgelens::detect_format(empty), DetectedFormat::Unknown);
  EXPECT_NE(edgelens::describe_bytes(empty).find("empty"), std::string::npos)
      << edgelens::describe_bytes(empty);

  const auto short_file = bytes_of("TFL");
  EXPECT_EQ(edgelens::detect_format(short_file), DetectedFormat::Unknown);
  EXPECT_NE(edgelens::describe_bytes(short_file).find("too short"), std::string::npos)
      << edgelens::describe_bytes(short_file);

  // Magic at the wrong place is not a model: "TFL3" must sit at byte 4 (flatbuffer file
  // identifier).
  const auto misplaced = bytes_of(std::string_view("TFL3\0\0\0\0\0\0\0\0", 12));
  EXPECT_EQ(edgelens::detect_format(misplaced), DetectedFormat::Unknown);

  const auto text = bytes_of("hello, this is plain text and not a model\n");
  const std::string described = edgelens::describe_bytes(text);
  EXPECT_EQ(described.find('\n'), std::string::npos) << described;
  EXPECT_NE(described.find("unrecognised"), std::string::npos) << described;
}

TEST(FormatDetect, OpeningNonModelsFailsWithTheirDescription) {
  const fs::path dir =
      fs::temp_directory_path() / ("edgelens-detect-np-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path empty = dir / "empty.tflite", png = dir / "image.tflite";
  std::ofstream(empty).close();
  std::ofstream(png, std::ios::binary) << png_head();
  for (const auto& [path, word] : {std::pair{empty, "empty"}, std::pair{png, "PNG"}}) {
    try {
      edgelens::open_model(path.string());
      ADD_FAILURE() << path << " opened";
    } catch (const edgelens::ModelError& e) {
      EXPECT_EQ(e.file(), path.string());
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
    }
  }
  fs::remove_all(dir);
}
