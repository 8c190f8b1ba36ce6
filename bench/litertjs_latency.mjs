#!/usr/bin/env node
// Peer invoke latency for bench_latency: LiteRT.js (current LiteRT, XNNPACK in wasm, 1 thread) or,
// with --tfjs, tfjs-tflite (TFLite ~2.9, XNNPACK in wasm, 1 thread: runs the int8/int16-I/O models
// LiteRT.js rejects). Loads the model the way ../shared/peers/reference.mjs does (same loaders, same
// no-op model patches), feeds the given .npy inputs, and times only the invoke (LiteRT.js
// model.run(), tfjs-tflite infer()); outputs are freed outside the timing.
//   node litertjs_latency.mjs [--tfjs] PEERS_DIR MODEL.tflite WARMUP ITERS INPUT.npy...
// Prints one JSON line: {"runtime","version","threads","runs","median_ms","min_ms","mean_ms"}.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const useTfjs = argv[0] === '--tfjs';
const [peersDir, modelPath, warmupArg, itersArg, ...inputFiles] = useTfjs ? argv.slice(1) : argv;
if (!peersDir || !modelPath || !itersArg) {
  console.error('usage: node litertjs_latency.mjs PEERS_DIR MODEL.tflite WARMUP ITERS INPUT.npy...');
  process.exit(1);
}
const peers = path.resolve(peersDir);
const require = createRequire(path.join(peers, 'package.json'));  // packages live in the peers dir
const { readNpy } = require(path.join(peers, 'npy.cjs'));
const { normalizeModel } = await import(pathToFileURL(path.join(peers, 'tflite_io.mjs')).href);

const inputs = inputFiles.map(f => readNpy(f));
const fixed = normalizeModel(fs.readFileSync(modelPath));
const { once, version } = useTfjs ? await tfjsRunner() : await litertRunner();

async function litertRunner() {
  // The Emscripten glue is loaded with importScripts(); run it as CommonJS so its Node path is used.
  globalThis.self = globalThis;
  globalThis.importScripts = (url) => {
    const p = String(url).startsWith('file:') ? fileURLToPath(String(url)) : String(url);
    const mod = { exports: {} };
    vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(p, 'utf8')}\n})`,
      { filename: p })(mod.exports, require, mod, p, path.dirname(p));
    globalThis.ModuleFactory = mod.exports;
  };
  const lrt = await import(pathToFileURL(require.resolve('@litertjs/core')).href);
  await lrt.loadLiteRt(path.dirname(require.resolve('@litertjs/core/package.json')) + '/wasm/');
  const model = await lrt.loadAndCompile(new Uint8Array(fixed.buf), { accelerator: 'wasm' });
  const details = model.getInputDetails();
  if (details.length !== inputs.length) throw new Error(`model has ${details.length} inputs, got ${inputs.length} files`);
  const tensors = details.map((_, k) => new lrt.Tensor(inputs[k].data, inputs[k].shape));
  return {
    version: 'litertjs ' + require('@litertjs/core/package.json').version,
    async once() {
      const t0 = performance.now();
      const r = await model.run(tensors);
      const ms = performance.now() - t0;
      for (const t of Array.isArray(r) ? r : Object.values(r)) t.delete();
      return ms;
    },
  };
}

async function tfjsRunner() {
  // As reference.mjs: the loader believes it runs in a Web Worker; single-threaded SIMD glue.
  globalThis.self = globalThis;
  globalThis.location = { origin: '', href: '' };
  globalThis.importScripts = (url) => {
    const p = String(url).replace(/^file:\/\//, '').replace(/_threaded\.js$/, '.js');
    Object.assign(globalThis, { require, __dirname: path.dirname(p), __filename: p });
    vm.runInThisContext(fs.readFileSync(p, 'utf8'), { filename: p });
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = (u, o) => (typeof u === 'string' && u.startsWith('/')
    ? Promise.resolve(new Response(fs.readFileSync(u), { headers: { 'Content-Type': 'application/wasm' } }))
    : realFetch(u, o));
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const tflite = require('@tensorflow/tfjs-tflite');
  tflite.setWasmPath(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')) + '/wasm/');
  const buf = fixed.buf;
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const runner = (await tflite.loadTFLiteModel(ab, { numThreads: 1 })).modelRunner;
  const ins = runner.getInputs();
  if (ins.length !== inputs.length) throw new Error(`model has ${ins.length} inputs, got ${inputs.length} files`);
  ins.forEach((t, k) => t.data().set(inputs[k].data));
  return {
    version: 'tfjs-tflite ' + require('@tensorflow/tfjs-tflite/package.json').version,
    async once() {
      const t0 = performance.now();
      if (!runner.infer()) throw new Error('tfjs-tflite: infer() failed');
      return performance.now() - t0;
    },
  };
}

for (let i = 0; i < Number(warmupArg); i++) await once();
const times = [];
for (let i = 0; i < Number(itersArg); i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  runtime: useTfjs ? 'tfjs' : 'litertjs', version, threads: 1,
  runs: times.length, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0],
  mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
}));
