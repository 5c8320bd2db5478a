#!/usr/bin/env node
// Load on `ward serve`: POST /api/v1/complete over HTTPS from wrk (complete.lua), many clients at
// once, against a tiny synthesized model. In a fresh scratch data directory it synthesizes the
// model, writes a ward.toml (a high-quota tier for the benchmark tenant, the model's slots and
// threads), starts the server, redeems the bootstrap token and makes a developer token through
// the API, checks one completion with curl, then runs wrk. While wrk runs, a probe opens a new
// connection to GET /healthz every few seconds, to see whether a client that is not yet connected
// is served. Reports throughput, latency percentiles, errors (any non-2xx is one), the probe, and
// the server's resident memory after warm-up and after the run (the target: within 10%). Stops
// the server with SIGTERM and deletes the scratch directory.
//
// Usage, from the repository root:
//   node bench/serve_load/run.mjs [--ward build/ward] [--clients 32] [--duration 60]
//        [--wrk-threads 2] [--slots 2] [--threads 1] [--max-tokens 16] [--timeout 30]
//        [--warmup 20] [--probe-every 5] [--vocab FILE] [--keep] [--json]
// Exit status: 0 when every request succeeded and memory stayed within 10%, 1 otherwise.

import {spawn, spawnSync} from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import {fileURLToPath} from "url";

import {fmt, percentile as pct, request, run, sleep, startWardServer} from "../lib/ward_server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {ward: "build/ward", vocab: "../shared/fixtures/vocab/ggml-vocab-starcoder.gguf",
                clients: 32, duration: 60, wrkThreads: 2, slots: 2, threads: 1, maxTokens: 16,
                timeout: 30, warmup: 20, probeEvery: 5, keep: false, json: false};
  const numbers = {"--clients": "clients", "--duration": "duration", "--wrk-threads": "wrkThreads",
                   "--slots": "slots", "--threads": "threads", "--max-tokens": "maxTokens",
                   "--timeout": "timeout", "--warmup": "warmup", "--probe-every": "probeEvery"};
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--keep") { args.keep = true; continue; }
    if (flag === "--json") { args.json = true; continue; }
    if (flag === "-h" || flag === "--help") {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8")
                             .split("\n").filter((l) => l.startsWith("//")).join("\n") + "\n");
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`, 2);
    if (flag === "--ward") args.ward = value;
    else if (flag === "--vocab") args.vocab = value;
    else if (numbers[flag]) {
      const n = Number(String(value).replace(/s$/, ""));
      if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a whole number, got "${value}"`, 2);
      args[numbers[flag]] = n;
    } else fail(`unknown argument "${flag}" (see --help)`, 2);
  }
  if (args.clients < 1 || args.duration < 1 || args.slots < 1) fail("--clients, --duration and --slots must be at least 1", 2);
  args.wrkThreads = Math.max(1, Math.min(args.wrkThreads, args.clients));
  return args;
}

function fail(message, code = 1) {
  process.stderr.write(`serve_load: ${message}\n`);
  process.exit(code);
}

// VmRSS and VmHWM of a process, in KiB, and VmRSS split into anonymous memory (the heap: where a
// leak would show) and file-backed pages (the mapped model, SQLite's WAL index).
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))[1]);
  return {rss_kib: field("VmRSS"), hwm_kib: field("VmHWM"), anon_kib: field("RssAnon"),
          file_kib: field("RssFile") + field("RssShmem")};
}

// "anonymous A, file-backed F MiB"
const split = (m) => `anonymous ${fmt(m.anon_kib / 1024)}, file-backed ${fmt(m.file_kib / 1024)} MiB`;

// CPU seconds a process has used (utime + stime; the kernel counts in 1/100 s).
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;  // gone
  }
}

// The whole machine's busy and total CPU time so far, from /proc/stat (1/100 s).
function machineCpu() {
  const [, ...values] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return {busy: (total - n[3] - n[4]) / 100, total: total / 100};
}

