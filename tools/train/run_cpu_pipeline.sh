#!/usr/bin/env bash
# The whole pipeline on the CPU with the cpu-tiny preset: corpus, tokens, training, export to
# GGUF (Q8_0 and F16), `ward model inspect`, the Ward vs llama.cpp (and PyTorch) check, and one
# fill-in-the-middle completion through Ward. About 10 minutes on 2 cores.
#
#   bash tools/train/run_cpu_pipeline.sh [WORK_DIR] [WARD_BINARY]
#        (defaults: /tmp/train and build/ward; run from anywhere)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${1:-/tmp/train}"
ward="${2:-$repo/build/ward}"
py="nice -n 19 /usr/bin/python3"
mkdir -p "$work"

$py "$here/corpus.py" --out "$work/corpus"
$py "$here/tokenize_corpus.py" --corpus "$work/corpus" --out "$work/tokens" --ward "$ward"
$py "$here/train.py" --preset cpu-tiny --tokens "$work/tokens" --out "$work/run-cpu-tiny"

# Export from the pieces, as on the GPU path (joins and checks them first).
for type in q8_0 f16; do
  $py "$here/export_gguf.py" --weights "$work/run-cpu-tiny/weights.parts.json" \
    --tokens "$work/tokens" --type "$type" -o "$work/ward-starter-cpu-tiny-$type.gguf"
  "$ward" model inspect "$work/ward-starter-cpu-tiny-$type.gguf"
done

(cd "$repo" && $py "$here/check_gguf.py" --ward "$ward" \
  --weights "$work/run-cpu-tiny/weights.bin" --json "$work/check.json" \
  "$work/ward-starter-cpu-tiny-q8_0.gguf" "$work/ward-starter-cpu-tiny-f16.gguf")

printf '<fim_prefix>def mean(values):\n    total = 0\n    for value in values:\n        <fim_suffix>\n    return total / len(values)\n<fim_middle>' \
  > "$work/fim-prompt.txt"
"$ward" model generate "$work/ward-starter-cpu-tiny-q8_0.gguf" --prompt-file "$work/fim-prompt.txt" \
  --temperature 0 -n 24 --threads 1
