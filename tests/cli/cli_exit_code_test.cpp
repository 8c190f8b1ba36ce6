// Exit codes and error messages: 0 ok, 1 usage, 2 bad or unsupported input.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "run_command.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using edgelens::testing::fixtures_dir;
using edgelens::testing::run_edgelens;
using edgelens::testing::TempDir;

TEST(CliExitCodes, MissingFileIsBadInputNamingTheFile) {
  const auto r = run_edgelens({"info", "/nonexistent/dir/model.tflite"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/dir/model.tflite"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
}

TEST(CliExitCodes, OnnxModelIsUnsupportedWithOneLine) {
  EDGELENS_REQUIRE_SHARED();
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(fixtures_dir() / "onnx")) {
    if (entry.path().extension() != ".onnx") continue;
    for (const char* verb : {"info", "dump"}) {
      std::vector<std::string> args{verb, entry.path().string()};
      if (std::string(verb) == "dump") args.push_back("--json");
      const auto r = run_edgelens(args);
      EXPECT_EQ(r.exit_code, 2) << entry.path();
      EXPECT_NE(r.err.find("looks like an ONNX model"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(entry.path().string()), std::string::npos) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line expected: " << r.err;
      EXPECT_TRUE(r.out.empty());
    }
    ++checked;
  }
  EXPECT_GE(checked, 1u);
}

TEST(CliExitCodes, TruncatedModelIsBadInputNamingTheFile) {
  EDGELENS_REQUIRE_SHARED();
  TempDir dir;
  const fs::path source = fixtures_dir() / "tflite/micro/person_detect.tflite";
  const std::string bytes = edgelens::testing::read_whole_file(source);
  ASSERT_GT(bytes.size(), 4096u);
  const fs::path truncated = dir.path / "truncated.tflite";
  std::ofstream(truncated, std::ios::binary).write(bytes.data(), 4096);
  const auto r = run_edgelens({"info", truncated.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(truncated.string()), std::string::npos) << r.err;
}

TEST(CliExitCodes, BadUsageIsOne) {
  EXPECT_EQ(run_edgelens({}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"no-such-verb"}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"info"}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"info", "a.tflite", "--no-such-flag"}).exit_code, 1);
  EXPECT_EQ(run_edgelens({"dump", "a.tflite"}).exit_code, 1) << "--json is required";
  EXPECT_EQ(run_edgelens({"dump", "a.tflite", "--json", "--format", "bogus"}).exit_code, 1);
}

TEST(CliExitCodes, HelpIsZero) {
  const auto r = run_edgelens({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("info"), std::string::npos);
  EXPECT_NE(r.out.find("dump"), std::string::npos);
}
