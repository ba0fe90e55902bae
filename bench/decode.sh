#!/usr/bin/env bash
# One core's decode + ADM center crop (issue: ImageNet-256 preprocessing) in ldm4j and in PIL, on the same JPEGs,
# back to back: `bin/ldm4j data --measure` (the loader, one worker) and scripts/bench_decode_pil.py, R rounds
# alternating, each pinned to the same core. Prints each run's rate and the ratio ldm4j / PIL of the medians.
# usage: bench/decode.sh FOLDER [--rounds R] [--core C] [--size S]
#   FOLDER: class subfolders of JPEGs (e.g. the mosaics/train tree scripts/make_imagenet_like.py writes), >= 300 files
# env: PYTHON (default .venv-ref/bin/python: Pillow and numpy). Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: bench/decode.sh FOLDER [--rounds R] [--core C] [--size S]" >&2; exit 2; }
DIR="$1"; shift
ROUNDS=3; CORE=0; SIZE=256; PY="${PYTHON:-.venv-ref/bin/python}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2;;
    --core) CORE="$2"; shift 2;;
    --size) SIZE="$2"; shift 2;;
    *) echo "bench/decode.sh: unknown option $1" >&2; exit 2;;
  esac
done
[[ -d "$DIR" ]] || { echo "bench/decode.sh: error: $DIR is not a folder: give the folder of class subfolders" >&2; exit 2; }
bin/ldm4j --help > /dev/null # builds the jar first if needed, outside the timings
JAVA=(); PIL=(); ADM=()
for r in $(seq 1 "$ROUNDS"); do
  j="$(taskset -c "$CORE" bin/ldm4j data --data "folder:$DIR" --set data.resolution="$SIZE" --set data.crop=adm \
        --set data.workers=1 --measure 60 --batch 32 | grep '^loader:')"
  echo "round $r ldm4j: $j"
  JAVA+=("$(sed -E 's/.* = ([0-9,.]+) images\/s.*/\1/; s/,//g' <<< "$j")")
  p="$(taskset -c "$CORE" "$PY" scripts/bench_decode_pil.py "$DIR" --size "$SIZE" --repeat 2)"
  echo "round $r PIL:   $p"
  PIL+=("$(sed -E 's/.*ADM crop to [0-9]+: ([0-9.]+) images\/s.*/\1/' <<< "$p")")
  ADM+=("$(sed -E 's/.*ADM loader items[^:]*: ([0-9.]+) images\/s.*/\1/' <<< "$p")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
jm="$(median "${JAVA[@]}")"; pm="$(median "${PIL[@]}")"; am="$(median "${ADM[@]}")"
awk -v j="$jm" -v p="$pm" -v a="$am" -v s="$SIZE" 'BEGIN {
  printf "one core, %d px, median of the rounds: ldm4j loader %.0f images/s (read, decode, ADM crop, flip, float, batch)\n", s, j
  printf "  against ADM loader items in Python (the same work) %.0f images/s: %.2fx\n", a, j / a
  printf "  against PIL decode + ADM crop alone (bytes in memory, uint8 out) %.0f images/s: %.2fx\n", p, j / p}'
