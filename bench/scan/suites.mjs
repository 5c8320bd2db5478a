// The test suites bench/scan/run.mjs scores scanners on. Each suite prepares its inputs
// ({cwd, paths: what the scanners are given, relative to cwd; files: the source files, whose
// lines are counted for the speed figures}) and scores a scanner's findings against the suite's
// own ground truth as {cases, tpr, fpr, precision, youden, ...details}. A suite lists the peers
// that apply to it and may carry reference results that are scored but not run.

import fs from "fs";
import path from "path";

import {functionRanges} from "./c_functions.mjs";
import {sarifFindings} from "./tools.mjs";

// The Juliet CWEs that are security weaknesses a scanner can be asked to find (not code quality
// such as dead code or unchecked return values): injection (78, 90, 134), buffer errors (121, 122,
// 124, 126, 127, 680), integer errors (190, 191), path traversal (23, 36), dangerous functions
// (242, 676), hard-coded secrets (259, 321), weak cryptography and randomness (327, 328, 338),
// races and temporary files (367, 377) and memory errors (401, 415, 416, 476, 690). Their `_01`
// cases in the fixture are 947 files.
export const JULIET_CWES = [78, 90, 121, 122, 124, 126, 127, 134, 190, 191, 23, 36, 242, 259, 321,
                            327, 328, 338, 367, 377, 401, 415, 416, 476, 676, 680, 690];

// OWASP scoring treats these finding CWEs as the case's: Bandit 1.8.6 tags MD5/SHA-1 hashing with
// CWE-327 (broken crypto), the parent of the hash category's CWE-328; the scorecard counts them
// (without this, its RECIPES.md Youden index of 0.148 is not reproduced: hash TPR would be 0).
const kOwaspCweEquivalent = {327: 328};

const walk = (dir) => fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
  const full = path.join(dir, entry.name);
  return entry.isDirectory() ? walk(full) : [full];
}).sort();

const ratio = (a, b) => (b === 0 ? null : a / b);
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// Scores of cases that are each positive (should be flagged) or negative (should not be).
function binaryScores(cases, isFlagged) {
  const positives = cases.filter((c) => c.positive);
  const negatives = cases.filter((c) => !c.positive);
  const tp = positives.filter(isFlagged);
  const fp = negatives.filter(isFlagged);
  const tpr = ratio(tp.length, positives.length);
  const fpr = ratio(fp.length, negatives.length);
  return {cases: cases.length, tpr, fpr, precision: ratio(tp.length, tp.length + fp.length),
          youden: tpr === null || fpr === null ? null : tpr - fpr, positives: positives.length,
          negatives: negatives.length, missed: positives.filter((c) => !isFlagged(c)).map((c) => c.id),
          false_alarms: fp.map((c) => c.id)};
}

// OWASP Benchmark for Python: a case is flagged when a finding in its file carries the case's CWE;
// TPR and FPR per category, then averaged over the categories (the OWASP scorecard's method).
const owasp = {
  title: "OWASP Benchmark Python",
  peers: ["bandit"],
  prepare(fixtures) {
    const root = path.join(fixtures, "owasp-python");
    const cases = fs.readFileSync(path.join(root, "expectedresults-0.1.csv"), "utf8").split("\n")
      .filter((line) => line && !line.startsWith("#")).map((line) => {
        const [name, category, real, cwe] = line.split(",");
        return {name, category, real: real === "true", cwe: Number(cwe)};
      });
    const files = walk(path.join(root, "testcode")).filter((f) => f.endsWith(".py"));
    return {cwd: root, paths: ["testcode"], files, cases, testcode: path.join(root, "testcode")};
  },
  score(input, findings) {
    const found = new Map();  // test name -> the CWEs found in its file
    for (const f of findings) {
      const name = path.basename(f.file).match(/^(BenchmarkTest\d+)\.py$/)?.[1];
      if (!name || path.dirname(f.file) !== input.testcode) continue;
      if (!found.has(name)) found.set(name, new Set());
      for (const cwe of f.cwe) found.get(name).add(kOwaspCweEquivalent[cwe] ?? cwe);
    }
    const categories = {};
    for (const c of input.cases) {
      const k = (categories[c.category] ??= {cwe: c.cwe, true: 0, false: 0, tp: 0, fp: 0});
      const flagged = found.get(c.name)?.has(c.cwe) ?? false;
      if (c.real) { k.true++; k.tp += flagged; } else { k.false++; k.fp += flagged; }
    }
    for (const k of Object.values(categories)) { k.tpr = ratio(k.tp, k.true); k.fpr = ratio(k.fp, k.false); }
    const tpr = mean(Object.values(categories).map((k) => k.tpr));
    const fpr = mean(Object.values(categories).map((k) => k.fpr));
    return {cases: input.cases.length, tpr, fpr, precision: null, youden: tpr - fpr, categories};
  },
  // Bandit 1.8.6's results shipped with the benchmark: a check of the scorer (RECIPES.md: 0.148).
  references(input) {
    const file = path.join(input.cwd, "results", "BenchmarkPython-Bandit.sarif");
    const findings = sarifFindings(JSON.parse(fs.readFileSync(file, "utf8")), input.cwd);
    return [{tool: "bandit", version: "1.8.6", note: "fixture SARIF, not run", findings}];
  },
};

