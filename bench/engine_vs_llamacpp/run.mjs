#!/usr/bin/env node
// Ward's engine against llama.cpp on Qwen2.5-0.5B-shaped random models: synthesises the models
// with `ward model synth` (Q8_0 and Q4_0, the qwen2 vocabulary, tied output) into a scratch
// directory, then runs prompt processing (pp512) and generation (tg64) on each with
// `ward model bench` and, right after, with llama.cpp through node-llama-cpp 3.21.1
// (tests/infer/oracle/llama_cpp.mjs --bench-pp/--bench-tg), same threads. Each is measured
// --repeat times, alternating, and the best of each kept (a shared machine's noise only ever
// slows a run down). Prints one JSON object with both, the ratios Ward / llama.cpp, and Ward's
// peak resident memory over weights + KV cache (the target is at most 64 MiB). The models are
// deleted afterwards; nothing is written into the repository.
//
// Usage, from the repository root (where node_modules/ is):
//   node bench/engine_vs_llamacpp/run.mjs [--ward build/ward] [--vocab FILE] [--threads 2]
//        [--types q8_0,q4_0] [--repeat 5] [--keep DIR]
// --keep DIR writes the models into DIR and leaves them there (for other benchmarks).

import {spawnSync} from "child_process";
import fs from "fs";
import os from "os";
import path from "path";

function parseArgs(argv) {
  const args = {ward: "build/ward", vocab: "../shared/fixtures/vocab/ggml-vocab-qwen2.gguf",
                threads: 2, types: ["q8_0", "q4_0"], keep: null, pp: 512, tg: 64, repeat: 5};
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`, 2);
    switch (flag) {
      case "--ward": args.ward = value; break;
      case "--vocab": args.vocab = value; break;
      case "--threads": args.threads = Number(value); break;
      case "--types": args.types = value.split(","); break;
      case "--keep": args.keep = value; break;
      case "--repeat": args.repeat = Number(value); break;
      default: fail(`unknown argument "${flag}"`, 2);
    }
  }
  return args;
}

function fail(message, code = 1) {
  process.stderr.write(`engine_vs_llamacpp: ${message}\n`);
  process.exit(code);
}

// Runs a command and parses the JSON it prints; fails with its stderr when it does not succeed.
function runJson(command, args) {
  const result = spawnSync(command, args, {encoding: "utf8", maxBuffer: 64 << 20});
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function synthesize(args, dir, type) {
  const file = path.join(dir, `qwen2.5-0.5b-shape-${type}.gguf`);
  const synth = runJson(args.ward, ["model", "synth", "--preset", "qwen2.5-0.5b", "--type", type,
                                    "--vocab", args.vocab, "-o", file, "--json"]);
  return {file, synth};
}

function best(runs, key) {
  return Math.max(...runs.map((run) => run[key]));
}

function measure(args, file) {
  const wardRuns = [];
  const llamaRuns = [];
  for (let i = 0; i < args.repeat; i++) {
    wardRuns.push(runJson(args.ward, ["model", "bench", file, "--pp", String(args.pp),
                                      "--tg", String(args.tg), "--threads", String(args.threads),
                                      "--json"]));
    llamaRuns.push(runJson("node", ["tests/infer/oracle/llama_cpp.mjs", "--model", file,
                                    "--bench-pp", String(args.pp), "--bench-tg", String(args.tg),
                                    "--threads", String(args.threads)]));
  }
  const ward = {pp_tps: best(wardRuns, "pp_tps"), tg_tps: best(wardRuns, "tg_tps")};
  const llamaCpp = {pp_tps: best(llamaRuns, "pp_tps"), tg_tps: best(llamaRuns, "tg_tps")};
  const ratio = (a, b) => Math.round((a / b) * 100) / 100;
  const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
  const memory = wardRuns[0];
  return {ward, llama_cpp: llamaCpp,
          ratio: {pp: ratio(ward.pp_tps, llamaCpp.pp_tps), tg: ratio(ward.tg_tps, llamaCpp.tg_tps)},
          ward_memory_mib: {peak_resident: mib(memory.peak_resident_bytes),
                            weights: mib(memory.weight_bytes), kv_cache: mib(memory.kv_cache_bytes),
                            other: mib(memory.other_resident_bytes)}};
}

const args = parseArgs(process.argv);
if (!fs.existsSync("node_modules/node-llama-cpp")) fail("run from the repository root (node_modules/ not found)");
const dir = args.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "ward-engine-bench-"));
fs.mkdirSync(dir, {recursive: true});
const models = [];
try {
  for (const type of args.types) {
    const {file, synth} = synthesize(args, dir, type);
    models.push({type: synth.weight_type, file_size: synth.file_size, parameters: synth.parameters,
                 synth_seconds: synth.seconds, ...measure(args, file)});
    if (!args.keep) fs.rmSync(file);
  }
} finally {
  if (!args.keep) fs.rmSync(dir, {recursive: true, force: true});
}
process.stdout.write(JSON.stringify({shape: "qwen2.5-0.5b", threads: args.threads,
                                     prompt_tokens: args.pp, generated_tokens: args.tg,
                                     repeat: args.repeat,
                                     cpu: os.cpus()[0]?.model ?? "", models}, null, 1) + "\n");
