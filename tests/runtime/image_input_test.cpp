// Image inputs (image_input.h) against independent decoders and an independent numpy version of
// the resize/normalise rule: BMP via tests/runtime/image_oracle.py (struct + numpy), PNG and JPEG
// via ImageMagick's `convert FILE rgb:-`. Images come from ../shared (TFLM's person.bmp) or are
// made by ImageMagick in the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "edgelens/runtime/image_input.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {
namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

int sh(const std::string& cmd) {
  return std::system(cmd.c_str());
}

struct Scratch {
  fs::path dir = fs::temp_directory_path() / fmt::format("edgelens-image-{}", ::getpid());
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const fs::path kOracle = fs::path(EDGELENS_SOURCE_DIR) / "tests/runtime/image_oracle.py";
fs::path person_bmp() {
  return edgelens::testing::fixtures_dir() / "tflite/micro/testdata/person.bmp";
}
bool have_convert() {
  return sh("convert -version > /dev/null 2>&1") == 0;
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Our decode expanded to RGB, for comparing with decoders that always give RGB.
std::vector<uint8_t> as_rgb(const Image& image) {
  if (image.channels == 3) return image.pixels;
  std::vector<uint8_t> rgb;
  for (auto p : image.pixels) rgb.insert(rgb.end(), {p, p, p});
  return rgb;
}

TensorBuffer buffer(const Tensor& ir, std::vector<std::byte>& storage) {
  TensorBuffer t;
  t.ir = &ir;
  t.dtype = ir.dtype;
  t.shape = ir.shape;
  t.data = storage.data();
  t.bytes = storage.size();
  return t;
}

int max_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return 256;
  int m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(int(a[i]) - int(b[i])));
  return m;
}

TEST(ImageInput, PaletteBmpMatchesIndependentDecoder) {
  EDGELENS_REQUIRE_SHARED();
  Scratch s;
  const auto out = s.dir / "rgb.npy";
  ASSERT_EQ(sh(fmt::format("/usr/bin/python3 '{}' rgb '{}' '{}'", kOracle.string(),
                           person_bmp().string(), out.string())),
            0);
  const auto ref = read_npy(out);
  const Image image = decode_image(person_bmp());
  EXPECT_EQ(image.width, 96);
  EXPECT_EQ(image.height, 96);
  EXPECT_EQ(image.channels, 1) << "person.bmp has a gray palette";
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{96, 96, 3}));
  const std::vector<uint8_t> expected(
      reinterpret_cast<const uint8_t*>(ref.data.data()),
      reinterpret_cast<const uint8_t*>(ref.data.data()) + ref.data.size());
  EXPECT_EQ(max_diff(as_rgb(image), expected), 0);
}

// PNG (gray, RGB, RGBA), baseline JPEG and 24/32-bit BMP written by ImageMagick from a seeded
// plasma, each decoded by us and by ImageMagick.
TEST(ImageInput, PngJpegBmpMatchImageMagick) {
  if (!have_convert()) GTEST_SKIP() << "ImageMagick `convert` is not installed (scripts/setup.sh)";
  Scratch s;
  const auto src = s.dir / "src.png";
  ASSERT_EQ(sh(fmt::format("convert -size 37x23 -seed 7 plasma: '{}'", src.string())), 0);
  struct Case {
    std::string file, convert_args;
    int tolerance;
  };
  const std::vector<Case> cases = {
      // plasma is 16 bits per sample: libpng's png_set_scale_16 ((v * 255 + 32895) >> 16) and
      // ImageMagick's (v + 128) / 257 both round, and differ by one on a few values.
      {"rgb16.png", "-type TrueColor", 1},
      {"rgb8.png", "-type TrueColor -depth 8", 0},
      {"palette.png", "-colors 50 PNG8:", 0},
      {"gray16.png", "-colorspace Gray -type Grayscale", 1},
      {"gray8.png", "-colorspace Gray -type Grayscale -depth 8", 0},
      {"rgba.png", "-alpha set -channel A -evaluate set 50% +channel -type TrueColorAlpha -depth 8",
       0},
      {"q90.jpg", "-quality 90", 1},
      {"gray.jpg", "-colorspace Gray -quality 85", 1},
      {"bgr24.bmp", "-type TrueColor BMP3:", 0},
      {"v5.bmp", "-alpha set -type TrueColorAlpha", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto file = s.dir / c.file;
    std::string target = file.string();
    std::string args = c.convert_args;
    for (const std::string prefix : {"BMP3:", "PNG8:"})
      if (auto p = args.find(prefix); p != std::string::npos) {
        args.erase(p);
        target = prefix + target;
      }
    ASSERT_EQ(sh(fmt::format("convert '{}' {} '{}'", src.string(), args, target)), 0);
    const auto raw = s.dir / (c.file + ".rgb");
    ASSERT_EQ(
        sh(fmt::format("convert '{}' -alpha off -depth 8 'rgb:{}'", file.string(), raw.string())),
        0);
    const Image image = decode_image(file);
    EXPECT_EQ(image.width, 37);
    EXPECT_EQ(image.height, 23);
    EXPECT_LE(max_diff(as_rgb(image), read_bytes(raw)), c.tolerance);
  }
}

TEST(ImageInput, ResizeAndNormaliseMatchNumpy) {
  EDGELENS_REQUIRE_SHARED();
  Scratch s;
  const Image image = decode_image(person_bmp());
  struct Case {
    int64_t h, w, c;
    const char* mode;
    double mean, std;
  };
  for (const Case c : {Case{64, 80, 1, "bilinear", 127.5, 127.5},
                       Case{150, 120, 3, "bilinear", 0, 255}, Case{50, 70, 3, "nearest", 10, 2}}) {
    SCOPED_TRACE(fmt::format("{}x{}x{} {}", c.h, c.w, c.c, c.mode));
    const auto out = s.dir / "t.npy";
    ASSERT_EQ(
        sh(fmt::format("/usr/bin/python3 '{}' tensor '{}' {} {} {} {} {} {} '{}'", kOracle.string(),
                       person_bmp().string(), c.h, c.w, c.c, c.mode, c.mean, c.std, out.string())),
        0);
    const auto ref = read_npy(out);
    Tensor ir;
    ir.dtype = DType::Float32;
    ir.shape = {1, c.h, c.w, c.c};
    std::vector<std::byte> storage(size_t(c.h * c.w * c.c) * 4);
    TensorBuffer t = buffer(ir, storage);
    ImageOptions options;
    options.resize = parse_image_resize(c.mode);
    options.mean = {c.mean};
    options.std = {c.std};
    load_image_into(t, image, options, "person.bmp");
    ASSERT_EQ(ref.shape, t.shape);
    const auto ours = t.view<float>();
    double worst = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      float r;
      std::memcpy(&r, ref.data.data() + 4 * i, 4);
      worst = std::max(worst, double(std::abs(ours[i] - r)));
    }
    EXPECT_LE(worst, 1e-4 * std::max(1.0, 255.0 / c.std));
  }
}

