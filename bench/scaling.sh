#!/usr/bin/env bash
# How step time grows with work: UNet and VAE+discriminator training steps at batch 32, 64, 128, 256,
# and the VAE step at 64x64 vs 128x128 (same batch). One table with the achieved GFLOP/s (the matmul
# rate is not measured here: bin/ldm4j bench prints it); the JSON of every run stays in OUT.
# usage: bench/scaling.sh [--preset tiny] [--steps N] [--threads N] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=tiny; STEPS=5; THREADS=2; OUT="$(mktemp -d)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2;;
    --steps) STEPS="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --out) OUT="$2"; mkdir -p "$OUT"; shift 2;;
    *) echo "error: unknown option $1 (expected --preset, --steps, --threads, --out)" >&2; exit 2;;
  esac
done
export OPENBLAS_NUM_THREADS=1
for b in 32 64 128 256; do
  for t in unet vae; do
    bin/ldm4j bench "$t" --preset "$PRESET" --batch "$b" --steps "$STEPS" --threads "$THREADS" --matmul-size 0 --json "$OUT/$t-b$b.json" > /dev/null
  done
done
bin/ldm4j bench vae --preset "$PRESET" --batch 32 --steps "$STEPS" --threads "$THREADS" --set data.resolution=128 \
  --json "$OUT/vae-128px-b32.json" > /dev/null
python3 - "$OUT" <<'PY'
import json, sys, glob, os
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    r = json.load(open(f))["results"][0]
    rows.append((r["name"], r["batch"], r["medianMs"], r["imagesPerSecond"], r["peakRssBytes"] / 1e9, r["gflopPerSecond"]))
rows.sort(key=lambda r: (r[0], r[1]))
print(f"{'benchmark':34s} {'batch':>6s} {'median ms':>10s} {'ms/image':>9s} {'images/s':>9s} {'peak RSS':>9s} {'GFLOP/s':>8s}")
for name, b, ms, ips, rss, gps in rows:
    print(f"{name:34s} {b:6d} {ms:10.1f} {ms / b:9.2f} {ips:9.1f} {rss:8.2f}G {gps:8.1f}")
print(f"(JSON in {out})")
PY
