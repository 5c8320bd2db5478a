#!/usr/bin/env python3
"""Writes seeds for the scan fuzzer into DIR: the scanner's rule samples (tests/scan/samples/),
each as its language's index in scan::kAllLanguages followed by the file. The committed corpus
(fuzz/corpus/scan/) holds only what the samples do not: files nested past the analysed depth
(`--deep` writes them again) and inputs that once broke an invariant. Run from the repository root:
    fuzz/make_scan_seeds.py /tmp/scan-seeds"""

import pathlib
import sys

LANGUAGES = {".py": 0, ".js": 1, ".ts": 2, ".tsx": 3, ".java": 4, ".go": 5, ".c": 6, ".cpp": 7}


def write(out, name, language, text):
    (out / name).write_bytes(bytes([language]) + text.encode())


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--deep"):
        sys.exit("usage: fuzz/make_scan_seeds.py DIR [--deep]")
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) == 3:
        write(out, "deep-parens.py", 0, "x = " + "(" * 1200 + "input()" + ")" * 1200 + "\neval(x)\n")
        write(out, "deep-chain.ts", 2, "const q = db" + ".where(x)" * 600 + ";\n")
        write(out, "deep-blocks.c", 6, "void f(char *s) { " + "{" * 1200 + "gets(s);" + "}" * 1200 + " }\n")
        return
    for sample in sorted(pathlib.Path("tests/scan/samples").rglob("*")):
        if sample.suffix in LANGUAGES and sample.stat().st_size <= 4096:
            write(out, f"{sample.parent.name}-{sample.name}", LANGUAGES[sample.suffix], sample.read_text())


if __name__ == "__main__":
    main()
