// Memory planner invariants on real models, and the observers on a model built with the writer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/kernel.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/observer.h"
#include "shared_dir.h"

namespace {
namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

void expect_no_live_overlap(const Interpreter& interp) {
  const auto placements = interp.placements(0);
  ASSERT_FALSE(placements.empty());
  for (size_t a = 0; a < placements.size(); ++a)
    for (size_t b = a + 1; b < placements.size(); ++b) {
      const auto& x = placements[a];
      const auto& y = placements[b];
      const bool live_together = x.first_node <= y.last_node && y.first_node <= x.last_node;
      const bool overlap = x.offset < y.offset + y.bytes && y.offset < x.offset + x.bytes;
      EXPECT_FALSE(live_together && overlap && x.bytes && y.bytes)
          << "t" << x.tensor << " and t" << y.tensor << " share memory while both alive";
    }
}

TEST(Planner, NoLiveTensorsOverlapAndArenaBeatsNaive) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* rel : {"tflite/mediapipe/face_detection_short_range.tflite",
                          "tflite/mediapipe/face_detection_full_range.tflite",
                          "tflite/micro/hello_world_float.tflite"}) {
    auto model = open_model((edgelens::testing::fixtures_dir() / rel).string());
    Interpreter interp(*model);
    expect_no_live_overlap(interp);
    const auto mem = interp.memory();
    EXPECT_LE(mem.arena_bytes, mem.naive_bytes + 64 * interp.placements(0).size()) << rel;
    if (std::string(rel).find("face") != std::string::npos) {
      EXPECT_LT(mem.arena_bytes * 3, mem.naive_bytes) << rel << ": a 160-node CNN should reuse memory";
    }
  }
}

TEST(Planner, ArenaAndKeepAllRunsAgree) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model((edgelens::testing::fixtures_dir() / "tflite/mediapipe/face_detection_short_range.tflite").string());
  Interpreter planned(*model), kept(*model, {.keep_all_tensors = true});
  fill_ramp(planned.input(0));
  fill_ramp(kept.input(0));
  planned.invoke();
  kept.invoke();
  for (size_t k = 0; k < planned.output_count(); ++k)
    EXPECT_EQ(0, std::memcmp(planned.output(k).data, kept.output(k).data, planned.output(k).bytes));
  EXPECT_EQ(kept.memory().arena_bytes, kept.memory().naive_bytes);
}

TEST(Registry, NoKernelRegisteredTwice) {
  for (const auto& key : KernelRegistry::global().conflicts())
    ADD_FAILURE() << key.op << " / " << dtype_name(key.dtype) << " registered twice";
}

// x -> ADD(x, 1) -> a ; LOG(negative constant) -> b (NaN at element 1) ; MUL(b, a) -> c
std::unique_ptr<Model> nan_model(const fs::path& dir) {
  TfliteBuilder b;
  const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {4}});
  const int one = b.add_tensor({.name = "one", .dtype = DType::Float32, .shape = {4},
                                .data = TfliteBuilder::bytes_of<float>({1, 1, 1, 1})});
  const int neg = b.add_tensor({.name = "neg", .dtype = DType::Float32, .shape = {4},
                                .data = TfliteBuilder::bytes_of<float>({2, -3, 4, 5})});
  const int a = b.add_tensor({.name = "a", .dtype = DType::Float32, .shape = {4}});
  const int l = b.add_tensor({.name = "log_neg", .dtype = DType::Float32, .shape = {4}});
  const int c = b.add_tensor({.name = "c", .dtype = DType::Float32, .shape = {4}});
  b.add_op({.op = "ADD", .inputs = {x, one}, .outputs = {a}});
  b.add_op({.op = "LOG", .inputs = {neg}, .outputs = {l}});
  b.add_op({.op = "MUL", .inputs = {l, a}, .outputs = {c}});
  b.set_inputs({x});
  b.set_outputs({c});
  const auto path = dir / "nan_model.tflite";
  b.write_file(path.string());
  return open_model(path.string());
}

TEST(Observers, NanFinderNamesTheNodeThatCreatedIt) {
  const auto dir = fs::temp_directory_path() / "edgelens_runtime_test";
  fs::create_directories(dir);
  auto model = nan_model(dir);
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready()) << interp.unsupported().front().to_string();
  NanFinder finder;
  interp.add_observer(&finder);
  fill_ramp(interp.input(0));
  interp.invoke();
  ASSERT_TRUE(finder.first().has_value());
  EXPECT_EQ(finder.first()->node, 1u);
  EXPECT_EQ(finder.first()->op, "LOG");
  EXPECT_EQ(finder.first()->tensor_name, "log_neg");
  EXPECT_EQ(finder.first()->element, 1);
  EXPECT_TRUE(std::isnan(finder.first()->value));
  EXPECT_TRUE(finder.first()->inputs_finite);
}

TEST(Observers, CaptureSpillsPastBudgetAndStatsCountNans) {
  const auto dir = fs::temp_directory_path() / "edgelens_runtime_test";
  fs::create_directories(dir);
  auto model = nan_model(dir);
  Interpreter interp(*model);
  TensorCapture capture({.nodes = {}, .include_inputs = true, .memory_budget = 20, .spill_dir = dir / "spill"});
  StatsObserver stats;
  NodeTimer timer;
  interp.add_observer(&capture);
  interp.add_observer(&stats);
  interp.add_observer(&timer);
  fill_ramp(interp.input(0));
  interp.invoke();
  ASSERT_EQ(capture.tensors().size(), 4u);  // x, a, log_neg, c
  EXPECT_LE(capture.bytes_in_memory(), 20u);
  EXPECT_GT(capture.bytes_spilled(), 0u);
  // Spilled or not, data come back equal to what the run left in keep-all mode.
  Interpreter kept(*model, {.keep_all_tensors = true});
  fill_ramp(kept.input(0));
  kept.invoke();
  for (const auto& [id, t] : capture.tensors()) {
    const auto data = t.load();
    const auto& k = kept.tensor(0, id);
    ASSERT_EQ(data.size(), k.bytes) << t.name;
    EXPECT_EQ(0, std::memcmp(data.data(), k.data, k.bytes)) << t.name;
  }
  ASSERT_EQ(stats.results().size(), 3u);
  EXPECT_EQ(stats.results()[1].stats.nan_count, 1);  // log(-3)
  EXPECT_EQ(stats.results()[2].stats.nan_count, 1);
  EXPECT_EQ(timer.timings().size(), 3u);
}

TEST(Interpreter, ReportsEveryUnsupportedNodeBeforeRunning) {
  const auto dir = fs::temp_directory_path() / "edgelens_runtime_test";
  fs::create_directories(dir);
  TfliteBuilder b;
  const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = {4}});
  const int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {4}});
  const int z = b.add_tensor({.name = "z", .dtype = DType::Float32, .shape = {4}});
  b.add_op({.op = "NoSuchCustomOp", .custom = true, .inputs = {x}, .outputs = {y}});
  b.add_op({.op = "AnotherMissingOp", .custom = true, .inputs = {y}, .outputs = {z}});
  b.set_inputs({x});
  b.set_outputs({z});
  b.write_file((dir / "unsupported.tflite").string());
  auto model = open_model((dir / "unsupported.tflite").string());
  Interpreter interp(*model);
  ASSERT_EQ(interp.unsupported().size(), 2u);
  EXPECT_EQ(interp.unsupported()[0].node, 0u);
  EXPECT_EQ(interp.unsupported()[1].op, "AnotherMissingOp");
  EXPECT_THROW(interp.invoke(), UnsupportedModel);
}

}  // namespace
