// Function line ranges in C and C++ source, enough to tell which function of a Juliet test case
// a finding lies in. Not a C parser: comments, string and character literals and preprocessor
// lines are blanked out (newlines kept, so line numbers stay right), then braces are matched.
// A `{` outside any function opens a function when it follows `name(...)` (optionally with
// `const`, `noexcept` or `throw(...)` after the parameters); any other such block (namespace,
// extern "C", class, struct, an initialiser) is transparent, so functions inside it are found.

// The source with comments, literals and preprocessor lines replaced by spaces.
function blankNonCode(text) {
  let out = "";
  let i = 0;
  let lineStart = true;
  const blank = (s) => s.replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i];
    let end = i + 1;
    if (c === "/" && text[i + 1] === "/") end = untilLineEnd(text, i);
    else if (c === "/" && text[i + 1] === "*") end = commentEnd(text, i);
    else if (c === '"' || c === "'") end = literalEnd(text, i);
    else if (c === "#" && lineStart) end = untilLineEnd(text, i);
    const piece = text.slice(i, end);
    out += end === i + 1 ? c : blank(piece);
    if (c === "\n") lineStart = true;
    else if (!/\s/.test(c)) lineStart = false;
    i = end;
  }
  return out;
}

// The end of a line, continuation backslashes included (for // comments and directives).
function untilLineEnd(text, i) {
  let end = text.indexOf("\n", i);
  while (end > 0 && text[end - 1] === "\\") end = text.indexOf("\n", end + 1);
  return end < 0 ? text.length : end;
}

// The index after a /* comment */ that starts at i (unterminated: the end of the text).
function commentEnd(text, i) {
  const close = text.indexOf("*/", i + 2);
  return close < 0 ? text.length : close + 2;
}

// The index after a string or character literal that starts at i (unterminated: the line end).
function literalEnd(text, i) {
  const quote = text[i];
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === quote) return j + 1;
    else if (text[j] === "\n") return j;
  }
  return text.length;
}

// [{name, start, end}]: each function definition's name and its first (the name's) and last lines.
export function functionRanges(text) {
  const code = blankNonCode(text);
  const lineAt = lineIndex(code);
  const functions = [];
  let open = null;  // the function being read: {name, start, depth}
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (open) {
      if (c === "{") open.depth++;
      else if (c === "}" && --open.depth === 0) {
        functions.push({name: open.name, start: open.start, end: lineAt(i)});
        open = null;
      }
    } else if (c === "{") {
      const head = functionHead(code, i);
      if (head) open = {name: head.name, start: lineAt(head.at), depth: 1};
    }
  }
  return functions;
}

// The name of the function whose body opens at `brace` and where the name starts, or null.
function functionHead(code, brace) {
  const before = code.slice(Math.max(0, brace - 4000), brace);
  const tail = before.match(/\)\s*(?:(?:const|noexcept|override|throw\s*\([^()]*\))\s*)*$/);
  if (!tail) return null;
  let depth = 0;
  let j = tail.index;  // at the `)` that closes the parameter list
  for (; j >= 0; j--) {
    if (before[j] === ")") depth++;
    else if (before[j] === "(" && --depth === 0) break;
  }
  const name = before.slice(0, Math.max(j, 0)).match(/([A-Za-z_~][\w:~]*)\s*$/);
  if (j < 0 || !name || /^(if|for|while|switch|return|sizeof)$/.test(name[1])) return null;
  return {name: name[1], at: brace - before.length + name.index};
}

// index -> 1-based line number, by binary search over the newline offsets.
function lineIndex(text) {
  const newlines = [];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) newlines.push(i);
  return (index) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
