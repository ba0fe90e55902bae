#!/usr/bin/env bash
# Java vs PyTorch on the same machine, back to back: same architectures (from the preset), same
# batch sizes and step counts. Prints both tables and the Java/Python ratio of median step time,
# then the numerical agreement of one VAE-GAN and one UNet batch (bench agree + bench/python/agree.py).
# With --rounds R (default 1) each target runs R times, Java and Python alternating, and the table
# shows the median of the R medians (step times on this machine vary by a few percent run to run)
# and the highest peak RSS. Then GFLOP per step on each side (Java: ldm4j.bench.Flops from the
# architecture; Python: FlopCounterMode), the achieved GFLOP/s, and the fraction of each side's own
# measured matmul rate in the row's precision ("of mm").
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
def row(side, t, r):
    return json.load(open(f"{out}/{side}-{t}-{r}.json"))["results"][0]
def med(side, t, key):  # median over the rounds; None (no FLOPs or no rate) counts as 0
    return statistics.median(row(side, t, r)[key] or 0 for r in range(1, rounds + 1))
def pct(f):
    return f"{100 * f:.1f}%" if f else "-"
print(f"\n{'benchmark':34s} {'prec':>5s} {'java GFLOP':>10s} {'py GFLOP':>9s} {'java GFLOP/s':>12s} {'py GFLOP/s':>10s}"
      f" {'java of mm':>10s} {'py of mm':>9s}")
for t in targets:
    j, p = row("java", t, 1), row("python", t, 1)
    print(f"{j['name']:34s} {j['precision']:>5s} {j['gflop']:10.1f} {p['gflop']:9.1f} {med('java', t, 'gflopPerSecond'):12.1f}"
          f" {med('python', t, 'gflopPerSecond'):10.1f} {pct(med('java', t, 'matmulFraction')):>10s}"
          f" {pct(med('python', t, 'matmulFraction')):>9s}")
for side in ("java", "python"):
    m = json.load(open(f"{out}/{side}-{targets[0]}-1.json")).get("matmul")
    if m:
        print(f"{side} matmul {m['size']}x{m['size']}: fp32 {m['fp32']:.1f} GFLOP/s, bf16 {m['bf16']:.1f} GFLOP/s")
PY
bin/ldm4j bench agree --preset "$PRESET" --threads "$THREADS" --agree-dir "$OUT/agree" > /dev/null
echo
.venv-ref/bin/python bench/python/agree.py "$OUT/agree" --threads "$THREADS"
