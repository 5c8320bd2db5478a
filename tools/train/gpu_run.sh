#!/usr/bin/env bash
# The GPU side of training: run on a machine with an NVIDIA GPU and PyTorch 2, from the
# repository root, with the tokenized corpus in tools/train/carry/ (see README.md, "GPU path").
#
#   bash tools/train/gpu_run.sh [PRESET] [extra train.py flags...]     (default preset: h100)
#
# Trains into /tmp/ward-train/run, then copies what must come back into $OUT (or ./gpu-out):
# the weights in pieces of at most 15 MiB (weights.bin.NNN + weights.parts.json), summary.json
# and log.jsonl: at most 8 files, each under 16 MiB. The checkpoint stays on the machine.
set -euo pipefail

preset="${1:-h100}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
carry="$here/carry"
out="${OUT:-$PWD/gpu-out}"
run=/tmp/ward-train/run
mkdir -p "$out" "$run"

# The image may lack python zstandard; Debian's zstd program (apt-get download zstd, copied
# into carry/) unpacks without installing.
if ! python3 -c "import zstandard" 2>/dev/null && ! command -v zstd >/dev/null; then
  deb=$(ls "$carry"/zstd_*.deb 2>/dev/null | head -1 || true)
  if [[ -z "$deb" ]]; then
    echo "gpu_run.sh: no zstandard module, no zstd program and no carry/zstd_*.deb" >&2
    exit 1
  fi
  dpkg -x "$deb" /tmp/zstd-deb
  export PATH="/tmp/zstd-deb/usr/bin:$PATH"
fi

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name(0))"

# torch.compile where PyTorch has it (2.x); it is what makes a small model fast on a GPU.
# TRAIN_COMPILE=0 trains eagerly.
compile=$(python3 -c "import torch; print('--compile' if hasattr(torch, 'compile') else '')")
if [[ "${TRAIN_COMPILE:-1}" == 0 ]]; then compile=""; fi
cd "$here"
# TRAIN_TIMEOUT_S caps the whole training process (start-up and compilation included), so that
# the weights saved at the last evaluation still come back when a run overruns its lease.
status=0
PYTHONUNBUFFERED=1 timeout "${TRAIN_TIMEOUT_S:-0}" python3 train.py --preset "$preset" \
  --tokens "$carry/tokens" --out "$run" $compile "$@" 2>&1 | tee "$run/train.out" || status=$?
echo "train.py exit status: $status"

for file in "$run"/weights.bin.[0-9][0-9][0-9] "$run/weights.parts.json" "$run/summary.json" \
  "$run/log.jsonl"; do
  if [[ -e "$file" ]]; then cp "$file" "$out/"; fi
done
ls -la "$out"
exit "$status"