function wrk(args, port, token, seconds, quiet = false, onStart = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", ["-t", String(args.wrkThreads), "-c", String(args.clients),
                                "-d", `${seconds}s`, "--timeout", `${args.timeout}s`,
                                "-s", path.join(here, "complete.lua"),
                                `https://127.0.0.1:${port}/api/v1/complete`],
                        {env: {...process.env, WARD_BENCH_TOKEN: token,
                               WARD_BENCH_MAX_TOKENS: String(args.maxTokens)},
                         stdio: ["ignore", "pipe", "pipe"]});
    onStart(child.pid);
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => { out += chunk; });
    child.stderr.on("data", (chunk) => { err += chunk; process.stderr.write(chunk); });
    child.on("error", (error) => reject(new Error(`wrk: ${error.message} (apt-get install wrk)`)));
    child.on("close", (code) => {
      if (!quiet) {
        process.stdout.write(out.split("\n").filter((l) => !l.startsWith("serve_load-json")).join("\n"));
      }
      const line = out.split("\n").find((l) => l.startsWith("serve_load-json "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}: ${err}${out}`));
      resolve(JSON.parse(line.slice("serve_load-json ".length)));
    });
  });
}

// During the load: every probeEvery seconds a new connection asks GET /healthz.
function startProbes(args, ca, port) {
  const probes = [];
  let stopped = false;
  const loop = (async () => {
    if (!args.probeEvery) return;
    await sleep(2000);
    while (!stopped) {
      const startedAt = performance.now();
      probes.push(request(ca, port, "GET", "/healthz",
                          {timeoutMs: (args.duration + args.timeout + 30) * 1000}));
      await sleep(Math.max(0, args.probeEvery * 1000 - (performance.now() - startedAt)));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return Promise.all(probes);
  };
}

// The samples at the end of each quarter of the run.
const quarters = (samples) => samples.length === 0 ? [] :
  [1, 2, 3, 4].map((q) => samples[Math.max(0, Math.ceil((q / 4) * samples.length) - 1)]);

async function main() {
  const args = parseArgs(process.argv);
  const ward = path.resolve(args.ward);
  if (!fs.existsSync(ward)) fail(`${ward}: no such file (build it, or give --ward PATH)`);
  if (spawnSync("wrk", ["-v"]).error) fail("wrk not found: apt-get install wrk");
  let served = null;
  let ok = false;
  try {
    served = await startWardServer({
      ward, name: "tiny", slots: args.slots, threads: args.threads, prefix: "ward-serve-load-",
      keep: args.keep,
      model: (dir) => {
        const file = path.join(dir, "model.gguf");
        run(ward, ["model", "synth", "--preset", "tiny", "--type", "q8_0", "--vocab", args.vocab,
                   "-o", file]);
        return file;
      }});
    const {server, dir, port, ca, token} = served;

    // Sanity check and warm-up: one completion with curl must answer 200 with a suggestion.
    const body = JSON.stringify({prefix: "def add(a, b):\n    return a", suffix: "\n",
                                 path: "math.py", max_tokens: args.maxTokens});
    const curl = run("curl", ["-sS", "--cacert", path.join(dir, "tls", "server.crt"),
                              "-w", "\n%{http_code}", "-H", `Authorization: Bearer ${token}`,
                              "-H", "Content-Type: application/json", "-d", body,
                              `https://127.0.0.1:${port}/api/v1/complete`]).trimEnd().split("\n");
    const status = curl.pop();
    const answer = curl.join("\n");
    if (status !== "200" || !(JSON.parse(answer).suggestions?.length > 0)) {
      throw new Error(`sanity check: POST /api/v1/complete answered ${status}: ${answer}`);
    }
    process.stdout.write(`sanity check    200 ${answer}\n`);
    await sleep(1000);
    const oneRequest = memory(server.pid);
    // Warm-up: the load itself for a few seconds, so that what the server allocates once (worker
    // threads' buffers, the slots' prompt scratch and KV cache pages, SQLite's page cache) is in
    // `before` and the comparison with `after` shows growth, not start-up.
    if (args.warmup > 0) {
      const warm = await wrk(args, port, token, args.warmup, true);
      process.stdout.write(`warm-up         ${warm.requests} requests in ${fmt(warm.seconds)} s\n`);
      await sleep(1000);
    }
    const before = memory(server.pid);

    process.stdout.write(`load            ${args.clients} clients, ${args.duration} s, wrk -t ${args.wrkThreads}, ` +
                         `slots ${args.slots}, threads ${args.threads}, max_tokens ${args.maxTokens}\n`);
    const stopProbes = startProbes(args, ca, port);
    const samples = [];  // VmRSS (KiB) once a second during the load
    // CPU: the server's, wrk's (its last sample, up to a second before it ends) and the machine's.
    const serverCpu0 = cpuSeconds(server.pid);
    const machine0 = machineCpu();
    let wrkPid = null;
    let wrkCpu = 0;
    const sampler = setInterval(() => {
      samples.push(memory(server.pid).rss_kib);
      wrkCpu = (wrkPid && cpuSeconds(wrkPid)) ?? wrkCpu;
    }, 1000);
    const load = await wrk(args, port, token, args.duration, false, (pid) => { wrkPid = pid; })
                   .finally(() => clearInterval(sampler));
    const serverCpu = cpuSeconds(server.pid) - serverCpu0;
    const machine1 = machineCpu();
    const machineBusy = machine1.busy - machine0.busy;
    const machineTotal = machine1.total - machine0.total;
    const probes = await stopProbes();
    await sleep(1000);
    const after = memory(server.pid);
    const alive = await request(ca, port, "GET", "/healthz");
    const exitCode = await served.stop();
    const shutdown = exitCode === 0 ? "clean (exit 0)"
                   : server.signalCode ? `killed by ${server.signalCode}, no graceful shutdown`
                   : `exit ${exitCode}`;

    const e = load.errors;
    const errors = e.connect + e.read + e.write + e.status + e.timeout;
    const growth = ((after.rss_kib - before.rss_kib) / before.rss_kib) * 100;
    const memoryOk = growth <= 10;
    const growthFromOne = ((after.rss_kib - oneRequest.rss_kib) / oneRequest.rss_kib) * 100;
    const sign = (n) => `${n >= 0 ? "+" : ""}${fmt(n)}`;
    const probeMs = probes.map((p) => p.ms);
    const probeFailed = probes.filter((p) => p.status !== 200).length;
    const mib = (kib) => kib / 1024;
    const rows = [
      ["machine", `${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} CPUs`],
      ["model", "tiny synthesized, q8_0, StarCoder vocabulary"],
      ["settings", `${args.clients} clients (wrk -t ${args.wrkThreads}), ${args.duration} s, slots ${args.slots}, ` +
                   `threads ${args.threads}, max_tokens ${args.maxTokens}, wrk timeout ${args.timeout} s`],
      ["cpu", `ward serve ${fmt(serverCpu)} s, wrk ${fmt(wrkCpu)} s, everything else ` +
              `${fmt(Math.max(0, machineBusy - serverCpu - wrkCpu))} s, of ${fmt(machineTotal)} CPU-s ` +
              `(${fmt((machineBusy / machineTotal) * 100, 0)}% busy)`],
      ["requests", `${load.requests} in ${fmt(load.seconds)} s`],
      ["throughput", `${fmt(load.requests_per_s, 2)} requests/s`],
      ["latency", `p50 ${fmt(load.latency_us.p50 / 1000)} ms, p95 ${fmt(load.latency_us.p95 / 1000)} ms, ` +
                  `p99 ${fmt(load.latency_us.p99 / 1000)} ms, max ${fmt(load.latency_us.max / 1000)} ms`],
      ["errors", `${errors} (connect ${e.connect}, read ${e.read}, write ${e.write}, ` +
                 `status ${e.status}, timeout ${e.timeout})`],
      ["statuses", Object.entries(load.statuses).map(([k, v]) => `${k}: ${v}`).join(", ") || "none"],
      ["finish", Object.entries(load.finish).map(([k, v]) => `${k}: ${v}`).join(", ") || "none"],
      ["new-connection probe", probes.length === 0 ? "none" :
        `${probes.length} GET /healthz, ${probeFailed} failed, median ${fmt(pct(probeMs, 50))} ms, ` +
        `max ${fmt(Math.max(...probeMs))} ms`],
      ["memory, 1 request", `VmRSS ${fmt(mib(oneRequest.rss_kib))} MiB (after the sanity check)`],
      ["memory before", `VmRSS ${fmt(mib(before.rss_kib))} MiB (after ${args.warmup} s of warm-up load; ` +
                        `${split(before)})`],
      ["memory during", quarters(samples).map((kib) => fmt(mib(kib))).join(", ") +
                        " MiB (VmRSS at each quarter of the run)"],
      ["memory after", `VmRSS ${fmt(mib(after.rss_kib))} MiB, peak VmHWM ${fmt(mib(after.hwm_kib))} MiB ` +
                       `(${split(after)})`],
      ["memory change", `${sign(growth)}% after/before — ${memoryOk ? "within" : "NOT within"} 10%; ` +
                        `${sign(growthFromOne)}% after/1 request`],
      ["after the run", `GET /healthz ${alive.status}; SIGTERM: ${shutdown}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write("\nserve_load summary\n" +
                         rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n") + "\n");
    if (args.json) {
      process.stdout.write(JSON.stringify({settings: {clients: args.clients, duration_s: args.duration,
        wrk_threads: args.wrkThreads, slots: args.slots, threads: args.threads,
        max_tokens: args.maxTokens, warmup_s: args.warmup}, cpu: os.cpus()[0]?.model ?? "", cpus: os.cpus().length,
        cpu_s: {ward: serverCpu, wrk: wrkCpu, machine_busy: machineBusy, machine_total: machineTotal},
        load, probes_ms: probeMs, probes_failed: probeFailed,
        memory_kib: {one_request: oneRequest.rss_kib, before: before.rss_kib, after: after.rss_kib, peak: after.hwm_kib,
                     during: samples},
        memory_growth_percent: growth, memory_growth_from_one_request_percent: growthFromOne,
        shutdown: exitCode}) + "\n");
    }
    ok = errors === 0 && memoryOk && probeFailed === 0 && alive.status === 200 && exitCode === 0;
  } catch (error) {
    process.stderr.write(`serve_load: ${error.message}\n`);
    if (served) process.stderr.write(`serve_load: the server's log ends:\n${served.tail()}\n`);
  } finally {
    if (served) {
      await served.stop().catch((error) => process.stderr.write(`serve_load: ${error.message}\n`));
      if (args.keep) process.stdout.write(`kept ${served.dir}\n`);
    }
  }
  process.exit(ok ? 0 : 1);
}

main();
