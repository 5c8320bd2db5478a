// The scanners bench/scan/run.mjs compares: how to run each on a set of paths and how to read
// its report into findings {file (absolute), line, cwe: [numbers]}. Each run is timed by its
// wall clock, process start included.

import {spawnSync} from "child_process";
import os from "os";
import path from "path";

// Bandit 1.6.2's JSON has no CWE field: its test ids mapped to CWEs. The base is the CWE that
// later Bandit releases (1.7.5+) attach to each test; where that CWE is a generic one (CWE-20
// "improper input validation" for the XML parsers and yaml.load, CWE-78 for eval and exec) or the
// parent of a more precise one, the precise CWE is used instead (marked "Bandit:"), so that
// Bandit is not scored down for its taxonomy. Unknown ids map to no CWE.
export const BANDIT_CWE = {
  B101: 703,                         // assert used
  B102: 94,                          // exec: code injection (Bandit: 78)
  B103: 732,                         // permissive chmod
  B104: 605,                         // bind to all interfaces
  B105: 259, B106: 259, B107: 259,   // hard-coded passwords
  B108: 377,                         // hard-coded temporary directory
  B110: 703, B112: 703,              // try/except/pass, try/except/continue
  B201: 94,                          // Flask debug=True: remote code execution
  B301: 502, B302: 502,              // pickle, marshal
  B303: 328,                         // md5/sha1: weak hash (Bandit: 327)
  B304: 327, B305: 327,              // weak ciphers and cipher modes
  B306: 377,                         // tempfile.mktemp
  B307: 94,                          // eval: code injection (Bandit: 78)
  B308: 79,                          // mark_safe
  B309: 295,                         // HTTPSConnection without certificate checks
  B310: 22,                          // urlopen with file:// and other schemes
  B311: 330,                         // random
  B312: 319,                         // telnetlib
  B313: 611, B314: 611, B315: 611, B316: 611,  // XML parsers: XXE (Bandit: 20)
  B317: 611, B318: 611, B319: 611, B320: 611,
  B321: 319,                         // ftplib
  B322: 94,                          // Python 2 input() evaluates its input (Bandit: 78)
  B323: 295,                         // unverified SSL context
  B324: 328,                         // hashlib.new with a weak hash (Bandit: 327)
  B325: 377,                         // os.tempnam
  B401: 319, B402: 319,              // import telnetlib, ftplib
  B403: 502,                         // import pickle
  B404: 78,                          // import subprocess
  B405: 611, B406: 611, B407: 611, B408: 611,  // import of XML parsers (Bandit: 20)
  B409: 611, B410: 611, B411: 611,
  B412: 20,                          // httpoxy
  B413: 327,                         // import pycrypto
  B501: 295,                         // requests with verify=False
  B502: 327, B503: 327, B504: 327,   // weak SSL/TLS versions
  B505: 326,                         // short cryptographic keys
  B506: 502,                         // yaml.load: arbitrary objects (Bandit: 20)
  B507: 295,                         // SSH without host key verification
  B601: 78, B602: 78, B603: 78, B604: 78, B605: 78, B606: 78, B607: 78, B609: 78,
  B608: 89, B610: 89, B611: 89,      // SQL built from strings, Django extra/RawSQL
  B701: 79,                          // Jinja2 autoescape=False: XSS (Bandit: 94)
  B702: 79, B703: 79,                // Mako templates, Django mark_safe (Bandit: 80)
};

// cppcheck severities counted as findings. "style" (unused variables, variable scope, C-style
// casts, conditions always true) and "performance" are code-quality remarks, not security
// findings; counting them would score cppcheck on its linting (the RECIPES.md figures for Juliet
// count error, warning and portability).
const kCppcheckSeverities = new Set(["error", "warning", "portability"]);

// Each peer (by its command's name): a version probe (argv; the first x.y[.z] of its output), its
// command for a suite's input ({paths, includes}), the exit codes that mean success, and a reader
// of its stdout/stderr into {findings, skipped} (skipped: files it reported it could not analyse).
export const kPeers = {
  bandit: {
    version: ["bandit", ["--version"]],
    command: (input) => ["bandit", ["-f", "json", "-q", "-r", ...input.paths]],
    okCodes: [0, 1],
    read: (out, cwd) => {
      const report = JSON.parse(out.stdout);
      const findings = report.results.map((r) => ({file: path.resolve(cwd, r.filename), line: r.line_number,
                                                   cwe: BANDIT_CWE[r.test_id] ? [BANDIT_CWE[r.test_id]] : []}));
      return {findings, skipped: report.errors.length};
    },
  },
  flawfinder: {
    version: ["flawfinder", ["--version"]],
    command: (input) => ["flawfinder", ["--sarif", ...input.paths]],
    okCodes: [0],
    read: (out, cwd) => ({findings: sarifFindings(JSON.parse(out.stdout), cwd), skipped: 0}),
  },
  cppcheck: {
    version: ["cppcheck", ["--version"]],
    // One job per core, as Ward's scanner uses every core; bandit and flawfinder have no such option.
    command: (input) => ["cppcheck", ["--xml", "--enable=warning,style,portability", "-q",
                                      `-j${os.availableParallelism()}`,
                                      ...(input.includes ?? []).map((dir) => `-I${dir}`), ...input.paths]],
    okCodes: [0],
    read: (out, cwd) => ({findings: cppcheckFindings(out.stderr, cwd), skipped: 0}),
  },
};

