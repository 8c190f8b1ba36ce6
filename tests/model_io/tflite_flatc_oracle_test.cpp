// The .tflite reader against an independent decoder: flatc itself, with the upstream schema in
// ../shared/formats, turns each fixture into JSON (`flatc --json --raw-binary --defaults-json`);
// every op name, options field, tensor and signature the JSON shows must match the IR.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Builtin op values parsed from the reference schema text (not from EdgeLens' tables).
std::map<std::string, int> reference_op_codes() {
  std::ifstream in(testing::shared_dir() / "formats" / "tflite_schema.fbs");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t start = text.find("enum BuiltinOperator");
  const size_t end = text.find('}', start);
  std::map<std::string, int> out;
  const std::regex entry(R"((\w+)\s*=\s*(-?\d+))");
  const std::string body = text.substr(start, end - start);
  for (std::sregex_iterator it(body.begin(), body.end(), entry), last; it != last; ++it)
    out[(*it)[1]] = std::stoi((*it)[2]);
  return out;
}

// JSON value vs attribute value, compared as text after normalising numbers.
bool same_value(const json& want, const AttrValue& got) {
  if (want.is_boolean()) {
    const auto* b = std::get_if<bool>(&got);
    return b && *b == want.get<bool>();
  }
  if (want.is_string()) {
    const auto* s = std::get_if<std::string>(&got);
    return s && *s == want.get<std::string>();
  }
  if (want.is_number_float()) {
    const auto* d = std::get_if<double>(&got);
    const double w = want.get<double>();
    return d && std::fabs(*d - w) <= 1e-6 * std::max(1.0, std::fabs(w));
  }
  if (want.is_number_integer()) {
    if (const auto* i = std::get_if<int64_t>(&got)) return *i == want.get<int64_t>();
    if (const auto* d = std::get_if<double>(&got)) return *d == want.get<double>();
    return false;
  }
  if (want.is_array()) {
    if (want.empty()) {
      return std::visit(
          [](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                          std::is_same_v<T, std::vector<double>> ||
                          std::is_same_v<T, std::vector<std::string>>)
              return v.empty();
            else
              return false;
          },
          got);
    }
    if (const auto* v = std::get_if<std::vector<int64_t>>(&got))
      return want.get<std::vector<int64_t>>() == *v;
    if (const auto* v = std::get_if<std::vector<std::string>>(&got))
      return want.get<std::vector<std::string>>() == *v;
    if (const auto* v = std::get_if<std::vector<double>>(&got)) {
      const auto w = want.get<std::vector<double>>();
      if (w.size() != v->size()) return false;
      for (size_t i = 0; i < w.size(); ++i)
        if (std::fabs(w[i] - (*v)[i]) > 1e-6 * std::max(1.0, std::fabs(w[i]))) return false;
      return true;
    }
    // byte blobs (composite attributes) are summarised when large
    if (const auto* s = std::get_if<std::string>(&got))
      return *s == "<" + std::to_string(want.size()) + " bytes>";
  }
  return false;
}

int g_options_compared = 0;

void compare_options(const json& options, const Node& n, const std::string& where) {
  for (const auto& [key, value] : options.items()) {
    if (key == "new_height" || key == "new_width") continue;  // deprecated fields
    const Attribute* a = n.find_attr(key);
    if (!a) {
      ADD_FAILURE() << where << ": option " << key << " missing";
      continue;
    }
    ++g_options_compared;
    EXPECT_TRUE(same_value(value, a->value))
        << where << ": " << key << " is " << attr_to_string(a->value) << ", flatc says "
        << value.dump();
  }
}

