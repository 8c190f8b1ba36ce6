// MediaPipe's Landmarks2TransformMatrix, TransformLandmarks and TransformTensorBilinear custom ops.
// No fixture and no peer (LiteRT.js, tfjs-tflite) resolves them, so single-op models written here
// are checked against oracles independent of our kernels: cases whose results follow exactly from
// MediaPipe's definition (an identity or translation matrix moves landmarks by exactly that
// translation; bilinear sampling of a linear ramp at an affine position equals the ramp there), and
// a numpy script computing Landmarks2TransformMatrix from MediaPipe's published formulas in
// float64.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"

namespace {
namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

fs::path work_dir() {
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "mediapipe_transform";
  fs::create_directories(dir);
  return dir;
}

struct OneOp {
  std::string op{};
  int32_t version = 1;
  std::vector<std::vector<int64_t>> input_shapes{};
  std::vector<int64_t> output_shape{};
  std::vector<Attribute> options{};
};

fs::path write_one_op(const std::string& name, const OneOp& spec) {
  TfliteBuilder b;
  std::vector<int32_t> inputs;
  for (size_t i = 0; i < spec.input_shapes.size(); ++i)
    inputs.push_back(b.add_tensor(
        {.name = fmt::format("in{}", i), .dtype = DType::Float32, .shape = spec.input_shapes[i]}));
  const int out =
      b.add_tensor({.name = "out", .dtype = DType::Float32, .shape = spec.output_shape});
  b.add_op({.op = spec.op,
            .custom = true,
            .version = spec.version,
            .inputs = inputs,
            .outputs = {out},
            .options = spec.options});
  b.set_inputs(inputs);
  b.set_outputs({out});
  const auto path = work_dir() / (name + ".tflite");
  b.write_file(path.string());
  return path;
}

void set_input(Interpreter& interp, size_t i, const std::vector<float>& values) {
  auto view = interp.input(i).mutable_view<float>();
  ASSERT_EQ(view.size(), values.size()) << "input " << i;
  std::copy(values.begin(), values.end(), view.begin());
}

std::vector<float> output_values(const Interpreter& interp) {
  const auto v = interp.output(0).view<float>();
  return {v.begin(), v.end()};
}

std::vector<float> translation(float tx, float ty) {
  return {1, 0, 0, tx, 0, 1, 0, ty, 0, 0, 1, 0, 0, 0, 0, 1};
}

TEST(MediapipeTransform, TransformLandmarksIdentityAndTranslation) {
  const std::vector<float> lm = {0.5f, 1.25f, -3.0f, 10.0f, 20.0f, 0.75f, -4.0f, 8.5f, 2.0f};
  for (const int32_t version : {1, 2}) {
    SCOPED_TRACE(fmt::format("version {}", version));
    OneOp spec{.op = "TransformLandmarks", .version = version};
    if (version == 1) {
      spec.input_shapes = {{1, 1, 1, 9}, {1, 4, 4}};
      spec.output_shape = {1, 1, 1, 9};
      // scale multiplies only the translation column (MediaPipe v1).
      spec.options = {{"dimensions", int64_t(3)}, {"scale", 2.0}};
    } else {
      spec.input_shapes = {{1, 3, 3}, {1, 4, 4}};
      spec.output_shape = {1, 3, 3};
    }
    auto model = open_model(write_one_op(fmt::format("landmarks_v{}", version), spec).string());
    Interpreter interp(*model);
    ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
    const float scale = version == 1 ? 2.0f : 1.0f;
    for (const auto& [tx, ty] : {std::pair{0.0f, 0.0f}, std::pair{3.0f, -1.5f}}) {
      set_input(interp, 0, lm);
      set_input(interp, 1, translation(tx, ty));
      interp.invoke();
      const auto out = output_values(interp);
      ASSERT_EQ(out.size(), lm.size());
      for (size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(out[k * 3], lm[k * 3] + tx * scale) << "landmark " << k;
        EXPECT_EQ(out[k * 3 + 1], lm[k * 3 + 1] + ty * scale) << "landmark " << k;
        EXPECT_EQ(out[k * 3 + 2], lm[k * 3 + 2]) << "z passes through, landmark " << k;
      }
    }
  }
}

// 2-D landmarks and a general affine matrix: x' = a x + b y + tx, y' = c x + d y + ty.
TEST(MediapipeTransform, TransformLandmarksAffine2D) {
  const std::vector<float> lm = {1, 2, -3, 4, 0.5f, -0.25f};
  const std::vector<float> m = {2, 0.5f, 7, 1, -1, 3, 9, -2, 0, 0, 1, 0, 0, 0, 0, 1};
  auto model = open_model(write_one_op("landmarks_2d", {.op = "TransformLandmarks",
                                                        .version = 2,
                                                        .input_shapes = {{1, 3, 2}, {1, 4, 4}},
                                                        .output_shape = {1, 3, 2}})
                              .string());
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
  set_input(interp, 0, lm);
  set_input(interp, 1, m);
  interp.invoke();
  const auto out = output_values(interp);
  for (size_t k = 0; k < 3; ++k) {
    const double x = lm[k * 2], y = lm[k * 2 + 1];
    EXPECT_NEAR(out[k * 2], 2 * x + 0.5 * y + 1, 1e-5);  // z terms (7, 9) meet z = 0
    EXPECT_NEAR(out[k * 2 + 1], -x + 3 * y - 2, 1e-5);
  }
}

TEST(MediapipeTransform, UnsupportedOptionsNameNodeAndOption) {
  auto model = open_model(
      write_one_op("landmarks_bad", {.op = "TransformLandmarks",
                                     .version = 1,
                                     .input_shapes = {{1, 1, 1, 8}, {1, 4, 4}},
                                     .output_shape = {1, 1, 1, 8},
                                     .options = {{"dimensions", int64_t(4)}, {"scale", 1.0}}})
          .string());
  Interpreter interp(*model);
  ASSERT_FALSE(interp.ready());
  const std::string what = UnsupportedModel(interp.unsupported()).what();
  EXPECT_NE(what.find("TransformLandmarks"), std::string::npos) << what;
  EXPECT_NE(what.find("dimensions"), std::string::npos) << what;

  auto bilinear =
      open_model(write_one_op("bilinear_bad", {.op = "TransformTensorBilinear",
                                               .version = 2,
                                               .input_shapes = {{1, 4, 4, 1}, {1, 4, 4}},
                                               .output_shape = {1, 2, 2, 1}})
                     .string());
  Interpreter interp2(*bilinear);
  ASSERT_FALSE(interp2.ready());
  const std::string what2 = UnsupportedModel(interp2.unsupported()).what();
  EXPECT_NE(what2.find("output_height"), std::string::npos) << what2;
}

// Input value at (x, y, c) is the ramp 0.5 x + 0.25 y + 10 c + 1; bilinear interpolation of a
// linear function is exact, so each output equals the ramp at MediaPipe's sample position
// (M * (ox, oy, 0, 1), shifted by half a pixel in v2), or 0 outside [0, W-1] x [0, H-1].
TEST(MediapipeTransform, TransformTensorBilinearSamplesLinearRampExactly) {
  const int64_t h = 9, w = 11, c = 2, oh = 6, ow = 7;
  std::vector<float> image;
  const auto ramp = [](double x, double y, int64_t ch) {
    return 0.5 * x + 0.25 * y + 10.0 * ch + 1;
  };
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t ch = 0; ch < c; ++ch) image.push_back(float(ramp(double(x), double(y), ch)));
  // Rotation + scale + translation; some samples land outside the image.
  const double a = 1.3, b = -0.45, tx = 2.2, cc = 0.35, d = 1.1, ty = -0.6;
  const std::vector<float> m = {float(a), float(b), 0, float(tx), float(cc), float(d), 0, float(ty),
                                0,        0,        1, 0,         0,         0,        0, 1};
  for (const auto& [name, version] :
       {std::pair{"TransformTensorBilinear", 2}, std::pair{"TransformTensor", 1}}) {
    SCOPED_TRACE(fmt::format("{} v{}", name, version));
    OneOp spec{.op = name,
               .version = version,
               .input_shapes = {{1, h, w, c}, {1, 4, 4}},
               .output_shape = {1, oh, ow, c}};
    if (version == 2)
      spec.options = {{"output_height", oh}, {"output_width", ow}};
    else
      spec.options = {{"mode", std::string("bilinear")},
                      {"output_size", std::vector<int64_t>{oh, ow}}};
    auto model = open_model(write_one_op(fmt::format("bilinear_v{}", version), spec).string());
    Interpreter interp(*model);
    ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
    ASSERT_EQ(interp.output(0).shape, (std::vector<int64_t>{1, oh, ow, c}));
    set_input(interp, 0, image);
    set_input(interp, 1, m);
    interp.invoke();
    const auto out = output_values(interp);
    int inside = 0, outside = 0;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const double half = version == 2 ? 0.5 : 0.0;
        const double px = ox + half, py = oy + half;
        const double sx = a * px + b * py + tx - half, sy = cc * px + d * py + ty - half;
        const double margin = 1e-3;  // skip samples on the border, where float rounding decides
        const bool in = sx > margin && sx < double(w - 1) - margin && sy > margin &&
                        sy < double(h - 1) - margin;
        const bool out_of = sx < -margin || sx > double(w - 1) + margin || sy < -margin ||
                            sy > double(h - 1) + margin;
        for (int64_t ch = 0; ch < c; ++ch) {
          const float got = out[size_t((oy * ow + ox) * c + ch)];
          if (in) {
            EXPECT_NEAR(got, ramp(sx, sy, ch), 1e-4) << ox << "," << oy << " c" << ch;
          }
          if (out_of) {
            EXPECT_EQ(got, 0.0f) << ox << "," << oy << " c" << ch;
          }
        }
        inside += in, outside += out_of;
      }
    EXPECT_GT(inside, 10);
    EXPECT_GT(outside, 0);
  }
}

