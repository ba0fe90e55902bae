#!/usr/bin/env bash
# Java vs PyTorch on the same machine, back to back: same architectures (from the preset), same
# batch sizes and step counts. Prints both tables and the Java/Python ratio of median step time,
# then the numerical agreement of one VAE-GAN and one UNet batch (bench agree + bench/python/agree.py).
# With --rounds R (default 1) each target runs R times, Java and Python alternating, and the table
# shows the median of the R medians (step times on this machine vary by a few percent run to run)
# and the highest peak RSS.
# usage: bench/compare.sh [--preset tiny] [targets...] [--steps N] [--threads N] [--rounds R]
# needs: .venv-ref with torch (python3 -m venv .venv-ref && .venv-ref/bin/pip install torch numpy safetensors)
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=tiny; STEPS=10; THREADS=2; ROUNDS=1; TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2;;
    --steps) STEPS="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --rounds) ROUNDS="$2"; shift 2;;
    *) TARGETS+=("$1"); shift;;
  esac
done
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(vae unet encode sample)
export OPENBLAS_NUM_THREADS=1
OUT="$(mktemp -d)"
bin/ldm4j data --preset "$PRESET" --dry-run > "$OUT/config.json"
bin/ldm4j bench --help > /dev/null # builds the jar first if needed, outside the timings
echo "java: native allocator $(source bin/lib/allocator.sh && ldm4j_allocator && echo "$LDM4J_ALLOCATOR") (bin/lib/allocator.sh); python: glibc defaults"
for t in "${TARGETS[@]}"; do
  JAVA_STEPS=(--steps "$STEPS")
  # bench.py times at most 3 sampling runs after 1 warm-up (each is 50 guided network calls): same here
  [[ "$t" == sample ]] && JAVA_STEPS=(--steps "$(( STEPS < 3 ? STEPS : 3 ))" --warmup 1)
  for r in $(seq 1 "$ROUNDS"); do
    bin/ldm4j bench "$t" --preset "$PRESET" "${JAVA_STEPS[@]}" --threads "$THREADS" --json "$OUT/java-$t-$r.json" | tail -1
    .venv-ref/bin/python bench/python/bench.py "$OUT/config.json" "$t" --steps "$STEPS" --threads "$THREADS" --json "$OUT/python-$t-$r.json"
  done
done
.venv-ref/bin/python - "$OUT" "$ROUNDS" "${TARGETS[@]}" <<'PY'
import json, statistics, sys
out, rounds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"\n{'benchmark':34s} {'java ms':>10s} {'python ms':>10s} {'java/python':>12s} {'java peak':>10s} {'py peak':>9s}"
      + ("   (median of %d rounds; peak: highest)" % rounds if rounds > 1 else ""))
for t in targets:
    js = [json.load(open(f"{out}/java-{t}-{r}.json"))["results"][0] for r in range(1, rounds + 1)]
    ps = [json.load(open(f"{out}/python-{t}-{r}.json"))["results"][0] for r in range(1, rounds + 1)]
    jm, pm = statistics.median(j["medianMs"] for j in js), statistics.median(p["medianMs"] for p in ps)
    jp, pp = max(j["peakRssBytes"] for j in js), max(p["peakRssBytes"] for p in ps)
    print(f"{js[0]['name']:34s} {jm:10.1f} {pm:10.1f} {jm / pm:11.2f}x {jp / 1e9:9.2f}G {pp / 1e9:8.2f}G")
PY
bin/ldm4j bench agree --preset "$PRESET" --threads "$THREADS" --agree-dir "$OUT/agree" > /dev/null
echo
.venv-ref/bin/python bench/python/agree.py "$OUT/agree" --threads "$THREADS"
