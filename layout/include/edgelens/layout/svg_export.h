// Writes a Scene as a standalone SVG document (our own writer, no Qt). One <g> per visible item:
//   node:  <g id="node-<graph>-<node id>" class="node" data-op="CONV_2D">
//   group: <g id="group-<graph>-<group id>" class="group collapsed|expanded" data-path="...">
//   io:    <g id="input-<graph>-<tensor>"> / <g id="output-<graph>-<tensor>">
// Edges are <path class="edge" data-tensor="T">, labels <text>.
#pragma once

#include <string>

#include "edgelens/layout/scene.h"

namespace edgelens::layout {

struct SvgOptions {
  bool dark = false;
  double margin = 16;  // points around the scene bounds
};

std::string scene_to_svg(const Scene& scene, const GroupTree& tree, const SvgOptions& options = {});

}  // namespace edgelens::layout
