#!/usr/bin/env node
// llama.cpp as a test oracle and benchmark peer for Ward's engine (node-llama-cpp 3.21.1, the
// prebuilt CPU build; never linked into Ward). Runs offline on any GGUF path.
//
// Usage (from the repository root, where node_modules/ is):
//   node tests/infer/oracle/llama_cpp.mjs --model FILE [--prompt IDS]... [--greedy N]
//        [--threads T] [--context-size C] [--batch-size B] [--flash-attention auto|on|off]
//        [--kv-type f16|f32] [--no-logprobs] [--bench-pp N --bench-tg N]
//
//   --prompt IDS     comma-separated token ids, evaluated as given (no BOS is added; put it in
//                    the ids when wanted). Repeatable: each prompt runs in a fresh sequence.
//   --greedy N       after each prompt, N greedy steps (argmax of the reference's distribution).
//   --kv-type T      the KV cache's element type (F16, llama.cpp's default; F32 with flash attention
//                    off makes llama.cpp's attention exact in float, as Ward's is).
//   --no-logprobs    leave out the full next-token distribution (smaller output).
//   --bench-pp N / --bench-tg N   instead of prompts: time prompt processing of N random ids
//                    (one batch) and generation of N tokens after it; prints {"pp_tps","tg_tps"}.
//   Defaults: --threads 2, --context-size 512, --batch-size 512, --kv-type f16, --flash-attention auto
//   (llama.cpp's own default, which picks flash attention on the CPU).
//
// Output: one JSON object on stdout,
//   {"vocab_size": V, "results": [{"prompt": [...], "logprobs": [V floats: natural log of the
//    softmax of the logits after the last prompt token], "greedy": [{"token": id, "margin": m,
//    "logprobs_top2": [a, b]}, ...]}, ...]}
// where each greedy step's "margin" is the reference's own log-prob gap between its top two
// tokens at that step: a step whose margin is within the comparison's tolerance may legitimately
// go either way. The distribution is the plain softmax of the raw logits (node-llama-cpp returns
// the full vocabulary, unfiltered, whatever the sampler options; checked). Errors go to stderr
// with exit status 1; bad usage exits 2.

import {getLlama} from "node-llama-cpp";

function usage(message) {
  process.stderr.write(`llama_cpp.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = {prompts: [], greedy: 0, threads: 2, contextSize: 512, batchSize: 512,
                flashAttention: "auto", kvType: "F16", logprobs: true, benchPp: 0, benchTg: 0};
  const intArg = (name, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) usage(`${name} needs a non-negative integer, got "${value}"`);
    return n;
  };
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${flag} needs a value`));
    switch (flag) {
      case "--model": args.model = next(); break;
      case "--prompt": args.prompts.push(next().split(",").map((t) => intArg("--prompt", t))); break;
      case "--greedy": args.greedy = intArg(flag, next()); break;
      case "--threads": args.threads = intArg(flag, next()); break;
      case "--context-size": args.contextSize = intArg(flag, next()); break;
      case "--batch-size": args.batchSize = intArg(flag, next()); break;
      case "--flash-attention": {
        const v = next();
        if (!["auto", "on", "off"].includes(v)) usage("--flash-attention takes auto, on or off");
        args.flashAttention = v === "auto" ? "auto" : v === "on";
        break;
      }
      case "--kv-type": {
        const v = next().toUpperCase();
        if (!["F16", "F32"].includes(v)) usage("--kv-type takes f16 or f32");
        args.kvType = v;
        break;
      }
      case "--no-logprobs": args.logprobs = false; break;
      case "--bench-pp": args.benchPp = intArg(flag, next()); break;
      case "--bench-tg": args.benchTg = intArg(flag, next()); break;
      default: usage(`unknown argument "${flag}"`);
    }
  }
  if (!args.model) usage("--model FILE is required");
  if (args.prompts.length === 0 && args.benchPp === 0) usage("give at least one --prompt (or --bench-pp)");
  return args;
}

// The natural log of each token's probability, in id order.
function logprobsOf(probabilities, vocabSize) {
  const out = new Array(vocabSize).fill(-Infinity);
  for (const [token, p] of probabilities) out[token] = Math.log(p);
  return out;
}

function topTwo(probabilities) {
  const it = probabilities.entries();  // sorted by probability, highest first
  const first = it.next().value;
  const second = it.next().value ?? [first[0], 0];
  return [first, second];
}

async function evaluateNext(sequence, tokens) {
  const input = tokens.map((t, i) => (i + 1 === tokens.length ? [t, {generateNext: {probabilities: true}}] : t));
  const output = await sequence.controlledEvaluate(input);
  return output[tokens.length - 1].next.probabilities;
}

async function runPrompt(sequence, prompt, args, vocabSize) {
  await sequence.clearHistory();
  let probabilities = await evaluateNext(sequence, prompt);
  const result = {prompt};
  if (args.logprobs) result.logprobs = logprobsOf(probabilities, vocabSize);
  result.greedy = [];
  for (let step = 0; step < args.greedy; step++) {
    const [[token, p1], [, p2]] = topTwo(probabilities);
    const top2 = [Math.log(p1), Math.log(p2)];
    result.greedy.push({token, margin: top2[0] - top2[1], logprobs_top2: top2});
    if (step + 1 < args.greedy) probabilities = await evaluateNext(sequence, [token]);
  }
  return result;
}

// Ward's bench does the same: an untimed first prompt faults the memory-mapped weights in, then a
// prompt new from its first token is timed, then generation right after it.
async function bench(sequence, args, vocabSize) {
  const promptStartingWith = (first) =>
    Array.from({length: args.benchPp}, (_, i) => (i === 0 ? first : (i * 7919 + 13) % vocabSize));
  await sequence.evaluateWithoutGeneratingNewTokens(promptStartingWith(1));
  await sequence.clearHistory();
  const prompt = promptStartingWith(2);
  const t0 = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  const t1 = performance.now();
  let generated = 0;
  if (args.benchTg > 0) {
    for await (const token of sequence.evaluate([prompt[0]], {temperature: 0})) {
      void token;
      if (++generated >= args.benchTg) break;
    }
  }
  const t2 = performance.now();
  return {pp_tps: args.benchPp / ((t1 - t0) / 1000),
          tg_tps: generated > 0 ? generated / ((t2 - t1) / 1000) : 0};
}

async function main() {
  const args = parseArgs(process.argv);
  const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
  const model = await llama.loadModel({modelPath: args.model});
  // A benchmark's prompt and generation must fit without llama.cpp shifting its context.
  const contextSize = Math.max(args.contextSize, args.benchPp + args.benchTg + 1);
  const context = await model.createContext({
    contextSize, threads: args.threads, batchSize: args.batchSize,
    flashAttention: args.flashAttention,
    experimentalKvCacheKeyType: args.kvType, experimentalKvCacheValueType: args.kvType});
  const sequence = context.getSequence();
  const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  if (args.benchPp > 0) {
    process.stdout.write(JSON.stringify(await bench(sequence, args, vocabSize)) + "\n");
  } else {
    const results = [];
    for (const prompt of args.prompts) results.push(await runPrompt(sequence, prompt, args, vocabSize));
    process.stdout.write(JSON.stringify({vocab_size: vocabSize, results}) + "\n");
  }
  await context.dispose();
  await model.dispose();
}

main().catch((error) => {
  process.stderr.write(`llama_cpp.mjs: ${error?.stack ?? error}\n`);
  process.exit(1);
});
