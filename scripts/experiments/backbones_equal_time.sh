#!/usr/bin/env bash
# The UNet and a DiT trained for the same wall time from one VAE and one latent cache, then evaluated alike.
#
#   scripts/experiments/backbones_equal_time.sh RUN MINUTES OUT [DIT_SIZE] [-- EVAL_OPTIONS...]
#
# RUN      a run folder holding vae.safetensors and latents/ (bin/ldm4j train-vae + encode; its config.json
#          names the UNet, e.g. the tiny preset's)
# MINUTES  the wall-time budget of each backbone
# OUT      where OUT/unet and OUT/dit are made (each gets a copy of RUN's config, VAE and latents)
# DIT_SIZE a DiT size (default DiT-T/2, the tiny-dit preset's)
# EVAL_OPTIONS passed to both `bin/ldm4j eval` calls (e.g. --classifier FILE --per-class 50 --sampler dpmpp2m --steps 20)
#
# Fair on a 2-core machine: both train at the same time, each pinned to its own core with one libtorch thread
# (taskset), so they see the same machine. Each backbone's learning-rate schedule is sized to finish inside
# the budget: a 30-step calibration run (both at once, as in the real run) measures its step time, and
# unet.train.steps = MINUTES x 60 s / step time. Everything else is the run's config (EMA, warm-up, batch).
# Prints a table of held-out EMA v-MSE, class accuracy, Frechet distance and precision/recall.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,17p' "$0" >&2
  exit 2
fi
run=$1 minutes=$2 out=$3
shift 3
dit_size=DiT-T/2
if [[ $# -gt 0 && $1 != -- ]]; then dit_size=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
eval_opts=("$@")
here=$(cd "$(dirname "$0")/../.." && pwd)
ldm4j="$here/bin/ldm4j"
for f in vae.safetensors latents config.json; do
  [[ -e $run/$f ]] || { echo "backbones_equal_time: $run/$f is missing; run bin/ldm4j train-vae and encode there first" >&2; exit 2; }
done
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || { echo "backbones_equal_time: MINUTES must be a whole number >= 1, got '$minutes'" >&2; exit 2; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
dit_set=(--set unet.model.type=dit --set "unet.model.dit.size=$dit_size")

prepare() { # DIR: a fresh run folder sharing RUN's VAE and latents
  rm -rf "$1" && mkdir -p "$1"
  cp "$run/config.json" "$run/vae.safetensors" "$1/"
  cp -r "$run/latents" "$1/"
}

# train NAME CORE EXTRA_OPTIONS...: train-unet pinned to one core, logging to OUT/NAME.log
train() {
  local name=$1 core=$2
  shift 2
  taskset -c "$core" "$ldm4j" train-unet --run "$out/$name" --threads 1 "$@" >"$out/$name.log" 2>&1
}

last_ms_per_step() { # metrics.jsonl -> the last training row's ms_per_step
  grep '"event":"train"' "$1" | tail -1 | sed -E 's/.*"ms_per_step":([0-9.Ee+-]+).*/\1/'
}

# wait_both STAGE PID1 PID2: both jobs, failing the script (with where to look) if either failed
wait_both() {
  local r=0
  wait "$2" || r=1
  wait "$3" || r=1
  [[ $r == 0 ]] || { echo "backbones_equal_time: $1 failed; see the logs in $out" >&2; exit 1; }
}

mkdir -p "$out"
echo "calibrating step times (30 steps each, both at once)..."
prepare "$out/cal-unet" && prepare "$out/cal-dit"
cal=(--max-steps 30 --set unet.train.logEvery=10 --set unet.train.evalEvery=100000 --set unet.train.checkpointEvery=100000)
train cal-unet 0 "${cal[@]}" & p1=$!
train cal-dit 1 "${cal[@]}" "${dit_set[@]}" & p2=$!
wait_both calibration $p1 $p2
ms_unet=$(last_ms_per_step "$out/cal-unet/metrics.jsonl")
ms_dit=$(last_ms_per_step "$out/cal-dit/metrics.jsonl")
# 3% of the budget is left for the held-out evaluations and checkpoints inside the run
steps_unet=$(awk -v m="$minutes" -v ms="$ms_unet" 'BEGIN { printf "%d", 0.97 * m * 60000 / ms }')
steps_dit=$(awk -v m="$minutes" -v ms="$ms_dit" 'BEGIN { printf "%d", 0.97 * m * 60000 / ms }')
echo "step times: UNet ${ms_unet} ms, DiT ${ms_dit} ms -> ${steps_unet} and ${steps_dit} steps in ${minutes} minutes"
rm -rf "$out/cal-unet" "$out/cal-dit"

prepare "$out/unet" && prepare "$out/dit"
cap=$((minutes + minutes / 5 + 2)) # a safety stop only: the schedules end first
start=$(date +%s)
train unet 0 --set "unet.train.steps=$steps_unet" --max-minutes "$cap" & p1=$!
train dit 1 --set "unet.train.steps=$steps_dit" "${dit_set[@]}" --max-minutes "$cap" & p2=$!
wait_both training $p1 $p2
echo "trained both in $(( ($(date +%s) - start) / 60 )) minutes of wall time"

# both evaluations at once, one core and one thread each (the sampling seed is eval's, the same for both)
taskset -c 0 "$ldm4j" eval --run "$out/unet" --threads 1 "${eval_opts[@]}" >"$out/unet-eval.log" 2>&1 & p1=$!
taskset -c 1 "$ldm4j" eval --run "$out/dit" --threads 1 "${eval_opts[@]}" >"$out/dit-eval.log" 2>&1 & p2=$!
wait_both evaluation $p1 $p2

python3 - "$out" <<'EOF'
import json, sys, os
out = sys.argv[1]
print("| backbone | steps | ms/step | held-out EMA v-MSE | class accuracy | Frechet distance | FD (layer2) | precision | recall |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ("unet", "dit"):
    rows = [json.loads(l) for l in open(os.path.join(out, name, "metrics.jsonl"))]
    train = [r for r in rows if r.get("event") == "train"]
    held = [r for r in rows if r.get("event") == "heldout_ema"]
    vmse = held[-1]["mean"] if held else float("nan")
    ms = sorted(r["ms_per_step"] for r in train)[len(train) // 2] if train else float("nan")
    e = json.load(open(os.path.join(out, name, "eval.json")))
    m = e["samples"]
    get = lambda k: m.get(k, float("nan"))
    print(f"| {name} | {train[-1]['step'] if train else 0} | {ms:.0f} | {vmse:.4f} | {get('class_accuracy'):.3f} "
          f"| {get('frechet_distance'):.2f} | {get('frechet_distance_early'):.2f} | {get('precision'):.3f} | {get('recall'):.3f} |")
EOF