// Juliet C/C++ `_01` cases of JULIET_CWES, scored per file: detected when a finding lies in a
// function whose name contains "bad" (bad(), badSink, helperBad...), a false alarm when one lies in
// a function whose name contains "good" (good(), goodG2B, goodB2G, good1...). Each case is one
// positive (its bad code) and one negative (its good code), so precision = detected / (detected +
// cases with a false alarm), recall (TPR) = detected / cases, FPR = cases with a false alarm / cases.
const juliet = {
  title: "Juliet C/C++ 1.3",
  peers: ["flawfinder", "cppcheck"],
  prepare(fixtures, work) {
    const root = path.join(fixtures, "juliet-c");
    const wanted = new Set(JULIET_CWES);
    const dirs = fs.readdirSync(path.join(root, "testcases"))
      .filter((dir) => wanted.has(Number(dir.match(/^CWE(\d+)_/)?.[1])));
    // A copy holding only these cases, so that every scanner reads exactly them.
    const files = [];
    for (const dir of dirs) {
      fs.cpSync(path.join(root, "testcases", dir), path.join(work, "juliet", dir), {recursive: true});
      files.push(...walk(path.join(work, "juliet", dir)).filter((f) => /\.(c|cpp)$/.test(f)));
    }
    const functions = new Map(files.map((f) => [f, functionRanges(fs.readFileSync(f, "utf8"))]));
    return {cwd: work, paths: ["juliet"], files, functions, includes: [path.join(root, "testcasesupport")]};
  },
  score(input, findings) {
    const bad = new Set();
    const good = new Set();
    for (const f of findings) {
      const name = input.functions.get(f.file)?.find((fn) => fn.start <= f.line && f.line <= fn.end)?.name;
      if (/bad/i.test(name)) bad.add(f.file);
      else if (/good/i.test(name)) good.add(f.file);
    }
    const n = input.files.length;
    const tpr = bad.size / n;
    const fpr = good.size / n;
    return {cases: n, tpr, fpr, precision: ratio(bad.size, bad.size + good.size), youden: tpr - fpr,
            detected: bad.size, with_false_alarm: good.size};
  },
};

// Bandit's example files, each expected to give the number of issues its functional test names:
// positive when it expects at least one. A file counts as flagged when any finding is in it.
const banditExamples = {
  title: "Bandit examples",
  peers: ["bandit"],
  prepare(fixtures) {
    const root = path.join(fixtures, "bandit");
    const tests = path.join(root, "tests", "functional", "test_functional.py");
    const expected = banditExpectations(fs.readFileSync(tests, "utf8"));
    const files = walk(path.join(root, "examples")).filter((f) => f.endsWith(".py"));
    const cases = [...expected].map(([file, count]) => ({id: file, positive: count > 0,
                                                         file: path.join(root, "examples", file)}));
    return {cwd: root, paths: ["examples"], files, cases};
  },
  score(input, findings) {
    const flagged = new Set(findings.map((f) => f.file));
    return binaryScores(input.cases, (c) => flagged.has(c.file));
  },
};

// example file -> expected issue count, from test_functional.py: the sum of the "SEVERITY" counts
// of the `expect` in force at the file's first check_example() (later checks of the same file
// change Bandit's configuration: ignore nosec, skips, typed exceptions). Checks whose `expect` has
// no "SEVERITY" (metrics only) are not expectations.
export function banditExpectations(source) {
  const expected = new Map();
  const variables = {};
  let count = null;
  // An assignment `name = 26` or `name = "file.py"`, `expect = {`, the "SEVERITY" counts, or a
  // check_example() call with a file name or a variable.
  const token = new RegExp(String.raw`^\s*(\w+) = (\d+|"[^"]*")$|expect = \{|"SEVERITY":\s*\{([^}]*)\}|` +
                           String.raw`check_example\(\s*(?:"([^"]+)"|(\w+))`, "gm");
  for (const m of source.matchAll(token)) {
    if (m[1]) variables[m[1]] = JSON.parse(m[2]);
    else if (m[0].startsWith("expect =")) count = null;
    else if (m[3] !== undefined) {
      const counts = [...m[3].matchAll(/"\w+":\s*(\w+)/g)].map((v) => Number(variables[v[1]] ?? v[1]));
      count = counts.reduce((a, b) => a + b, 0);
    } else {
      const file = m[4] ?? variables[m[5]];
      if (count !== null && !expected.has(file)) expected.set(file, count);
    }
  }
  return expected;
}