// Quantized input, auto range: the whole int8 range, i.e. q = p - 128 for person_detect's input
// (scale 1/127.5, zero point -1) — TFLM's person_detection image provider rule.
TEST(ImageInput, AutoRangeQuantizedIsPixelMinus128) {
  EDGELENS_REQUIRE_SHARED();
  const Image image = decode_image(person_bmp());
  Tensor ir;
  ir.dtype = DType::Int8;
  ir.shape = {1, 96, 96, 1};
  ir.quant.scales = {0.00784313772f};
  ir.quant.zero_points = {-1};
  std::vector<std::byte> storage(96 * 96);
  TensorBuffer t = buffer(ir, storage);
  load_image_into(t, image, {}, "person.bmp");
  const auto q = t.view<int8_t>();
  int mismatches = 0;
  for (size_t i = 0; i < q.size(); ++i) mismatches += q[i] != int(image.pixels[i]) - 128;
  EXPECT_EQ(mismatches, 0);
}

TEST(ImageInput, BadFilesAndShapesFailClearly) {
  Scratch s;
  auto expect_error = [](auto&& fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { (void)decode_image(s.dir / "missing.png"); }, "missing.png");
  const auto junk = s.dir / "junk.png";
  std::ofstream(junk) << "not an image at all";
  expect_error([&] { (void)decode_image(junk); }, "unknown signature");
  // Truncated headers and data of every format.
  const std::vector<uint8_t> png_head = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0};
  expect_error([&] { (void)decode_image_bytes(std::as_bytes(std::span(png_head)), "t.png"); },
               "PNG");
  const std::vector<uint8_t> jpeg_head = {0xff, 0xd8, 0xff, 0xe0, 0, 16};
  expect_error([&] { (void)decode_image_bytes(std::as_bytes(std::span(jpeg_head)), "t.jpg"); },
               "JPEG");
  if (edgelens::testing::have_shared()) {
    auto bmp = read_bytes(person_bmp());
    bmp.resize(bmp.size() - 100);
    expect_error([&] { (void)decode_image_bytes(std::as_bytes(std::span(bmp)), "cut.bmp"); },
                 "truncated");
  }
  // A 4-channel input and a rank-2 input cannot take an image.
  Image gray{2, 2, 1, {0, 1, 2, 3}};
  for (auto shape : {std::vector<int64_t>{1, 2, 2, 4}, std::vector<int64_t>{1, 4}}) {
    Tensor ir;
    ir.dtype = DType::Float32;
    ir.shape = shape;
    std::vector<std::byte> storage(64);
    TensorBuffer t = buffer(ir, storage);
    expect_error([&] { load_image_into(t, gray, {}, "g.png"); },
                 shape.size() == 4 ? "4 channels" : "NHWC");
  }
  // --image-resize none refuses a size mismatch.
  Tensor ir;
  ir.dtype = DType::Float32;
  ir.shape = {1, 3, 3, 1};
  std::vector<std::byte> storage(36);
  TensorBuffer t = buffer(ir, storage);
  ImageOptions none;
  none.resize = ImageResize::None;
  expect_error([&] { load_image_into(t, gray, none, "g.png"); }, "--image-resize");
  expect_error([&] { set_image_range(none, "1,0"); }, "LO < HI");
}

}  // namespace
