// PNG of a Scene without Qt or a display: the scene's exact geometry is handed to Graphviz with
// pinned positions and edge routes (neato -n2 / "nop2") and rendered by its cairo renderer.
#pragma once

#include <string>

#include "edgelens/layout/scene.h"

namespace edgelens::layout {

struct PngOptions {
  double dpi = 96;            // 72 = one pixel per point
  double max_pixels = 30000;  // the longer side is scaled down to fit cairo's surface limit
  bool dark = false;
};

// Returns the PNG file contents. Throws std::runtime_error when Graphviz cannot render.
std::string scene_to_png(const Scene& scene, const GroupTree& tree, const PngOptions& options = {});

}  // namespace edgelens::layout
