// Throughput and latency of transformers.js (feature-extraction pipeline on onnxruntime-node) on
// the same model.onnx files and corpus as cmd/loadgen; prints one JSON object per measurement,
// like scripts/bench_peers.py. scripts/bench.sh installs the npm package and lays out the model
// folder that transformers.js expects (config.json, tokenizer files, onnx/model*.onnx).
//
//   node scripts/bench_transformersjs.mjs <node_modules parent> <models root> <shared data> <threads> <seconds> <batches> <dtype>
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [nodeDir, modelsRoot, dataDir, threads, seconds, batchList, dtype] = process.argv.slice(2);
const require = createRequire(resolve(nodeDir, "package.json"));
const tjs = await import(pathToFileURL(require.resolve("@huggingface/transformers")).href);
tjs.env.allowRemoteModels = false;
tjs.env.localModelPath = resolve(modelsRoot) + "/";
const version = JSON.parse(readFileSync(join(nodeDir, "node_modules/@huggingface/transformers/package.json"))).version;
const ortVersion = JSON.parse(readFileSync(join(nodeDir, "node_modules/onnxruntime-node/package.json"))).version;

const texts = readFileSync(join(dataDir, "multilingual/tatoeba_sample.tsv"), "utf8")
  .split("\n").slice(1).map((l) => l.split("\t")[3]).filter((t) => t && t.trim());

const extractor = await tjs.pipeline("feature-extraction", "all-MiniLM-L6-v2", {
  dtype, session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});
const encode = (batch) => extractor(batch, { pooling: "mean", normalize: true });

// A deterministic draw (the corpus order is shuffled by a fixed linear congruential sequence).
let state = 1;
const pick = () => texts[(state = (state * 1103515245 + 12345) % 2147483648) % texts.length];
const ms = (a) => a.sort((x, y) => x - y);
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
const emit = (batch, seqPerS, lat, single) => {
  const s = ms(lat);
  console.log(JSON.stringify({
    name: "transformers.js", mode: "peer", variant: dtype === "q8" ? "int8" : "fp32", batch, threads: Number(threads),
    single, seq_per_s: seqPerS, calls: s.length, version: `transformers.js ${version}, onnxruntime-node ${ortVersion}`,
    latency_ms: { p50: q(s, 0.5), p95: q(s, 0.95), p99: q(s, 0.99), mean: s.reduce((a, b) => a + b, 0) / s.length },
  }));
};

await encode([pick()]);
await encode(Array.from({ length: 8 }, pick));
for (const size of batchList.split(",").map(Number)) {
  const lat = [];
  let seqs = 0;
  const start = performance.now();
  while (performance.now() - start < Number(seconds) * 1000) {
    const batch = Array.from({ length: size }, pick);
    const t0 = performance.now();
    await encode(batch);
    lat.push(performance.now() - t0);
    seqs += size;
  }
  emit(size, seqs / ((performance.now() - start) / 1000), lat, false);
}
const lat = [];
for (let i = 0; i < 200; i++) {
  const t0 = performance.now();
  await encode([pick()]);
  lat.push(performance.now() - t0);
}
emit(1, lat.length / (lat.reduce((a, b) => a + b, 0) / 1000), lat, true);
