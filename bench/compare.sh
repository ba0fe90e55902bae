#!/usr/bin/env bash
# Java vs PyTorch on the same machine, back to back: same architectures (from the preset), same
# batch sizes and step counts. Prints both tables and the Java/Python ratio of median step time,
# then the numerical agreement of one VAE-GAN and one UNet batch (bench agree + bench/python/agree.py).
# usage: bench/compare.sh [--preset tiny] [targets...] [--steps N] [--threads N]
# needs: .venv-ref with torch (python3 -m venv .venv-ref && .venv-ref/bin/pip install torch numpy safetensors)
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=tiny; STEPS=10; THREADS=2; TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2;;
    --steps) STEPS="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    *) TARGETS+=("$1"); shift;;
  esac
done
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(vae unet encode sample)
export OPENBLAS_NUM_THREADS=1
OUT="$(mktemp -d)"
bin/ldm4j data --preset "$PRESET" --dry-run > "$OUT/config.json"
for t in "${TARGETS[@]}"; do
  JAVA_STEPS=(--steps "$STEPS")
  # bench.py times at most 3 sampling runs after 1 warm-up (each is 50 guided network calls): same here
  [[ "$t" == sample ]] && JAVA_STEPS=(--steps "$(( STEPS < 3 ? STEPS : 3 ))" --warmup 1)
  bin/ldm4j bench "$t" --preset "$PRESET" "${JAVA_STEPS[@]}" --threads "$THREADS" --json "$OUT/java-$t.json" | tail -1
  .venv-ref/bin/python bench/python/bench.py "$OUT/config.json" "$t" --steps "$STEPS" --threads "$THREADS" --json "$OUT/python-$t.json"
done
.venv-ref/bin/python - "$OUT" "${TARGETS[@]}" <<'PY'
import json, sys
out, targets = sys.argv[1], sys.argv[2:]
print(f"\n{'benchmark':34s} {'java ms':>10s} {'python ms':>10s} {'java/python':>12s} {'java peak':>10s} {'py peak':>9s}")
for t in targets:
    j = json.load(open(f"{out}/java-{t}.json"))["results"][0]
    p = json.load(open(f"{out}/python-{t}.json"))["results"][0]
    print(f"{j['name']:34s} {j['medianMs']:10.1f} {p['medianMs']:10.1f} {j['medianMs'] / p['medianMs']:11.2f}x "
          f"{j['peakRssBytes'] / 1e9:9.2f}G {p['peakRssBytes'] / 1e9:8.2f}G")
PY
bin/ldm4j bench agree --preset "$PRESET" --threads "$THREADS" --agree-dir "$OUT/agree" > /dev/null
echo
.venv-ref/bin/python bench/python/agree.py "$OUT/agree" --threads "$THREADS"
