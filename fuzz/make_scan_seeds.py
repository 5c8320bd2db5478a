#!/usr/bin/env python3
"""Writes the scan fuzzer's seeds to fuzz/corpus/scan/: the scanner's rule samples
(tests/scan/samples/), each as its language's index in scan::kAllLanguages followed by the file,
and a few files nested past the analysed depth. Run from the repository root."""

import pathlib

LANGUAGES = {".py": 0, ".js": 1, ".ts": 2, ".tsx": 3, ".java": 4, ".go": 5, ".c": 6, ".cpp": 7}
OUT = pathlib.Path("fuzz/corpus/scan")


def write(name, language, text):
    (OUT / name).write_bytes(bytes([language]) + text.encode())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for sample in sorted(pathlib.Path("tests/scan/samples").rglob("*")):
        if sample.suffix in LANGUAGES and sample.stat().st_size <= 4096:
            write(f"{sample.parent.name}-{sample.name}", LANGUAGES[sample.suffix], sample.read_text())
    write("deep-parens.py", 0, "x = " + "(" * 1200 + "input()" + ")" * 1200 + "\neval(x)\n")
    write("deep-chain.ts", 2, "const q = db" + ".where(x)" * 600 + ";\n")
    write("deep-blocks.c", 6, "void f(char *s) { " + "{" * 1200 + "gets(s);" + "}" * 1200 + " }\n")


if __name__ == "__main__":
    main()