// The findings of a SARIF log, with the CWEs named by each rule's "external/cwe/cwe-N" tags
// (Bandit 1.8.6 writes them; flawfinder does not, which is fine where no CWE is scored).
export function sarifFindings(sarif, baseDir) {
  const findings = [];
  for (const run of sarif.runs) {
    const rules = run.tool.driver.rules ?? [];
    const cweOf = new Map(rules.map((rule) => [rule.id, (rule.properties?.tags ?? [])
      .map((tag) => tag.match(/^external\/cwe\/cwe-(\d+)$/)?.[1]).filter(Boolean).map(Number)]));
    for (const result of run.results) {
      const location = result.locations?.[0]?.physicalLocation;
      if (!location) continue;
      const uri = decodeURIComponent(location.artifactLocation.uri.replace(/^file:\/\//, ""));
      findings.push({file: path.resolve(baseDir, uri), line: location.region?.startLine ?? 0,
                     cwe: cweOf.get(result.ruleId) ?? []});
    }
  }
  return findings;
}

// cppcheck's XML (version 2, on stderr): one finding per <error> of a counted severity, at its
// first <location>, the primary one (the others are the steps that lead to it).
function cppcheckFindings(xml, cwd) {
  const findings = [];
  for (const error of xml.split("<error ").slice(1)) {
    const severity = error.match(/^[^>]*\bseverity="([^"]*)"/)?.[1];
    const location = error.match(/<location file="([^"]*)" line="(\d+)"/);
    if (!location || !kCppcheckSeverities.has(severity)) continue;
    const cwe = error.match(/^[^>]*\bcwe="(\d+)"/)?.[1];
    findings.push({file: path.resolve(cwd, unescapeXml(location[1])), line: Number(location[2]),
                   cwe: cwe ? [Number(cwe)] : []});
  }
  return findings;
}

const unescapeXml = (s) => s.replace(/&(lt|gt|quot|apos|amp);/g,
  (_, name) => ({lt: "<", gt: ">", quot: '"', apos: "'", amp: "&"})[name]);

// Ward's `scan --format json` (exit 0: no findings, 1: findings, 2: an error).
export function wardTool(ward, rules) {
  return {
    command: (input) => [ward, ["scan", "--format", "json", ...(rules ? ["--rules", rules] : []),
                                ...input.paths]],
    okCodes: [0, 1],
    read: (out, cwd) => {
      const report = JSON.parse(out.stdout);
      if (report.version !== 1) throw new Error(`unexpected report version ${report.version}`);
      const findings = report.findings.map((f) => ({file: path.resolve(cwd, f.file), line: f.line, cwe: f.cwe ?? []}));
      return {findings, skipped: report.skipped.length, stats: report.stats};
    },
  };
}

// The tool's version, or null when it is not installed.
export function toolVersion(tool) {
  if (!tool.version) return null;
  const out = spawnSync(tool.version[0], tool.version[1], {encoding: "utf8"});
  if (out.error) return null;
  return `${out.stdout}${out.stderr}`.match(/\d+\.\d+(?:\.\d+)?/)?.[0] ?? "?";
}

// Runs a tool on a suite's input ({cwd, paths}): {findings, skipped, seconds} or {error, stderr}.
export function runTool(tool, input) {
  const cwd = input.cwd;
  const [command, argv] = tool.command(input);
  const started = performance.now();
  const out = spawnSync(command, argv, {cwd, encoding: "utf8", maxBuffer: 1 << 30});
  const seconds = (performance.now() - started) / 1000;
  if (out.error) return {error: `${command}: ${out.error.message}`};
  if (!tool.okCodes.includes(out.status)) {
    const reason = out.stderr.trim().split("\n")[0];
    return {error: `${path.basename(command)} exited ${out.status ?? out.signal}${reason ? `: ${reason}` : ""}`,
            stderr: out.stderr};
  }
  try {
    return {...tool.read(out, cwd), seconds};
  } catch (error) {
    return {error: `${command}: unreadable report: ${error.message}`, stderr: out.stderr};
  }
}