void compare_model(const json& j, const Model& m, const std::map<std::string, int>& codes) {
  const auto& subgraphs = j.at("subgraphs");
  ASSERT_EQ(subgraphs.size(), m.graphs.size());
  std::vector<std::pair<std::string, bool>> opnames;  // per operator code: name, custom
  for (const auto& c : j.value("operator_codes", json::array())) {
    const int builtin = codes.at(c.value("builtin_code", std::string("ADD")));
    const int code = std::max(builtin, c.value("deprecated_builtin_code", 0));
    std::string name;
    for (const auto& [k, v] : codes)
      if (v == code) name = k;
    if (code == 32) name = c.value("custom_code", std::string());
    opnames.emplace_back(name, code == 32);
  }
  for (size_t g = 0; g < subgraphs.size(); ++g) {
    const auto& sg = subgraphs[g];
    const Graph& graph = m.graphs[g];
    const auto tensors = sg.value("tensors", json::array());
    ASSERT_EQ(tensors.size(), graph.tensors.size()) << "subgraph " << g;
    for (size_t t = 0; t < tensors.size(); ++t) {
      const auto& jt = tensors[t];
      const Tensor& tensor = graph.tensors[t];
      EXPECT_EQ(jt.value("name", std::string()), tensor.name);
      std::vector<int64_t> shape;
      for (const auto& d : jt.value("shape", json::array())) shape.push_back(d.get<int64_t>());
      EXPECT_EQ(shape, tensor.shape) << "tensor " << t;
      EXPECT_EQ(jt.value("is_variable", false), tensor.is_variable) << "tensor " << t;
      if (jt.contains("quantization") && jt["quantization"].contains("scale")) {
        EXPECT_EQ(jt["quantization"]["scale"].size(), tensor.quant.scales.size()) << "tensor " << t;
      }
    }
    const auto ops = sg.value("operators", json::array());
    ASSERT_EQ(ops.size(), graph.nodes.size()) << "subgraph " << g;
    for (size_t i = 0; i < ops.size(); ++i) {
      const std::string where = "subgraph " + std::to_string(g) + ", operator " + std::to_string(i);
      const auto& op = ops[i];
      const Node& n = graph.nodes[i];
      const auto& [name, custom] = opnames.at(op.value("opcode_index", 0));
      EXPECT_EQ(n.op.name, name) << where;
      EXPECT_EQ(n.op.custom, custom) << where;
      std::vector<int32_t> inputs;
      for (const auto& x : op.value("inputs", json::array())) inputs.push_back(x.get<int32_t>());
      EXPECT_EQ(n.inputs, inputs) << where;
      if (op.contains("builtin_options") && op["builtin_options"].is_object())
        compare_options(op["builtin_options"], n, where);
      if (op.contains("builtin_options_2") && op["builtin_options_2"].is_object())
        compare_options(op["builtin_options_2"], n, where);
    }
  }
  const auto sigs = j.value("signature_defs", json::array());
  ASSERT_EQ(sigs.size(), m.signatures.size());
  for (size_t s = 0; s < sigs.size(); ++s) {
    EXPECT_EQ(sigs[s].value("signature_key", std::string()), m.signatures[s].key);
    EXPECT_EQ(sigs[s].value("subgraph_index", 0u), m.signatures[s].graph);
    const auto ins = sigs[s].value("inputs", json::array());
    ASSERT_EQ(ins.size(), m.signatures[s].inputs.size());
    for (size_t k = 0; k < ins.size(); ++k) {
      EXPECT_EQ(ins[k].value("name", std::string()), m.signatures[s].inputs[k].name);
      EXPECT_EQ(ins[k].value("tensor_index", 0u), m.signatures[s].inputs[k].tensor);
    }
  }
}

TEST(TfliteFlatcOracle, SmallFixturesMatchFlatcsDecode) {
  EDGELENS_REQUIRE_SHARED();
  if (std::system("flatc --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "flatc is not installed";
  const auto codes = reference_op_codes();
  ASSERT_EQ(codes.size(), 210u);
  const fs::path schema = testing::shared_dir() / "formats" / "tflite_schema.fbs";
  const fs::path out =
      fs::temp_directory_path() / ("edgelens_oracle_" + std::to_string(::getpid()));
  fs::create_directories(out);
  // Large models make multi-megabyte JSON of their weights; the small ones cover the op set.
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(testing::fixtures_dir() / "tflite"))
    if (entry.is_regular_file() && entry.path().extension() == ".tflite" &&
        entry.file_size() <= 256 * 1024)
      files.push_back(entry.path());
  // One flatc run per batch of files with distinct names (its output is named by stem).
  int compared = 0;
  while (!files.empty()) {
    std::vector<fs::path> batch, rest;
    std::set<std::string> stems;
    for (auto& f : files) (stems.insert(f.stem().string()).second ? batch : rest).push_back(f);
    files = std::move(rest);
    std::string cmd = "flatc --json --strict-json --raw-binary --defaults-json -o " + out.string() +
                      " " + schema.string() + " --";
    for (const auto& f : batch) cmd += " " + f.string();
    cmd += " > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    for (const auto& f : batch) {
      SCOPED_TRACE(f.string());
      const fs::path json_path = out / (f.stem().string() + ".json");
      ASSERT_TRUE(fs::exists(json_path));
      std::ifstream in(json_path);
      const json j = json::parse(in);
      auto m = open_model(f.string());
      compare_model(j, *m, codes);
      ++compared;
    }
    for (const auto& f : batch) fs::remove(out / (f.stem().string() + ".json"));
  }
  fs::remove_all(out);
  EXPECT_GT(compared, 150);
  EXPECT_GT(g_options_compared, 1000);  // the comparison really looked at options
}

}  // namespace
}  // namespace edgelens
