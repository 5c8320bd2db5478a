#!/usr/bin/env python3
"""Writes tests/infer/tokenizer/data/unicode_stress.txt: text that exercises the pre-tokenizers.

Random (seeded, so the file is reproducible) runs of ASCII words, digits, punctuation,
contractions in every case, white space of every kind (tabs, CR LF, U+00A0, U+3000, U+2028,
vertical tab, form feed), CJK, Hangul, Cyrillic, Arabic, accented and combining letters, emoji
with ZWJ sequences and flags, Khmer, symbols, non-ASCII digits and format characters. Only code
points assigned before Unicode 14 are used, so tables of any later version classify them alike.

The test compares Ward's ids for this text with llama.cpp's (see tests/infer/tokenizer/oracle).

Usage: python3 tools/unicode/gen_stress_text.py [OUTPUT] [BYTES]
"""

import os
import random
import sys


def generate(size, seed=1234):
    rng = random.Random(seed)
    pools = [
        lambda: "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        for _ in range(rng.randint(1, 9))),
        lambda: "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 8))),
        lambda: "".join(rng.choice("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
                        for _ in range(rng.randint(1, 4))),
        lambda: rng.choice(["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M",
                            "'ll", "'LL", "'d", "'D", "'x"]),
        lambda: rng.choice([" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\u00a0",
                            "\u3000", "\u2003", " \t ", "\u0085", "\u2028", "\x0b", "\x0c"]),
        lambda: "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 4))),
        lambda: "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(rng.randint(1, 3))),
        lambda: "".join(chr(rng.randint(0x430, 0x44F)) for _ in range(rng.randint(1, 7))),
        lambda: "".join(chr(rng.randint(0x627, 0x64A)) for _ in range(rng.randint(1, 6)))
        + rng.choice(["", "\u064b", "\u0663\u0664"]),
        lambda: rng.choice(["é", "è", "ñ", "ü", "Ä", "ß", "ø", "å", "ç", "ō", "Ł", "ž", "Ω", "λ",
                            "ё"]) * rng.randint(1, 2),
        lambda: rng.choice("aeiou") + rng.choice(["\u0301", "\u0308", "\u0327", "\u20dd"]),
        lambda: rng.choice(["😀", "🚀", "👍🏽", "👨\u200d👩\u200d👧", "❤️", "✅", "🦙", "🇬🇧"]),
        lambda: rng.choice(["ក", "ា", "ស", "់", "ំ", "ព", "ើ"]) * rng.randint(1, 3),
        lambda: rng.choice(["€", "£", "±", "→", "…", "—", "©", "½", "²", "∑", "≤", "‘", "’",
                            "“", "”", "«", "»", "・", "。", "、"]),
        lambda: rng.choice(["٣", "४", "௫", "Ⅻ", "①", "¼", "๓"]),
        lambda: rng.choice(["\x01", "\x1f", "\u200b", "\u200d", "\ufeff", "\ue000"]),
    ]
    parts = []
    total = 0
    while total < size:
        part = rng.choice(pools)()
        parts.append(part)
        total += len(part.encode("utf-8"))
    return "".join(parts)


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "infer", "tokenizer", "data", "unicode_stress.txt")
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
    with open(output, "w", encoding="utf-8", newline="") as f:
        f.write(generate(size))
    print("wrote", output)


if __name__ == "__main__":
    main()
