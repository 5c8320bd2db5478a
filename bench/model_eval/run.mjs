#!/usr/bin/env node
// Evaluates a code model with Ward's engine on the held-out split of the training corpus
// (tools/train/corpus.py writes it as heldout.jsonl: {"source", "path", "lang", "text"} per
// line; no held-out file is ever trained on). Four measurements, per language:
//
//   perplexity   bits per byte of held-out files (`ward model perplexity`), on the files taken in
//                path order until --perplexity-bytes of each language;
//   next line    line completion: the cursor after the indentation of a held-out line, only the
//                code before it sent (`POST /api/v1/complete` with an empty suffix); the first line
//                of the suggestion against the real line: exact match and edit similarity
//                (1 - Levenshtein distance / the longer length);
//   FIM          single-line infilling: the same cursor positions, with the code after the line
//                sent as the suffix; the whole suggestion against the real line: exact match;
//   latency      Python FIM requests of about --latency-prompt-tokens prompt tokens through
//                `ward serve` (1 slot, --threads threads): cold (each request a new file) and
//                with prefix reuse (one document, the user typing one character per request).
//
// Cursor positions: --positions per language, drawn with a seeded generator (--seed, offset by
// the language's place among all held-out languages, so --languages draws the same) uniformly
// from the held-out lines with at least 4 non-blank characters (shorter lines such as "}" or
// "end" would make exact match easy). Comparisons ignore trailing whitespace. The first
// suggestion, as an editor gets it (greedy, its first line by Ward's 3-wide line search),
// max_tokens 48 (16 for latency).
//
// Usage, from the repository root:
//   node bench/model_eval/run.mjs [--model models/ward-starter-q8_0.gguf]
//        [--heldout /tmp/train/corpus/heldout.jsonl] [--ward build/ward] [--positions 500]
//        [--languages python,go,...] [--perplexity-bytes 100000] [--latency-requests 40]
//        [--latency-prompt-tokens 1000] [--threads 2] [--seed 1] [--skip perplexity,lines,latency]
//        [--json FILE] [--dump FILE] [--fim-format NAME] [--temperature T]
//   --dump FILE writes one JSON line per cursor position (language, position number, path,
//   offset, target, and the next-line and FIM suggestions), to read what the model gets wrong.
//   --fim-format serves the model with that FIM layout (ward.toml's fim; default: what the model
//   file says).
//   --temperature sends that temperature with every completion; 0 measures plain greedy decoding
//   (a request that gives a temperature gets no line search), to compare with the default.
// Exit status: 0 when every measurement ran, 1 otherwise (the scores themselves never fail it).

import fs from "fs";
import https from "https";
import os from "os";
import path from "path";
import {fileURLToPath} from "url";

import {api, fmt, percentile, run, startWardServer} from "../lib/ward_server.mjs";

const kMinLineCharacters = 4;
const kMaxTokens = 48;
const kLatencyMaxTokens = 16;
const kMaxContextChars = 64 * 1024;  // sent on each side of the cursor; Ward trims to the window

