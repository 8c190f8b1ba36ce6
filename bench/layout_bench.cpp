// Layout benchmark: first view (group + lay out what the explorer opens first) and expand-one-group
// times for each fixture and for synthetic transformer-like graphs; the whole graph (every group
// open) with EdgeLens and with dagre (node, bench/dagre) for the ratio.
//
//   layout_bench [--sizes 1000,10000,50000] [--runs 5] [--fixtures] [--dagre] [--dagre-timeout 240]
//
// Prints a markdown table (pasted into bench/RESULTS.md, section "layout").
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/synthetic_graph.h"
#include "edgelens/model_io/open.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::layout;

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// CPU time of this thread: on a loaded shared machine wall time mostly measures waiting for a core.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = thread_cpu_ms();
  double wall_ms() const { return ms_since(wall); }
  double cpu_ms() const { return thread_cpu_ms() - cpu; }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Case {
  std::string name;
  const Graph* graph = nullptr;
  double open_ms = -1;  // reading the file (fixtures only)
};

struct Row {
  std::string name;
  size_t nodes = 0, groups = 0, visible = 0;
  double open_ms = -1, first_ms = 0, first_cpu = 0, expand_ms = 0, expand_max_ms = 0,
         expand_cpu = 0, expand_cpu_max = 0, whole_ms = 0, whole_cpu = 0;
  size_t expands = 0;
  bool fast = false;
  std::string dagre;  // text for the table
  double ratio = 0;
};

// Whole graph as {nodes:[{id,w,h}], edges:[[s,t]]} with EdgeLens' box sizes (default options).
void export_graph(const Graph& g, const fs::path& path) {
  const LayoutOptions o;
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto lines = node_label_lines(g, g.nodes[i]);
    size_t chars = 0;
    for (const auto& l : lines) {
      size_t n = 0;
      for (char c : l) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      chars = std::max(chars, n);
    }
    const double w =
        std::max(o.min_node_width, static_cast<double>(chars) * o.char_width + 2 * o.box_padding_x);
    const double h = static_cast<double>(lines.size()) * o.line_height + 2 * o.box_padding_y;
    out += fmt::format("{}{{\"id\":{},\"w\":{:.1f},\"h\":{:.1f}}}", i ? "," : "", i, w, h);
  }
  out += "],\"edges\":[";
  std::vector<int32_t> producer(g.tensors.size(), -1);
  for (const Node& n : g.nodes)
    for (int32_t t : n.outputs)
      if (t >= 0 && static_cast<size_t>(t) < producer.size())
        producer[static_cast<size_t>(t)] = static_cast<int32_t>(n.id);
  bool first = true;
  for (const Node& n : g.nodes)
    for (int32_t t : n.inputs) {
      if (t < 0 || static_cast<size_t>(t) >= producer.size() ||
          producer[static_cast<size_t>(t)] < 0)
        continue;
      if (static_cast<uint32_t>(producer[static_cast<size_t>(t)]) == n.id) continue;
      out += fmt::format("{}[{},{}]", first ? "" : ",", producer[static_cast<size_t>(t)], n.id);
      first = false;
    }
  out += "]}\n";
  std::ofstream(path) << out;
}

// Runs dagre on one exported graph; returns ms, or an error text.
std::string run_dagre(const fs::path& script_dir, const fs::path& json, int timeout_s,
                      bool big_stack, double& ms, double& cpu_ms) {
  const fs::path out = json.string() + ".out";
  // A 1 GB native stack lets node's --stack-size grow far enough for dagre's recursion.
  const std::string cmd =
      big_stack ? fmt::format(
                      "cd '{}' && (ulimit -s 1000000; timeout {} node --stack-size=900000 "
                      "layout.js '{}') > '{}' 2>&1",
                      script_dir.string(), timeout_s, json.string(), out.string())
                : fmt::format("cd '{}' && timeout {} node layout.js '{}' > '{}' 2>&1",
                              script_dir.string(), timeout_s, json.string(), out.string());
  const int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ms = -1;
  cpu_ms = -1;
  if (const size_t at = text.find("\"ms\":"); at != std::string::npos) {
    ms = std::strtod(text.c_str() + at + 5, nullptr);
    const size_t cpu_at = text.find("\"cpu_ms\":");
    cpu_ms = cpu_at == std::string::npos ? -1 : std::strtod(text.c_str() + cpu_at + 9, nullptr);
    return {};
  }
  if (WEXITSTATUS(rc) == 124) return fmt::format("> {} s (timeout)", timeout_s);
  if (text.find("Maximum call stack") != std::string::npos)
    return "crash: Maximum call stack size exceeded";
  if (text.find("Segmentation") != std::string::npos || WIFSIGNALED(rc) || WEXITSTATUS(rc) >= 128)
    return "crash (signal)";
  return "error: " + text.substr(0, 80);
}

