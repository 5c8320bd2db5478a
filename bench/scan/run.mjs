#!/usr/bin/env node
// Scores `ward scan` and the peer scanners installed from Debian on public test suites, in one
// run, each with the suite's own ground truth, and measures their speed on the same inputs:
//
//   owasp   OWASP Benchmark for Python (1,243 cases): category-averaged TPR, FPR and Youden
//           index, the OWASP scorecard's method; peer: bandit; reference: Bandit 1.8.6's SARIF
//           shipped with the benchmark (scored, not run);
//   juliet  Juliet C/C++ `_01` cases of 27 security CWEs (947 files): a finding in a bad
//           function detects the case, one in a good function is a false alarm; peers:
//           flawfinder, cppcheck;
//   bandit  Bandit's example files against the issue counts of its functional tests;
//           peer: bandit;
//   gosec   gosec's rule samples against their expected issue counts (no peer: gosec is not
//           installed).
//
// How each suite is scored is in bench/scan/README.md and bench/scan/suites.mjs. Speed: each
// tool's wall clock on the suite (process start included) and the lines of the suite's source
// files per second of it.
//
// Usage, from the repository root:
//   node bench/scan/run.mjs [--suite owasp|juliet|bandit|gosec]... [--skip-peers] [--json]
//        [--ward build/ward] [--rules DIR] [--fixtures ../shared/fixtures/scan] [--repeat 1]
// WARD in the environment stands for --ward. --repeat N runs each tool N times and keeps its
// best time (the findings of the first run are scored). --json prints every number as JSON
// instead of the tables. Exit status: 0 when every tool ran and the scorer checks passed, 1
// otherwise (also when `ward scan` is not available: its rows then say why), 2 on bad arguments.

import fs from "fs";
import os from "os";
import path from "path";
import {fileURLToPath} from "url";

import {kSuites} from "./suites.mjs";
import {kPeers, runTool, toolVersion, wardTool} from "./tools.mjs";

const kRepository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

// Figures of peers on these suites, measured when the harness was written (RECIPES.md); a
// result of the same tool and version that differs by more than kCheckTolerance means that the
// scorer (or the fixture) changed.
const kCheckTolerance = 0.01;
const kChecks = [
  {suite: "owasp", tool: "bandit", version: "1.8.6", want: {youden: 0.148}},
  {suite: "juliet", tool: "flawfinder", version: "2.0.19", want: {precision: 0.504, tpr: 0.746}},
  {suite: "juliet", tool: "cppcheck", version: "2.10", want: {precision: 0.647, tpr: 0.202}},
];

function parseArgs(argv) {
  const args = {suites: [], skipPeers: false, json: false, rules: null, repeat: 1,
                ward: process.env.WARD || path.join(kRepository, "build", "ward"),
                fixtures: path.resolve(kRepository, "..", "shared", "fixtures", "scan")};
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "-h" || flag === "--help") {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n")
        .filter((l) => l.startsWith("//")).join("\n") + "\n");
      process.exit(0);
    }
    if (flag === "--skip-peers") { args.skipPeers = true; continue; }
    if (flag === "--json") { args.json = true; continue; }
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === "--suite") {
      if (!kSuites[value]) fail(`--suite takes ${Object.keys(kSuites).join(", ")}, got "${value}"`);
      args.suites.push(value);
    } else if (flag === "--ward") args.ward = value;
    else if (flag === "--rules") args.rules = path.resolve(value);
    else if (flag === "--fixtures") args.fixtures = path.resolve(value);
    else if (flag === "--repeat") {
      args.repeat = Number(value);
      if (!Number.isInteger(args.repeat) || args.repeat < 1) {
        fail(`--repeat must be a whole number ≥ 1, got "${value}"`);
      }
    }
    else fail(`unknown argument "${flag}" (see --help)`);
  }
  if (args.suites.length === 0) args.suites = Object.keys(kSuites);
  args.ward = path.resolve(args.ward);
  return args;
}

function fail(message) {
  process.stderr.write(`scan bench: ${message}\n`);
  process.exit(2);
}

// Ward's tool, or the reason it cannot run: a scan of one small file must answer JSON.
function probeWard(args, work) {
  if (!fs.existsSync(args.ward)) {
    return {unavailable: `${args.ward}: no such file (build Ward, or give --ward)`};
  }
  const dir = path.join(work, "probe");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "probe.py"), "x = 1\n");
  const tool = wardTool(args.ward, args.rules);
  const result = runTool(tool, {cwd: work, paths: ["probe"]});
  if (!result.error) return {tool};
  if (result.stderr) process.stderr.write(`scan bench: ward scan's stderr:\n${result.stderr}`);
  return {unavailable: result.error};
}

const countLines = (files) => files.reduce((total, file) => {
  const text = fs.readFileSync(file, "utf8");
  return total + text.split("\n").length - (text === "" || text.endsWith("\n") ? 1 : 0);
}, 0);

// One row: a tool's scores on a suite (or why there are none) and its speed (best of `repeat`).
function measure(suite, input, lines, label, run, repeat = 1) {
  const result = run();
  for (let i = 1; i < repeat && !result.error; i++) {
    result.seconds = Math.min(result.seconds, run().seconds ?? Infinity);
  }
  if (result.error) {
    if (result.stderr) process.stderr.write(`scan bench: ${label}: ${result.stderr}\n`);
    return {tool: label, error: result.error};
  }
  const row = {tool: label, ...suite.score(input, result.findings), findings: result.findings.length,
               skipped_files: result.skipped};
  if (result.seconds !== undefined) {
    row.seconds = result.seconds;
    row.lines_per_second = lines / result.seconds;
  }
  if (result.stats) row.ward_stats = result.stats;
  return row;
}