// Landmarks2TransformMatrix v1 and v2 against numpy (float64) evaluating MediaPipe's formulas.
TEST(MediapipeTransform, Landmarks2TransformMatrixMatchesNumpy) {
  const fs::path dir = work_dir();
  const int64_t n = 6;
  const std::vector<float> lm = {10, 20, 0.1f, 40, 26, 0.2f, 30, 50, -0.3f,
                                 22, 8,  0.0f, 48, 44, 0.5f, 15, 35, 1.0f};
  for (const int32_t version : {1, 2}) {
    SCOPED_TRACE(fmt::format("version {}", version));
    OneOp spec{.op = "Landmarks2TransformMatrix", .version = version};
    spec.output_shape = {1, 4, 4};
    if (version == 1) {
      spec.input_shapes = {{1, 1, 1, n * 3}};
      spec.options = {{"input_hw", std::vector<int64_t>{64, 80}},
                      {"output_hw", std::vector<int64_t>{32, 48}},
                      {"dimensions", int64_t(3)},
                      {"landmarks_range", int64_t(64)},
                      {"bbox_size_multiplier", 1.5},
                      {"left_rotation_idx", int64_t(0)},
                      {"right_rotation_idx", int64_t(1)},
                      {"subset", std::vector<int64_t>{0, 2, 3, 4, 5}}};
    } else {
      spec.input_shapes = {{1, n, 3}};
      spec.options = {{"subset_idxs", std::vector<int64_t>{0, 2, 3, 4, 5}},
                      {"left_rotation_idx", int64_t(0)},
                      {"right_rotation_idx", int64_t(1)},
                      {"target_rotation_radians", 0.3},
                      {"output_height", int64_t(32)},
                      {"output_width", int64_t(48)},
                      {"scale_x", 1.25},
                      {"scale_y", 1.75}};
    }
    auto model = open_model(write_one_op(fmt::format("l2tm_v{}", version), spec).string());
    Interpreter interp(*model);
    ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
    set_input(interp, 0, lm);
    interp.invoke();
    const auto got = output_values(interp);
    ASSERT_EQ(got.size(), 16u);

    std::string values;
    for (const float v : lm) values += fmt::format("{},", v);
    const auto script = fmt::format(
        "import numpy as np\n"
        "lm = np.array([{0}], np.float64).reshape(-1, 3)\n"
        "subset = [0, 2, 3, 4, 5, 5]  # odd list: last index pairs with itself\n"
        "L, R = 0, 1\n"
        "def rot3(r): return np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], "
        "[0, 0, 1]])\n"
        "if {1} == 1:\n"
        "  ih, iw, oh, ow, rng, mult = 64, 80, 32, 48, 64.0, 1.5\n"
        "  al = -np.arctan((lm[R,1] - lm[L,1]) / (lm[R,0] - lm[L,0]))\n"
        "  p = (rot3(al) @ np.c_[lm[subset, :2], np.ones(len(subset))].T)[:2]\n"
        "  mx, mn = p.max(axis=1), p.min(axis=1)\n"
        "  bw, bh = (mx - mn) * mult\n"
        "  mid = (rot3(-al) @ np.array([(mx[0] + mn[0]) / 2, (mx[1] + mn[1]) / 2, 1]))\n"
        "  S = np.diag([bw / rng, bh / rng, 1])\n"
        "  Rm = rot3(-al); Rm[0, 2] = mid[0] / rng * 2 - 1; Rm[1, 2] = mid[1] / rng * 2 - 1\n"
        "  rel = np.array([[2 / (ow - 1), 0, -1], [0, 2 / (oh - 1), -1], [0, 0, 1]])\n"
        "  ab = np.array([[(iw - 1) / 2, 0, (iw - 1) / 2], [0, (ih - 1) / 2, (ih - 1) / 2], "
        "[0, 0, 1]])\n"
        "  m3 = ab @ Rm @ S @ rel\n"
        "  m = np.eye(4); m[0, :2] = m3[0, :2]; m[0, 3] = m3[0, 2]; m[1, :2] = m3[1, :2]; "
        "m[1, 3] = m3[1, 2]\n"
        "  m[2, :3] = m3[2]\n"
        "else:\n"
        "  oh, ow, sx, sy, target = 32, 48, 1.25, 1.75, 0.3\n"
        "  r = target - np.arctan2(lm[R,1] - lm[L,1], lm[R,0] - lm[L,0])\n"
        "  p = (rot3(r) @ np.c_[lm[subset, :2], np.ones(len(subset))].T)[:2]\n"
        "  mx, mn = p.max(axis=1), p.min(axis=1)\n"
        "  w, h = mx - mn\n"
        "  c = rot3(-r) @ np.array([(mx[0] + mn[0]) / 2, (mx[1] + mn[1]) / 2, 1])\n"
        "  def m4(a): b = np.eye(4); b[:2, :2] = a[:2, :2]; b[:2, 3] = a[:2, 2]; return b\n"
        "  T1 = m4(np.array([[1, 0, c[0]], [0, 1, c[1]], [0, 0, 1]]))\n"
        "  m = T1 @ m4(rot3(-r)) @ np.diag([sx * w / ow, sy * h / oh, 1, 1]) @ "
        "m4(np.array([[1, 0, -ow / 2], [0, 1, -oh / 2], [0, 0, 1]]))\n"
        "np.save('{2}/l2tm_v{1}.npy', m.astype(np.float32).reshape(1, 4, 4))\n",
        values, version, dir.string());
    const auto script_path = dir / fmt::format("l2tm_v{}.py", version);
    std::ofstream(script_path) << script;
    ASSERT_EQ(std::system(fmt::format("/usr/bin/python3 '{}'", script_path.string()).c_str()), 0);
    const auto expected = read_npy(dir / fmt::format("l2tm_v{}.npy", version));
    const auto* e = reinterpret_cast<const float*>(expected.data.data());
    for (size_t k = 0; k < 16; ++k)
      EXPECT_NEAR(got[k], e[k], 1e-4 * std::max(1.0f, std::abs(e[k]))) << "element " << k;
  }
}

}  // namespace
