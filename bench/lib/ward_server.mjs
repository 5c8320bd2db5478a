// A `ward serve` for benchmarks: a scratch data directory with a ward.toml (a high-quota tier, one
// model with its slots and threads), the server started on a free port, and a developer's API
// token made through the API from the bootstrap token. Used by bench/serve_load and
// bench/model_eval.

import {spawn, spawnSync} from "child_process";
import fs from "fs";
import https from "https";
import os from "os";
import path from "path";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs a program to completion; its stdout, or an Error naming the command and its output.
export function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, {encoding: "utf8", maxBuffer: 256 << 20, ...options});
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${argv.join(" ")} exited ${result.status}: ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

// One HTTPS request; resolves {status, body, ms}. A fresh connection unless `agent` (an
// https.Agent with keepAlive) is given.
export function request(ca, port, method, urlPath, {token, body, timeoutMs = 30000, agent = false} = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const req = https.request({host: "127.0.0.1", port, method, path: urlPath, ca, agent,
                               servername: "localhost", headers, timeout: timeoutMs}, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({status: res.statusCode, body: text, ms: performance.now() - started}));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({status: 0, body: error.message, ms: performance.now() - started}));
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

// A request that must answer `want`; its JSON body.
export async function api(ca, port, method, urlPath, token, body, want, agent = false) {
  const answer = await request(ca, port, method, urlPath, {token, body, agent});
  if (answer.status !== want) {
    throw new Error(`${method} ${urlPath}: expected ${want}, got ${answer.status} ${answer.body}`);
  }
  return JSON.parse(answer.body);
}

// Waits until the server's log says it listens; returns the port and the bootstrap token.
async function waitForServer(server, logFile) {
  for (let waited = 0; waited < 30000; waited += 100) {
    const log = fs.readFileSync(logFile, "utf8");
    const listening = log.match(/Ward is listening on https:\/\/127\.0\.0\.1:(\d+)/);
    const boot = log.match(/\b(wardboot_[0-9a-f]+)/);
    if (listening && boot) return {port: Number(listening[1]), bootstrap: boot[1]};
    if (server.exitCode !== null) throw new Error(`ward serve exited ${server.exitCode}:\n${log}`);
    await sleep(100);
  }
  throw new Error(`ward serve did not start in 30 s:\n${fs.readFileSync(logFile, "utf8")}`);
}

// SIGTERM, then the exit code (SIGKILL and an Error after 30 s).
export async function stopServer(server) {
  if (server.exitCode !== null) return server.exitCode;
  server.kill("SIGTERM");
  for (let waited = 0; waited < 30000; waited += 100) {
    if (server.exitCode !== null || server.signalCode !== null) return server.exitCode;
    await sleep(100);
  }
  server.kill("SIGKILL");
  throw new Error("ward serve did not stop within 30 s of SIGTERM (killed)");
}

// Starts `ward serve` on `model` (a .gguf path, or a function (dir) => path that makes one in the
// scratch directory). Returns {server, dir, logFile, port, ca, token, tail(), stop()}: stop()
// stops the server and, unless `keep`, deletes the directory.
export async function startWardServer({ward, model, name = "bench", slots = 1, threads = 1,
                                       fim = null, prefix = "ward-bench-", keep = false}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const logFile = path.join(dir, "serve.log");
  let server = null;
  const tail = () => fs.existsSync(logFile)
    ? fs.readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "";
  const stop = async () => {
    let code = null;
    try {
      if (server && server.exitCode === null && server.signalCode === null) code = await stopServer(server);
      else if (server) code = server.exitCode;
    } finally {
      if (!keep) fs.rmSync(dir, {recursive: true, force: true});
    }
    return code;
  };
  try {
    const modelPath = path.resolve(typeof model === "function" ? model(dir) : model);
    // <data dir>/ward.toml is read by every ward command given --data-dir.
    fs.writeFileSync(path.join(dir, "ward.toml"), [
      "# Written by bench/lib/ward_server.mjs.",
      `default_model = "${name}"`,
      "",
      "[tiers.bench]              # benchmarks measure the server and the model, not the quota",
      "requests_per_minute = 1000000",
      "tokens_per_day = 0",
      "",
      `[models.${name}]`,
      `path = ${JSON.stringify(modelPath)}`,
      `slots = ${slots}`,
      `threads = ${threads}`,
      ...(fim ? [`fim = ${JSON.stringify(fim)}`] : []),
      ""].join("\n"));
    run(ward, ["--data-dir", dir, "admin", "tenant", "set-tier", "default", "bench"]);

    const log = fs.openSync(logFile, "w");
    server = spawn(ward, ["--data-dir", dir, "serve", "--listen", "127.0.0.1:0"],
                   {stdio: ["ignore", log, log]});
    fs.closeSync(log);
    const {port, bootstrap} = await waitForServer(server, logFile);
    const ca = fs.readFileSync(path.join(dir, "tls", "server.crt"));

    // An administrator from the bootstrap token; through the API, a developer and their token.
    const admin = await api(ca, port, "POST", "/api/v1/bootstrap", null,
                            {token: bootstrap, user: "alice"}, 201);
    await api(ca, port, "POST", "/api/v1/admin/users", admin.token, {name: "dev"}, 201);
    await api(ca, port, "POST", "/api/v1/admin/policies", admin.token,
              {user: "dev", managed: "WardDeveloperAccess"}, 201);
    const token = (await api(ca, port, "POST", "/api/v1/admin/tokens", admin.token,
                             {user: "dev"}, 201)).token;
    const me = await api(ca, port, "GET", "/api/v1/me", token, undefined, 200);
    if (me.tier !== "bench") throw new Error(`the benchmark user is on tier ${me.tier}, not bench`);
    return {server, dir, logFile, port, ca, token, tail, stop};
  } catch (error) {
    const log = tail();
    await stop().catch(() => {});
    error.message += log ? `\nthe server's log ends:\n${log}` : "";
    throw error;
  }
}

// The p-th percentile (nearest rank) of some numbers.
export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

// "1,234.5"
export const fmt = (n, digits = 1) =>
  n.toLocaleString("en-GB", {minimumFractionDigits: digits, maximumFractionDigits: digits});
