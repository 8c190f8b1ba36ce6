// Lays out graphs exported by `layout_bench --export DIR` with dagre, the layout engine Netron and
// Model Explorer use, with the same box sizes and separations, and prints one JSON line per graph:
// {"graph": name, "nodes": n, "edges": m, "ms": wall, "cpu_ms": cpu} or {"graph": name, "error": message}.
// Usage: node layout.js FILE.json...
'use strict';
const fs = require('fs');
const path = require('path');
const dagre = require('@dagrejs/dagre');

for (const file of process.argv.slice(2)) {
  const name = path.basename(file, '.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  try {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const g = new dagre.graphlib.Graph({ multigraph: false });
    // Same separations as EdgeLens' dot defaults: ranksep 0.35 in, nodesep 0.25 in.
    g.setGraph({ rankdir: 'TB', ranksep: 25, nodesep: 18, edgesep: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of data.nodes) g.setNode(String(node.id), { width: node.w, height: node.h });
    for (const [s, t] of data.edges) g.setEdge(String(s), String(t));
    dagre.layout(g);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    const cpu_ms = (cpu.user + cpu.system) / 1e3;
    console.log(JSON.stringify({ graph: name, nodes: data.nodes.length, edges: data.edges.length, ms, cpu_ms }));
  } catch (e) {
    console.log(JSON.stringify({ graph: name, error: String(e && e.message ? e.message : e) }));
  }
}
