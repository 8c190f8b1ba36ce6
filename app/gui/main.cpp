// edgelens-gui [MODEL…]: the desktop explorer. Without a display it prints what `edgelens info`
// says about each model instead. --screenshot FILE renders the window offscreen and exits (docs).
#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app_icon.h"
#include "compare_window.h"
#include "edgelens/inspectors/quant_panel.h"
#include "edgelens/inspectors/search_panel.h"
#include "edgelens/inspectors/session_context.h"
#include "edgelens/model_io/model_summary.h"
#include "edgelens/model_io/open.h"
#include "graph_canvas.h"
#include "layout_controller.h"
#include "main_window.h"
#include "node_data_overlay.h"
#include "partition_controller.h"
#include "profile_controller.h"
#include "quant_controller.h"
#include "run_controller.h"
#include "watch_controller.h"

namespace {

bool have_display() {
  const char* platform = std::getenv("QT_QPA_PLATFORM");
  if (platform && *platform) return true;  // the user chose (offscreen, vnc, ...)
  return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
}

// No display: the same facts as `edgelens info`, so the command is still useful over ssh.
int print_info(int argc, char** argv) {
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0) continue;
    try {
      std::cout << edgelens::to_text(edgelens::summarize(*edgelens::open_model(arg))) << "\n";
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      status = 2;
    }
  }
  std::cerr << "edgelens-gui: no display (DISPLAY/WAYLAND_DISPLAY unset); printed the model "
               "summary instead\n";
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (!have_display()) return print_info(argc, argv);
  QApplication app(argc, argv);
  QApplication::setOrganizationName("EdgeLens");
  QApplication::setApplicationName("edgelens-gui");
  QApplication::setApplicationVersion("0.1.0");
  QApplication::setWindowIcon(edgelens::gui::app_icon());

  QCommandLineParser parser;
  parser.setApplicationDescription("EdgeLens: look inside on-device ML models (.tflite, .pte)");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("MODEL", "Models to open (.tflite, .pte, .bpte)", "[MODEL…]");
  QCommandLineOption screenshot("screenshot", "Render the window to FILE (PNG) and exit.", "FILE");
  QCommandLineOption size("size", "Window size for --screenshot (default 1400x900).", "WxH",
                          "1400x900");
  QCommandLineOption theme("theme", "light or dark.", "THEME");
  QCommandLineOption graph("graph", "Show graph N of the model.", "N");
  QCommandLineOption expand("expand", "all, none or a depth.", "WHAT");
  QCommandLineOption select("select", "Select node N (the inspector shows it).", "N");
  QCommandLineOption tensor("tensor", "Show tensor N in the tensor viewer.", "N");
  QCommandLineOption find("find", "Search for REGEX.", "REGEX");
  QCommandLineOption zoom("zoom", "Zoom factor after fitting (--screenshot).", "Z");
  QCommandLineOption run("run", "Run the model with ramp inputs before the screenshot.");
  QCommandLineOption overlay("overlay", "After --run, colour nodes by maxabs, mean, std or nan.",
                             "STAT");
  QCommandLineOption profile("profile",
                             "Profile the model (1 warmup + 10 runs, ramp inputs): the profile "
                             "panel and the latency colouring.");
  QCommandLineOption delegate("delegate",
                              "Colour nodes by the partitions of a delegate: xnnpack, "
                              "xnnpack-local, a profile name or a PROFILE.json.",
                              "NAME|FILE");
  QCommandLineOption quant_report("quant-report",
                                  "Run the quantization report (layer-wise) and show it.");
  QCommandLineOption quant_float("quant-float", "Float model for --quant-report (pair report).",
                                 "FLOAT");
  parser.addOptions({screenshot, size, theme, graph, expand, select, tensor, find, zoom, run,
                     overlay, profile, delegate, quant_report, quant_float});
  QCommandLineOption node_data("node-data", "Colour nodes by Model Explorer node data FILE.",
                               "FILE");
  QCommandLineOption watch("watch", "Open FILE and reload it whenever it is rewritten.", "FILE");
  QCommandLineOption compare("compare", "Compare the model with B side by side.", "B");
  parser.addOptions({node_data, watch, compare});
  parser.process(app);

  edgelens::gui::MainWindow window;
  const bool offscreen = parser.isSet(screenshot);
  window.setInteractiveErrors(!offscreen);
  if (parser.isSet(theme)) window.setTheme(edgelens::gui::theme_from_name(parser.value(theme)));
  if (offscreen) {
    const QStringList wh = parser.value(size).split('x');
    if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
  }
  auto* node_data_controller = new edgelens::gui::NodeDataController(window);
  edgelens::gui::CompareWindow::installAction(window);
  int status = 0;
  if (parser.isSet(watch)) new edgelens::gui::WatchController(window, parser.value(watch));
  for (const QString& path : parser.positionalArguments()) {
    QString error;
    if (!window.openFile(path, &error) && offscreen) {
      std::cerr << error.toStdString() << "\n";
      status = 2;
    }
  }
  window.show();
  auto& context = window.context();
  if (parser.isSet(graph)) context.setCurrentGraph(parser.value(graph).toInt());
  window.waitForLayout();
  if (parser.isSet(expand)) {
    const QString what = parser.value(expand);
    auto* layout = window.layoutController();
    if (what == "all")
      layout->expandAll();
    else if (what == "none")
      layout->collapseAll();
    else
      layout->expandToDepth(static_cast<uint32_t>(what.toInt()));
    window.waitForLayout();
  }
  if (parser.isSet(find)) {
    window.searchPanel()->setQuery(parser.value(find));
    window.searchPanel()->next();
    window.waitForLayout();
  }
  if (parser.isSet(select)) {
    context.setCurrentNode(parser.value(select).toInt());
    window.waitForLayout();
  }
  if (parser.isSet(run)) {
    const auto& outcome = window.runController()->runBlocking({});
    if (!outcome.result) {
      std::cerr << window.runController()->lastMessage().toStdString() << "\n";
      status = 2;
    }
  }
  if (parser.isSet(profile)) {
    const auto& outcome = window.profileController()->runBlocking({});
    if (!outcome.profile) {
      std::cerr << window.profileController()->lastMessage().toStdString() << "\n";
      status = 2;
    }
  }
  if (parser.isSet(overlay)) {
    using edgelens::inspect::RunStatistic;
    const QString stat = parser.value(overlay);
    window.canvas()->setOverlay(stat == "maxabs" ? RunStatistic::MaxAbs
                                : stat == "mean" ? RunStatistic::Mean
                                : stat == "std"  ? RunStatistic::Std
                                : stat == "nan"  ? RunStatistic::NanCount
                                                 : RunStatistic::None);
  }
  if (parser.isSet(delegate)) {
    QString error;
    if (!window.partitionController()->setDelegate(parser.value(delegate), &error)) {
      std::cerr << error.toStdString() << "\n";
      status = 2;
    }
  }
  if (parser.isSet(quant_report) || parser.isSet(quant_float)) {
    auto* quant = window.quantController();
    if (parser.isSet(quant_float)) quant->setFloatModel(parser.value(quant_float));
    quant->dock()->show();
    quant->dock()->raise();
    const auto& outcome = quant->runBlocking();
    if (!outcome.report) {
      std::cerr << quant->lastMessage().toStdString() << "\n";
      status = 2;
    } else if (!parser.isSet(select)) {
      quant->panel()->selectViewRow(0);  // the worst row: its node and histogram
      window.waitForLayout();
    }
  }
  if (parser.isSet(node_data)) {
    QString error;
    if (!node_data_controller->load(parser.value(node_data), &error)) {
      std::cerr << error.toStdString() << "\n";
      status = 2;
    }
  }
  if (parser.isSet(tensor)) context.setCurrentTensor(parser.value(tensor).toInt());
  if (parser.isSet(zoom))
    window.canvas()->setZoom(window.canvas()->zoom() * parser.value(zoom).toDouble());
  std::unique_ptr<edgelens::gui::CompareWindow> compare_window;
  if (parser.isSet(compare)) {
    QString error;
    const auto* model = context.model();
    if (model)
      compare_window = edgelens::gui::CompareWindow::open(QString::fromStdString(model->path),
                                                          parser.value(compare), &error);
    if (!compare_window) {
      std::cerr << (model ? error.toStdString() : "--compare needs a model to compare with")
                << "\n";
      status = 2;
    } else {
      if (offscreen) compare_window->resize(window.size());
      compare_window->show();
      compare_window->waitForLayout();
      if (parser.isSet(overlay) && parser.value(overlay) == "maxabs")
        compare_window->setOverlay(edgelens::gui::CompareOverlay::MaxAbs);
      if (parser.isSet(select)) {
        compare_window->context(edgelens::gui::CompareSide::A)
            .setCurrentNode(parser.value(select).toInt());
        compare_window->waitForLayout();
      }
    }
  }
  if (!offscreen) return app.exec();

  QApplication::processEvents();
  QWidget* shown = compare_window ? static_cast<QWidget*>(compare_window.get()) : &window;
  if (!shown->grab().save(parser.value(screenshot))) {
    std::cerr << "cannot write " << parser.value(screenshot).toStdString() << "\n";
    return 2;
  }
  return status;
}