// gosec's rule samples (testutils/gNNN_samples.go): each sample is a Go package (one or more
// source strings) with the number of issues the rule must report. Each is written to its own
// folder; positive when it expects at least one issue, flagged when any finding is in its folder.
// Samples with a non-default gosec configuration are left out (their expectation depends on it).
const gosecSamples = {
  title: "gosec samples",
  peers: [],
  prepare(fixtures, work) {
    const dir = path.join(fixtures, "gosec", "testutils");
    const cases = [];
    const files = [];
    let leftOut = 0;
    for (const name of fs.readdirSync(dir).filter((n) => /^g\d+_samples\.go$/.test(n)).sort()) {
      const rule = name.slice(0, 4).toUpperCase();
      for (const [i, sample] of gosecSampleList(fs.readFileSync(path.join(dir, name), "utf8")).entries()) {
        if (!sample.defaultConfig) { leftOut++; continue; }
        const id = `${rule}/${String(i).padStart(3, "0")}`;
        const sampleDir = path.join(work, "gosec", id);
        fs.mkdirSync(sampleDir, {recursive: true});
        sample.code.forEach((code, k) => {
          files.push(path.join(sampleDir, `file${k}.go`));
          fs.writeFileSync(files.at(-1), code);
        });
        cases.push({id, rule, positive: sample.errors > 0, dir: sampleDir + path.sep});
      }
    }
    return {cwd: work, paths: ["gosec"], files, cases, left_out: leftOut};
  },
  score(input, findings) {
    const flagged = (c) => findings.some((f) => f.file.startsWith(c.dir));
    return {...binaryScores(input.cases, flagged), left_out: input.left_out};
  },
};

// The samples of one gNNN_samples.go: [{code: [source], errors, defaultConfig}]. Reads the Go
// file's tokens (so that a `[]string{` inside a sample's code is not taken for a sample), and
// after each `[]string{...}` list the count and configuration, positional (`}, 1,
// gosec.NewConfig()}`) or keyed (`Errors: 1, Config: gosec.NewConfig()`).
export function gosecSampleList(text) {
  const samples = [];
  for (let i = 0; i < text.length;) {
    if (text.startsWith("[]string{", i)) {
      const list = goStringList(text, i + "[]string{".length);
      const tail = /\s*,\s*(?:Errors:\s*)?(\d+)\s*,\s*(?:Config:\s*)?([^\n]*)/y;
      tail.lastIndex = list.end;
      const m = tail.exec(text);
      if (m) {
        samples.push({code: list.strings, errors: Number(m[1]), defaultConfig: m[2].startsWith("gosec.NewConfig()")});
      }
      i = list.end;
    } else {
      i = skipGoToken(text, i);
    }
  }
  return samples;
}

// The strings of a list of Go string literals (raw, or interpreted with JSON's escapes, which are
// the ones the samples use; `a + b` joined) from `start` to its closing brace: {strings, end}.
function goStringList(text, start) {
  const strings = [];
  let join = false;  // the last token was a `+`
  let i = start;
  while (i < text.length && text[i] !== "}") {
    const end = skipGoToken(text, i);
    let literal = null;
    if (text[i] === "`") literal = text.slice(i + 1, end - 1).replace(/\r/g, "");
    else if (text[i] === '"') literal = JSON.parse(text.slice(i, end));
    if (literal !== null && join) strings[strings.length - 1] += literal;
    else if (literal !== null) strings.push(literal);
    if (!/\s/.test(text[i])) join = text[i] === "+";
    i = end;
  }
  return {strings, end: i + 1};
}

// The index after the token at i: a raw or interpreted string, a comment, or one character.
function skipGoToken(text, i) {
  const after = (close, length) => (close < 0 ? text.length : close + length);
  if (text[i] === "`") return after(text.indexOf("`", i + 1), 1);
  if (text[i] === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  if (text.startsWith("//", i)) return after(text.indexOf("\n", i), 1);
  if (text.startsWith("/*", i)) return after(text.indexOf("*/", i + 2), 2);
  return i + 1;
}

export const kSuites = {owasp, juliet, bandit: banditExamples, gosec: gosecSamples};