Row measure(const Case& c, int runs) {
  Row row;
  row.name = c.name;
  row.nodes = c.graph->nodes.size();
  row.open_ms = c.open_ms;
  std::vector<double> first_times, first_cpu;
  GroupTree tree;
  ExpansionState first_state;
  Scene first_scene;
  auto cache = std::make_unique<LayoutCache>();
  for (int r = 0; r < runs; ++r) {
    cache = std::make_unique<LayoutCache>();
    const Stopwatch watch;
    tree = GroupTree::build(*c.graph);
    first_state = ExpansionState::initial(tree);
    first_scene = layout_graph(*c.graph, tree, first_state, {}, nullptr, {}, cache.get());
    first_times.push_back(watch.wall_ms());
    first_cpu.push_back(watch.cpu_ms());
  }
  row.first_ms = median(first_times);
  row.first_cpu = median(first_cpu);
  row.groups = tree.size();
  row.visible = first_scene.items.size();
  row.fast = first_scene.used_fast_layout();
  // Expand clicks with the warm cache: each collapsed group of the first view on its own (up to 8),
  // then a drill-down (open the deepest collapsed group of the current view, 8 times in a row), as
  // a user opening layer -> block -> op would.
  std::vector<double> expand_times, expand_cpu;
  auto time_expand = [&](const ExpansionState& state) {
    const Stopwatch watch;
    Scene s = layout_graph(*c.graph, tree, state, {}, nullptr, {}, cache.get());
    expand_times.push_back(watch.wall_ms());
    expand_cpu.push_back(watch.cpu_ms());
    return s;
  };
  size_t singles = 0;
  for (const SceneItem& item : first_scene.items) {
    if (item.kind != ItemKind::CollapsedGroup || singles >= 8) continue;
    ExpansionState state = first_state;
    state.expand(item.ref);
    time_expand(state);
    ++singles;
  }
  ExpansionState drill = first_state;
  Scene view = first_scene;
  for (int step = 0; step < 8; ++step) {
    const SceneItem* deepest = nullptr;
    for (const SceneItem& item : view.items)
      if (item.kind == ItemKind::CollapsedGroup && (!deepest || item.depth > deepest->depth))
        deepest = &item;
    if (!deepest) break;
    drill.expand(deepest->ref);
    view = time_expand(drill);
  }
  row.expands = expand_times.size();
  row.expand_cpu = median(expand_cpu);
  row.expand_cpu_max =
      expand_cpu.empty() ? 0 : *std::max_element(expand_cpu.begin(), expand_cpu.end());
  row.expand_ms = median(expand_times);
  row.expand_max_ms =
      expand_times.empty() ? 0 : *std::max_element(expand_times.begin(), expand_times.end());
  // Whole graph: every group open, cold cache, grouping included.
  {
    const Stopwatch watch;
    const GroupTree t = GroupTree::build(*c.graph);
    ExpansionState all;
    all.expand_all(t);
    const Scene s = layout_graph(*c.graph, t, all);
    row.whole_ms = watch.wall_ms();
    row.whole_cpu = watch.cpu_ms();
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes{1000, 10000, 50000};
  int runs = 5;
  bool fixtures = false, dagre = false;
  int dagre_timeout = 240;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::string list = argv[++i];
      for (size_t at = 0; at < list.size();) {
        const size_t comma = list.find(',', at);
        sizes.push_back(std::stoul(list.substr(at, comma - at)));
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--fixtures") {
      fixtures = true;
    } else if (arg == "--dagre") {
      dagre = true;
    } else if (arg == "--dagre-timeout" && i + 1 < argc) {
      dagre_timeout = std::atoi(argv[++i]);
    } else {
      fmt::print(stderr,
                 "usage: layout_bench [--sizes 1000,10000,50000] [--runs N] [--fixtures] [--dagre] "
                 "[--dagre-timeout S]\n");
      return 1;
    }
  }
  const fs::path source_dir = fs::path(__FILE__).parent_path();
  const fs::path shared = source_dir.parent_path().parent_path() / "shared" / "fixtures";

  // Warm up Graphviz (plugin loading happens once per process, not per view).
  {
    const Graph warm = make_transformer_graph(100);
    const GroupTree t = GroupTree::build(warm);
    layout_graph(warm, t, ExpansionState::initial(t));
  }

  std::vector<std::unique_ptr<Model>> models;
  std::vector<Graph> synthetic;
  std::vector<Case> cases;
  if (fixtures && fs::is_directory(shared)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(shared))
      if (e.is_regular_file() &&
          (e.path().extension() == ".tflite" || e.path().extension() == ".pte"))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      try {
        const auto start = std::chrono::steady_clock::now();
        auto m = open_model(f.string());
        const double open_ms = ms_since(start);
        if (m->graphs.empty() || m->graphs[0].nodes.size() < 60)
          continue;  // tiny graphs say nothing
        models.push_back(std::move(m));
        cases.push_back({f.filename().string(), &models.back()->graphs[0], open_ms});
      } catch (const std::exception&) {
      }
    }
  }
  synthetic.reserve(sizes.size());
  for (size_t n : sizes) synthetic.push_back(make_transformer_graph(n));
  for (const Graph& g : synthetic)
    cases.push_back({fmt::format("synthetic transformer {}", g.nodes.size()), &g, -1});

  const fs::path export_dir =
      fs::temp_directory_path() / fmt::format("edgelens_layout_bench_{}", ::getpid());
  if (dagre) fs::create_directories(export_dir);
  const bool have_dagre = fs::exists(source_dir / "dagre" / "node_modules" / "@dagrejs" / "dagre");
  if (dagre && !have_dagre)
    fmt::print(stderr, "dagre not installed: run `npm install` in bench/dagre\n");

  fmt::print(
      "| graph | nodes | groups | visible items | open ms | first view ms wall / CPU | expand ms "
      "wall median / max, CPU median / max (n) | whole graph, all open, ms wall / CPU | dagre "
      "whole "
      "graph, ms wall / CPU | dagre / ours (CPU) |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    Row row = measure(c, c.graph->nodes.size() > 20000 ? std::max(1, runs / 2) : runs);
    if (dagre && have_dagre) {
      const fs::path json = export_dir / fmt::format("g{}.json", &c - cases.data());
      export_graph(*c.graph, json);
      double ms = -1, cpu = -1;
      std::string error = run_dagre(source_dir / "dagre", json, dagre_timeout, false, ms, cpu);
      if (!error.empty() && error.find("crash") != std::string::npos) {
        const std::string big_error =
            run_dagre(source_dir / "dagre", json, dagre_timeout, true, ms, cpu);
        row.dagre = big_error.empty()
                        ? fmt::format("{} (default stack); {:.0f} / {:.0f} with a 1 GB stack",
                                      error, ms, cpu)
                        : fmt::format("{}; with a 1 GB stack: {}", error, big_error);
      } else {
        row.dagre = error.empty() ? fmt::format("{:.0f} / {:.0f}", ms, cpu) : error;
      }
      row.ratio = cpu > 0 && row.whole_cpu > 0 ? cpu / row.whole_cpu : 0;
    }
    fmt::print(
        "| {} | {} | {} | {} | {} | {:.1f} / {:.1f} | {:.1f} / {:.1f}, {:.1f} / {:.1f} ({}) | "
        "{:.0f} / "
        "{:.0f} | {} | {} |\n",
        row.name, row.nodes, row.groups, row.visible,
        row.open_ms >= 0 ? fmt::format("{:.1f}", row.open_ms) : std::string("-"), row.first_ms,
        row.first_cpu, row.expand_ms, row.expand_max_ms, row.expand_cpu, row.expand_cpu_max,
        row.expands, row.whole_ms, row.whole_cpu, row.dagre.empty() ? "-" : row.dagre,
        row.ratio > 0 ? fmt::format("{:.1f}x", row.ratio) : std::string("-"));
    std::fflush(stdout);
  }
  if (dagre) fs::remove_all(export_dir);
  return 0;
}
