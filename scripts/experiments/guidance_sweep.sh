#!/usr/bin/env bash
# Which guidance scale does each measure prefer? `bin/ldm4j eval` of one run at several scales, side by side.
#
#   scripts/experiments/guidance_sweep.sh RUN "1.5 2 3 5" [EVAL_OPTIONS...]
#
# RUN          a run folder with vae.safetensors and unet.safetensors
# SCALES       guidance scales, space-separated
# EVAL_OPTIONS passed to every `bin/ldm4j eval` (e.g. --classifier FILE --per-class 50 --sampler dpmpp2m --steps 20)
#
# Each evaluation's eval.json is kept as RUN/eval-cfg<S>.json. Prints class accuracy, the Frechet distance in
# the classifier's penultimate features and in its early (layer2) features, precision and recall per scale;
# with `--features inception --inception FILE --ref REF.npz` (a GPU user's sweep) FID, sFID, Inception Score,
# precision and recall instead. The lowest distance of each kind is starred.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
run=$1 scales=$2
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
for s in $scales; do
  [[ $s =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "guidance_sweep: '$s' is not a guidance scale (a number >= 0)" >&2; exit 2; }
done
for s in $scales; do
  echo "eval at guidance $s..."
  "$here/bin/ldm4j" eval --run "$run" --cfg "$s" "$@" >"$run/eval-cfg$s.log" 2>&1
  if [[ " $* " == *" --features inception "* || " $* " == *" --features=inception "* ]]; then
    cp "$run/eval-inception.json" "$run/eval-cfg$s.json"
  else
    cp "$run/eval.json" "$run/eval-cfg$s.json"
  fi
done
python3 - "$run" $scales <<'EOF'
import json, os, sys
run, scales = sys.argv[1], sys.argv[2:]
docs = [(s, json.load(open(os.path.join(run, f"eval-cfg{s}.json")))) for s in scales]
if "figures" in docs[0][1]:  # --features inception
    keys, rows = ["fid", "sfid", "inception_score", "precision", "recall"], [(s, d["figures"]) for s, d in docs]
    print(f"{docs[0][1]['samples']['count']} samples per scale, Inception features")
else:
    keys, rows = ["class_accuracy", "frechet_distance", "frechet_distance_early", "precision", "recall"], [(s, d["samples"]) for s, d in docs]
    print(f"{rows[0][1]['images']} samples per scale, the classifier's features")
lowest = {k: min(m[k] for _, m in rows if k in m) for k in ("fid", "sfid", "frechet_distance", "frechet_distance_early")
          if any(k in m for _, m in rows)}
cell = lambda m, k: "n/a" if k not in m else f"{m[k]:.4g}" + (" *" if lowest.get(k) == m[k] else "")
print("| guidance | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 1) + "|")
for s, m in rows:
    print(f"| {s} | " + " | ".join(cell(m, k) for k in keys) + " |")
EOF