function parseArgs(argv) {
  const args = {model: "models/ward-starter-q8_0.gguf", heldout: "/tmp/train/corpus/heldout.jsonl",
                ward: "build/ward", positions: 500, languages: null, perplexityBytes: 100000,
                latencyRequests: 40, latencyPromptTokens: 1000, threads: 2, seed: 1,
                skip: new Set(), json: null, dump: null, fimFormat: null, temperature: null};
  const numbers = {"--positions": "positions", "--perplexity-bytes": "perplexityBytes",
                   "--latency-requests": "latencyRequests",
                   "--latency-prompt-tokens": "latencyPromptTokens", "--threads": "threads",
                   "--seed": "seed"};
  const strings = {"--model": "model", "--heldout": "heldout", "--ward": "ward", "--json": "json", "--dump": "dump",
                   "--fim-format": "fimFormat"};
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "-h" || flag === "--help") {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8")
                             .split("\n").filter((l) => l.startsWith("//")).join("\n") + "\n");
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    if (strings[flag]) args[strings[flag]] = value;
    else if (flag === "--languages") args.languages = value.split(",").filter(Boolean);
    else if (flag === "--skip") args.skip = new Set(value.split(",").filter(Boolean));
    else if (flag === "--temperature") {
      const t = Number(value);
      if (!(value.trim() !== "" && t >= 0 && t <= 2)) fail(`--temperature must be 0 to 2, got "${value}"`);
      args.temperature = t;
    }
    else if (numbers[flag]) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a whole number, got "${value}"`);
      args[numbers[flag]] = n;
    } else fail(`unknown argument "${flag}" (see --help)`);
  }
  for (const part of args.skip) {
    if (!["perplexity", "lines", "latency"].includes(part)) {
      fail(`--skip takes perplexity, lines and latency, got "${part}"`);
    }
  }
  return args;
}

function fail(message) {
  process.stderr.write(`model_eval: ${message}\n`);
  process.exit(2);
}

// mulberry32: a small seeded generator, so that the same seed draws the same positions.
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readHeldout(file) {
  if (!fs.existsSync(file)) {
    fail(`${file}: no such file. Build the corpus first: python3 tools/train/corpus.py --out ` +
         `${path.dirname(file)} (see tools/train/README.md), or give --heldout FILE`);
  }
  const documents = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
  documents.sort((a, b) => `${a.source}/${a.path}`.localeCompare(`${b.source}/${b.path}`));
  return documents;
}

// Every line that can be a cursor position: {doc, start (offset of the line), indent, end}.
function candidateLines(document) {
  const lines = [];
  let start = 0;
  while (start < document.text.length) {
    let end = document.text.indexOf("\n", start);
    if (end < 0) end = document.text.length;
    const line = document.text.slice(start, end);
    const indent = line.length - line.trimStart().length;
    if (start > 0 && line.trim().replace(/\s/g, "").length >= kMinLineCharacters) {
      lines.push({document, start, indent: start + indent, end});
    }
    start = end + 1;
  }
  return lines;
}

function drawPositions(documents, count, random) {
  const lines = documents.flatMap(candidateLines);
  if (lines.length === 0) return [];
  return Array.from({length: count}, () => lines[Math.floor(random() * lines.length)]);
}

function levenshtein(a, b) {
  let previous = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1,
                            previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

const editSimilarity = (a, b) =>
  a.length === 0 && b.length === 0 ? 1 : 1 - levenshtein(a, b) / Math.max(a.length, b.length);

// `ward serve` with the model; `requestFields` go into every completion request.
async function startModelServer(args, slots, threads) {
  const server = await startWardServer({ward: args.ward, model: args.model, name: "starter", slots,
                                        threads, fim: args.fimFormat, prefix: "ward-model-eval-"});
  server.requestFields = args.temperature === null ? {} : {temperature: args.temperature};
  return server;
}

async function complete(server, agent, body) {
  const answer = await api(server.ca, server.port, "POST", "/api/v1/complete", server.token,
                           {...server.requestFields, ...body}, 200, agent);
  return {text: answer.suggestions?.[0] ?? "", usage: answer.usage};
}

// Next-line exact match and edit similarity, and FIM exact match, at the same positions;
// `workers` requests at a time (one per model slot).
async function lineScores(server, agent, language, positions, workers, onProgress, dump) {
  let nextExact = 0;
  let nextSimilarity = 0;
  let fimExact = 0;
  let next = 0;
  let done = 0;
  const score = async (i) => {
    const p = positions[i];
    const text = p.document.text;
    const target = text.slice(p.indent, p.end).trimEnd();
    const prefix = text.slice(Math.max(0, p.indent - kMaxContextChars), p.indent);
    const common = {prefix, path: p.document.path, language, max_tokens: kMaxTokens};
    const next = await complete(server, agent, {...common, suffix: "", document: `next-${language}-${i}`});
    const predictedLine = next.text.split("\n")[0].trimEnd();
    nextExact += predictedLine === target ? 1 : 0;
    nextSimilarity += editSimilarity(predictedLine, target);
    const suffix = text.slice(p.end, p.end + kMaxContextChars);
    const fim = await complete(server, agent, {...common, suffix, document: `fim-${language}-${i}`});
    fimExact += fim.text.trimEnd() === target ? 1 : 0;
    dump?.push({language, position: i, path: p.document.path, offset: p.indent, target,
                next: next.text, fim: fim.text});
    onProgress(++done);
  };
  await Promise.all(Array.from({length: workers}, async () => {
    while (next < positions.length) await score(next++);
  }));
  const n = positions.length;
  return {positions: n, next_line_exact_match: nextExact / n,
          next_line_edit_similarity: nextSimilarity / n, fim_exact_match: fimExact / n};
}

// Bits per byte with `ward model perplexity` on the language's first files (path order).
function perplexity(args, documents, budgetBytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ward-model-eval-"));
  try {
    const files = [];
    let bytes = 0;
    for (const [i, document] of documents.entries()) {
      if (bytes >= budgetBytes) break;
      const file = path.join(dir, `${i}${path.extname(document.path)}`);
      fs.writeFileSync(file, document.text);
      files.push(file);
      bytes += Buffer.byteLength(document.text);
    }
    const out = JSON.parse(run(args.ward, ["model", "perplexity", args.model, ...files, "--json",
                                           "--threads", String(args.threads)]));
    return {files: files.length, tokens: out.total.tokens, bytes: out.total.bytes,
            bits_per_byte: out.total.bits_per_byte, bits_per_token: out.total.bits_per_token};
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

// A cursor in the middle of a long Python file (so that no two files' prompts share a start),
// `prefixChars` and `suffixChars` around it.
function latencyPrompt(document, prefixChars, suffixChars, shift = 0) {
  const text = document.text;
  const cursor = Math.min(text.length - suffixChars, Math.floor(text.length / 2) + shift);
  return {prefix: text.slice(Math.max(0, cursor - prefixChars), cursor),
          suffix: text.slice(cursor, cursor + suffixChars), path: document.path, rest: text.slice(cursor)};
}

async function latency(args, server, agent, pythonFiles) {
  const longFiles = pythonFiles.filter((d) => d.text.length > 8 * args.latencyPromptTokens);
  if (longFiles.length === 0) throw new Error("no held-out Python file is long enough for the latency prompt");
  // Calibrate the characters per prompt token from the server's count (two rounds): prefix and
  // suffix as three to one.
  let charsPerToken = 3.5;
  for (let round = 0; round < 2; round++) {
    const p = latencyPrompt(longFiles[0], Math.round(args.latencyPromptTokens * 0.75 * charsPerToken),
                            Math.round(args.latencyPromptTokens * 0.25 * charsPerToken));
    const answer = await complete(server, agent, {prefix: p.prefix, suffix: p.suffix, path: p.path,
                                                  max_tokens: kLatencyMaxTokens, document: `calibrate-${round}`});
    charsPerToken *= args.latencyPromptTokens / answer.usage.prompt_tokens;
  }
  const prefixChars = Math.round(args.latencyPromptTokens * 0.75 * charsPerToken);
  const suffixChars = Math.round(args.latencyPromptTokens * 0.25 * charsPerToken);
  const measure = async (bodies) => {
    const ms = [];
    const prompt = [];
    const reused = [];
    for (const body of bodies) {
      const started = performance.now();
      const answer = await complete(server, agent, {...body, max_tokens: kLatencyMaxTokens});
      ms.push(performance.now() - started);
      prompt.push(answer.usage.prompt_tokens);
      reused.push(answer.usage.reused_prompt_tokens ?? 0);
    }
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
    return {requests: ms.length, p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95),
            mean_prompt_tokens: mean(prompt), mean_reused_prompt_tokens: mean(reused)};
  };
  // Cold: each request another file (another document), so the cache holds nothing of it.
  const cold = await measure(Array.from({length: args.latencyRequests}, (_, i) => {
    const p = latencyPrompt(longFiles[i % longFiles.length], prefixChars, suffixChars,
                            Math.floor(i / longFiles.length) * 997);
    return {prefix: p.prefix, suffix: p.suffix, path: p.path, document: `cold-${i}`};
  }));
  // Reuse: one document while the user types the file's next characters, one per request. The
  // prompt is sized to stay within the window, so its first lines are never cut and the cached
  // prefix stays valid; the suffix after the cursor is evaluated again each time.
  const base = latencyPrompt(longFiles[0], prefixChars - 4 * args.latencyRequests, suffixChars);
  await complete(server, agent, {prefix: base.prefix, suffix: base.suffix, path: base.path,
                                 max_tokens: kLatencyMaxTokens, document: "typing"});
  const reuse = await measure(Array.from({length: args.latencyRequests}, (_, i) => ({
    prefix: base.prefix + base.rest.slice(0, i + 1), suffix: base.suffix, path: base.path,
    document: "typing"})));
  return {prompt_tokens_target: args.latencyPromptTokens, threads: args.threads, cold, reuse};
}

function printTable(results) {
  const rows = [["language", "bits/byte", "next-line EM", "edit sim.", "FIM EM", "positions"]];
  for (const [language, r] of Object.entries(results.languages)) {
    const pc = (v) => (v === undefined ? "-" : `${fmt(v * 100)}%`);
    rows.push([language, r.perplexity ? fmt(r.perplexity.bits_per_byte, 3) : "-",
               pc(r.lines?.next_line_exact_match), pc(r.lines?.next_line_edit_similarity),
               pc(r.lines?.fim_exact_match), String(r.lines?.positions ?? "-")]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  process.stdout.write("\n" + rows.map((row) => row.map((cell, c) =>
    c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join("  ")).join("\n") + "\n");
  const l = results.latency;
  if (l) {
    for (const kind of ["cold", "reuse"]) {
      const m = l[kind];
      process.stdout.write(`latency ${kind.padEnd(5)}  p50 ${fmt(m.p50_ms)} ms, p95 ${fmt(m.p95_ms)} ms ` +
                           `(${m.requests} requests, ${fmt(m.mean_prompt_tokens, 0)} prompt tokens, ` +
                           `${fmt(m.mean_reused_prompt_tokens, 0)} reused, ${l.threads} threads)\n`);
    }
  }
}

async function main() {
  const args = parseArgs(process.argv);
  args.ward = path.resolve(args.ward);
  args.model = path.resolve(args.model);
  for (const file of [args.ward, args.model]) {
    if (!fs.existsSync(file)) fail(`${file}: no such file (build Ward with make build; see --help)`);
  }
  const documents = readHeldout(args.heldout);
  const allLanguages = [...new Set(documents.map((d) => d.lang))].sort();
  const languages = args.languages ?? allLanguages;
  const byLanguage = Object.fromEntries(languages.map((l) => [l, documents.filter((d) => d.lang === l)]));
  for (const [language, docs] of Object.entries(byLanguage)) {
    if (docs.length === 0) fail(`no held-out ${language} files in ${args.heldout}`);
  }
  const results = {model: path.basename(args.model), heldout: args.heldout, seed: args.seed,
                   temperature: args.temperature,
                   machine: `${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} CPUs`,
                   languages: Object.fromEntries(languages.map((l) => [l, {}]))};
  let server = null;
  const agent = new https.Agent({keepAlive: true, maxSockets: Math.max(1, args.threads)});
  let ok = false;
  try {
    if (!args.skip.has("perplexity")) {
      for (const language of languages) {
        const started = performance.now();
        results.languages[language].perplexity = perplexity(args, byLanguage[language], args.perplexityBytes);
        process.stderr.write(`perplexity ${language}: ${fmt(results.languages[language].perplexity.bits_per_byte, 3)} ` +
                             `bits/byte (${fmt((performance.now() - started) / 1000)} s)\n`);
      }
    }
    if (!args.skip.has("lines")) {
      // Throughput: one slot per core, each on one thread (small matrices scale poorly across
      // threads), and as many requests at a time as slots.
      server = await startModelServer(args, args.threads, 1);
      const dump = args.dump ? [] : null;
      for (const language of languages) {
        // Seeded by the language's place among all the held-out languages, so that --languages
        // draws the same positions as a run over all of them.
        const seed = args.seed + allLanguages.indexOf(language);
        const positions = drawPositions(byLanguage[language], args.positions, generator(seed));
        const started = performance.now();
        results.languages[language].lines = await lineScores(server, agent, language, positions, args.threads, (done) => {
          if (done % 50 === 0) process.stderr.write(`${language}: ${done}/${positions.length}\r`);
        }, dump);
        const r = results.languages[language].lines;
        process.stderr.write(`${language}: next-line EM ${fmt(r.next_line_exact_match * 100)}%, FIM EM ` +
                             `${fmt(r.fim_exact_match * 100)}% (${fmt((performance.now() - started) / 1000)} s)\n`);
      }
      await server.stop();
      server = null;
      if (dump) {
        dump.sort((a, b) => a.language.localeCompare(b.language) || a.position - b.position);
        fs.writeFileSync(args.dump, dump.map((d) => JSON.stringify(d)).join("\n") + "\n");
      }
    }
    if (!args.skip.has("latency")) {
      // Latency: what one user sees, one slot with all the threads.
      server = await startModelServer(args, 1, args.threads);
      results.latency = await latency(args, server, agent, documents.filter((d) => d.lang === "python"));
    }
    printTable(results);
    if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 1) + "\n");
    ok = true;
  } catch (error) {
    process.stderr.write(`model_eval: ${error.message}\n`);
  } finally {
    agent.destroy();
    if (server) await server.stop().catch((error) => process.stderr.write(`model_eval: ${error.message}\n`));
  }
  process.exit(ok ? 0 : 1);
}

main();
