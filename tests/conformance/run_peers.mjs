#!/usr/bin/env node
// Runs the oracle runtimes of ../shared/peers (reference.mjs) over a batch of single-op models.
//   node run_peers.mjs PEERS_DIR JOBS.json [CONCURRENCY]
// JOBS.json: [{ "model": "...tflite", "outdir": "...", "inputs": ["input0.npy", ...],
//               "runtimes": ["tfjs", "litertjs"] }, ...]
// For every job and runtime, reference.mjs writes OUTDIR/<runtime>/output<k>.npy; this script
// records whether it succeeded (and its error line) in OUTDIR/<runtime>/status.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [peersDir, jobsFile, concurrencyArg] = process.argv.slice(2);
if (!peersDir || !jobsFile) {
  console.error('usage: node run_peers.mjs PEERS_DIR JOBS.json [CONCURRENCY]');
  process.exit(1);
}
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const tasks = jobs.flatMap(j => j.runtimes.map(rt => ({ ...j, runtime: rt })));
const script = path.join(peersDir, 'reference.mjs');
const concurrency = Number(concurrencyArg ?? 2);

function runOne(t) {
  return new Promise(resolve => {
    const out = path.join(t.outdir, t.runtime);
    fs.mkdirSync(out, { recursive: true });
    const args = [script, '--runtime', t.runtime, '--iters', '0', t.model, out, ...t.inputs];
    const child = spawn(process.execPath, args, { cwd: peersDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', d => { log += d; });
    child.stderr.on('data', d => { log += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('close', code => {
      clearTimeout(timer);
      const failed = log.split('\n').find(l => l.startsWith('FAILED')) ?? `exit ${code}`;
      fs.writeFileSync(path.join(out, 'status.json'),
        JSON.stringify({ ok: code === 0, error: code === 0 ? null : failed.trim() }) + '\n');
      resolve();
    });
  });
}

let next = 0;
async function worker() {
  while (next < tasks.length) await runOne(tasks[next++]);
}
await Promise.all(Array.from({ length: concurrency }, worker));
console.log(`ran ${tasks.length} oracle invocations`);
