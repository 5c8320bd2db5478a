"""Selects the training files of a continuation stage from a corpus built by corpus.py.

A model that continues from an earlier one (train.py --init-gguf) should see mostly what it has
not seen, and enough of the rest not to forget it. This script keeps the training files of the
sources that the earlier stage's manifest does not list (all, or the fraction --new), and of the
earlier sources a fraction per language; files are sampled by a hash of source and path, so the
same options give the same files.
It writes OUT/train.jsonl, OUT/heldout.jsonl and OUT/manifest.json (the corpus's whole held-out
split and its manifest, unchanged: the mix draws from those sources) and OUT/mix.json (the
options and what was kept), ready for tokenize_corpus.py --corpus OUT.

  python3 tools/train/mix.py --corpus /tmp/train/corpus4 --earlier-manifest \\
      /tmp/train/stage1-manifest.json --earlier python=0.15 --new 0.25 --out /tmp/train/mix3

Languages that --earlier does not name keep all their earlier files; name one with 0 to drop it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys

from corpus import LANGUAGES, hash_int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="folder written by corpus.py")
    parser.add_argument("--earlier-manifest", required=True,
                        help="manifest.json of the corpus the earlier stage trained on")
    parser.add_argument("--earlier", default="",
                        help="LANG=FRACTION,...: share of the earlier sources' files kept")
    parser.add_argument("--new", type=fraction, default=1.0,
                        help="share of the new sources' files kept (default 1: all)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    fractions = parse_fractions(args.earlier)
    for path in [args.earlier_manifest] + [os.path.join(args.corpus, name) for name in
                                           ("train.jsonl", "heldout.jsonl", "manifest.json")]:
        if not os.path.isfile(path):
            sys.exit(f"mix.py: {path}: no such file (--corpus takes a folder written by "
                     f"corpus.py, --earlier-manifest that of the earlier stage)")
    with open(args.earlier_manifest, encoding="utf-8") as f:
        earlier_sources = {source["name"] for source in json.load(f)["sources"]}
    os.makedirs(args.out, exist_ok=True)
    kept = select(os.path.join(args.corpus, "train.jsonl"), os.path.join(args.out, "train.jsonl"),
                  earlier_sources, fractions, args.new)
    for name in ("heldout.jsonl", "manifest.json"):
        shutil.copyfile(os.path.join(args.corpus, name), os.path.join(args.out, name))
    summary = {"corpus": os.path.abspath(args.corpus), "earlier_manifest": args.earlier_manifest,
               "earlier_fractions": fractions, "new_fraction": args.new, "kept_bytes": kept}
    with open(os.path.join(args.out, "mix.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"mix: kept {json.dumps(kept)}", file=sys.stderr)


def fraction(text: str) -> float:
    """A share from 0 to 1 (argparse reports the ValueError as an invalid value)."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{text} is not a fraction from 0 to 1")
    return value


def parse_fractions(text: str) -> dict[str, float]:
    languages = set(LANGUAGES.values())
    fractions = {}
    for part in filter(None, text.split(",")):
        lang, _, value = part.partition("=")
        if lang not in languages:
            sys.exit(f"mix.py: --earlier names {lang!r}; the languages are "
                     f"{', '.join(sorted(languages))}")
        try:
            fractions[lang] = fraction(value)
        except ValueError:
            sys.exit(f"mix.py: --earlier {lang}={value!r}: give a fraction from 0 to 1")
    return fractions


def select(corpus_train: str, out_train: str, earlier_sources: set[str],
           fractions: dict[str, float], new_fraction: float) -> dict[str, dict[str, int]]:
    """Copies the chosen documents; returns the bytes kept per origin (new, earlier), language."""
    kept: dict[str, collections.Counter] = {"new": collections.Counter(),
                                            "earlier": collections.Counter()}
    with open(corpus_train, encoding="utf-8") as source, \
            open(out_train, "w", encoding="utf-8") as out:
        for line in source:
            document = json.loads(line)
            origin = "earlier" if document["source"] in earlier_sources else "new"
            fraction = fractions.get(document["lang"], 1.0) if origin == "earlier" \
                else new_fraction
            draw = hash_int(f"mix/{document['source']}/{document['path']}") % 10_000
            if draw >= fraction * 10_000:
                continue
            out.write(line)
            kept[origin][document["lang"]] += len(document["text"].encode("utf-8"))
    return {origin: dict(sorted(counts.items())) for origin, counts in kept.items()}


if __name__ == "__main__":
    main()