function runSuite(name, args, work, ward, versions) {
  const suite = kSuites[name];
  const suiteWork = path.join(work, name);
  fs.mkdirSync(suiteWork);
  const input = suite.prepare(args.fixtures, suiteWork);
  const lines = countLines(input.files);
  process.stderr.write(`${suite.title}: ${input.files.length} files, ${lines} lines\n`);
  const rows = [ward.tool
    ? measure(suite, input, lines, "Ward", () => runTool(ward.tool, input), args.repeat)
    : {tool: "Ward", error: `ward scan not available: ${ward.unavailable}`}];
  for (const peer of args.skipPeers ? [] : suite.peers) {
    const label = `${peer} ${versions[peer] ?? ""}`.trim();
    rows.push(versions[peer] === null ? {tool: label, error: "not installed"}
      : measure(suite, input, lines, label, () => runTool(kPeers[peer], input), args.repeat));
  }
  for (const ref of suite.references?.(input) ?? []) {
    rows.push({...measure(suite, input, lines, `${ref.tool} ${ref.version}`, () => ({findings: ref.findings})),
               note: ref.note});
  }
  return {title: suite.title, files: input.files.length, lines, rows};
}

// The scorer checks that apply (same suite, tool and version ran): [{check, got, ok}].
function checks(results) {
  const out = [];
  for (const check of kChecks) {
    const row = results[check.suite]?.rows.find((r) => r.tool === `${check.tool} ${check.version}` && !r.error);
    if (!row) continue;
    const ok = Object.entries(check.want).every(([key, want]) => Math.abs(row[key] - want) <= kCheckTolerance);
    out.push({...check, got: Object.fromEntries(Object.keys(check.want).map((k) => [k, row[k]])), ok});
  }
  return out;
}

const num = (v, digits = 3) => (v === null || v === undefined ? "-" : v.toFixed(digits));
const int = (v) => (v === undefined ? "-" : Math.round(v).toLocaleString("en-GB"));

// Columns of text are left-aligned, numbers right-aligned.
const kTextColumns = new Set(["suite", "tool", "category", "notes"]);

function markdownTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => r[c].length)));
  const left = header.map((name) => kTextColumns.has(name));
  const pad = (cell, c) => (left[c] ? cell.padEnd(widths[c]) : cell.padStart(widths[c]));
  const line = (r) => `| ${r.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (left[c] ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n") + "\n";
}

function note(row) {
  if (row.error) return row.error;
  const parts = [];
  if (row.skipped_files) parts.push(`${row.skipped_files} files not analysed`);
  if (row.left_out) parts.push(`${row.left_out} samples with non-default config left out`);
  if (row.note) parts.push(row.note);
  return parts.join("; ");
}

function printTables(report) {
  const rows = [];
  for (const suite of Object.values(report.suites)) {
    for (const r of suite.rows) {
      rows.push([suite.title, r.tool, r.error ? "-" : String(r.cases), num(r.tpr), num(r.fpr), num(r.precision),
                 num(r.youden), int(r.lines_per_second), num(r.seconds, 2), note(r)]);
    }
  }
  let out = markdownTable(["suite", "tool", "cases", "TPR", "FPR", "precision", "Youden", "lines/s", "seconds",
                           "notes"], rows);
  const owasp = report.suites.owasp;
  if (owasp) out += "\n" + owaspCategoryTable(owasp);
  for (const c of report.checks) {
    const got = Object.entries(c.got).map(([k, v]) => `${k} ${num(v)}`).join(", ");
    const want = Object.values(c.want).map((v) => num(v)).join(", ");
    out += `\nscorer check: ${c.tool} ${c.version} on ${c.suite}: ${got} (RECIPES.md: ${want}) ` +
           (c.ok ? "ok" : "FAILED");
  }
  process.stdout.write(`${out}\n`);
}

// OWASP per category: TPR/FPR of each tool with scores (Ward first).
function owaspCategoryTable(owasp) {
  const scored = owasp.rows.filter((r) => r.categories);
  const categories = Object.keys(scored[0]?.categories ?? {}).sort();
  if (categories.length === 0) return "";
  const header = ["category", "CWE", "true/false", ...scored.map((r) => `${r.tool} TPR/FPR`)];
  const rows = categories.map((cat) => {
    const k = scored[0].categories[cat];
    return [cat, String(k.cwe), `${k.true}/${k.false}`,
            ...scored.map((r) => `${num(r.categories[cat].tpr, 2)}/${num(r.categories[cat].fpr, 2)}`)];
  });
  return markdownTable(header, rows);
}

function main() {
  const args = parseArgs(process.argv);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ward-scan-bench-"));
  let ok = false;
  try {
    const ward = probeWard(args, work);
    const versions = Object.fromEntries(Object.entries(kPeers).map(([name, peer]) => [name, toolVersion(peer)]));
    const report = {machine: `${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} CPUs`, ward: args.ward,
                    suites: {}};
    for (const name of args.suites) report.suites[name] = runSuite(name, args, work, ward, versions);
    report.checks = checks(report.suites);
    if (args.json) process.stdout.write(JSON.stringify(report, null, 1) + "\n");
    else printTables(report);
    ok = report.checks.every((c) => c.ok) &&
         Object.values(report.suites).every((s) => s.rows.every((r) => !r.error));
  } catch (error) {
    process.stderr.write(`scan bench: ${error.stack}\n`);
  } finally {
    fs.rmSync(work, {recursive: true, force: true});
  }
  process.exit(ok ? 0 : 1);
}

main();
