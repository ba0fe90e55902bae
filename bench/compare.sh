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
#        [--precisions fp32,bf16] [--channels-last]  (PyTorch also in channels-last; the faster layout counts)
#        [--compile]  (PyTorch's bf16 training steps also under torch.compile: a second ratio)
#        [--python-jemalloc]  (PyTorch also with jemalloc preloaded, in each layout: `+jemalloc` in the table)
#        [--set KEY=VALUE]...  (config overrides on both sides, e.g. --set unet.model.type=dit for the DiT step)
#        [--batch N]  (one batch size for every target on both sides instead of the preset's)
#        [--matmul-size N]  (side of the matmuls measuring each side's rate; default 4096, smaller for smoke runs)
# needs: .venv-ref with torch (python3 -m venv .venv-ref && .venv-ref/bin/pip install torch numpy safetensors)
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=tiny; STEPS=10; THREADS=2; ROUNDS=1; TARGETS=(); PRECISIONS="fp32,bf16"; LAYOUTS="contiguous"; COMPILE=0; PY_JEMALLOC=0
SETS=(); BATCH=(); MATMUL=4096
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2;;
    --steps) STEPS="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --rounds) ROUNDS="$2"; shift 2;;
    --precisions) PRECISIONS="$2"; shift 2;;
    --channels-last) LAYOUTS="contiguous channels-last"; shift;;
    --compile) COMPILE=1; shift;;
    --python-jemalloc) PY_JEMALLOC=1; shift;;
    --set) SETS+=(--set "$2"); shift 2;;
    --batch) BATCH=(--batch "$2"); shift 2;;
    --matmul-size) MATMUL="$2"; shift 2;;
    *) TARGETS+=("$1"); shift;;
  esac
done
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(vae unet encode sample)
if [[ "$PY_JEMALLOC" == 1 ]]; then
  JEMALLOC="$(source bin/lib/allocator.sh && LDM4J_MALLOC=jemalloc ldm4j_allocator && echo "${LD_PRELOAD%%:*}")"
  for l in $LAYOUTS; do LAYOUTS="$LAYOUTS $l+jemalloc"; done
fi
export OPENBLAS_NUM_THREADS=1
OUT="$(mktemp -d)"
bin/ldm4j data --preset "$PRESET" ${SETS[@]+"${SETS[@]}"} --dry-run > "$OUT/config.json"
bin/ldm4j bench --help > /dev/null # builds the jar first if needed, outside the timings
echo "java: native allocator $(source bin/lib/allocator.sh && ldm4j_allocator && echo "$LDM4J_ALLOCATOR") (bin/lib/allocator.sh); python: glibc defaults$([[ "$PY_JEMALLOC" == 1 ]] && echo ", and jemalloc (+jemalloc)")"
# the matmul rates once per side (a 4096x4096 product in fp32 and bf16), then every step without re-measuring them
bin/ldm4j bench matmul --preset "$PRESET" --threads "$THREADS" --matmul-size "$MATMUL" --json "$OUT/java-rate.json" | grep matmul
.venv-ref/bin/python bench/python/bench.py "$OUT/config.json" matmul --threads "$THREADS" --matmul-size "$MATMUL" --json "$OUT/python-rate.json" | sed 's/^/python: /'
for t in "${TARGETS[@]}"; do
  JAVA_STEPS=(--steps "$STEPS")
  # bench.py times at most 3 sampling runs after 1 warm-up (each is 50 guided network calls): same here
  # and samples with DDIM like bench.py (the tiny preset previews with DPM-Solver++(2M); same network calls per step)
  [[ "$t" == sample ]] && JAVA_STEPS=(--steps "$(( STEPS < 3 ? STEPS : 3 ))" --warmup 1 --set sample.sampler=ddim)
  for p in ${PRECISIONS//,/ }; do
    for r in $(seq 1 "$ROUNDS"); do
      bin/ldm4j bench "$t" --preset "$PRESET" ${SETS[@]+"${SETS[@]}"} ${BATCH[@]+"${BATCH[@]}"} "${JAVA_STEPS[@]}" \
        --threads "$THREADS" --precision "$p" --matmul-size 0 --json "$OUT/java-$t-$p-$r.json" | tail -1
      for l in $LAYOUTS; do
        CL=(); [[ "$l" == channels-last* ]] && CL=(--channels-last)
        PRELOAD=(); [[ "$l" == *+jemalloc ]] && PRELOAD=(env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1)
        ${PRELOAD[@]+"${PRELOAD[@]}"} .venv-ref/bin/python bench/python/bench.py "$OUT/config.json" "$t" --steps "$STEPS" \
          --threads "$THREADS" ${BATCH[@]+"${BATCH[@]}"} --precision "$p" --matmul-size 0 ${CL[@]+"${CL[@]}"} --json "$OUT/python-$t-$p-$l-$r.json"
      done
    done
  done
done
if [[ "$COMPILE" == 1 ]]; then # PyTorch's bf16 training steps under torch.compile, for the second ratio
  for t in "${TARGETS[@]}"; do
    [[ "$t" == vae || "$t" == unet ]] || continue
    .venv-ref/bin/python bench/python/bench.py "$OUT/config.json" "$t" --steps "$STEPS" --warmup 3 --threads "$THREADS" \
      ${BATCH[@]+"${BATCH[@]}"} --precision bf16 --compile --matmul-size 0 --json "$OUT/python-$t-bf16-compile.json"
  done
fi
.venv-ref/bin/python bench/compare_table.py "$OUT" "$ROUNDS" "$PRECISIONS" "$LAYOUTS" "${TARGETS[@]}"
bin/ldm4j bench agree --preset "$PRESET" ${SETS[@]+"${SETS[@]}"} ${BATCH[@]+"${BATCH[@]}"} --threads "$THREADS" --agree-dir "$OUT/agree" > /dev/null
echo
.venv-ref/bin/python bench/python/agree.py "$OUT/agree" --threads "$THREADS"
