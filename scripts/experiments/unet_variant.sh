#!/usr/bin/env bash
# A diffusion-stage variant on a finished run's VAE and latent cache: train the UNet (or DiT) again with some
# config changes, draw the preview grid and evaluate it, so that only the diffusion stage differs from RUN.
#
#   scripts/experiments/unet_variant.sh RUN OUT [--set KEY=VALUE]... [-- EVAL_OPTIONS...]
#
# RUN          a finished run folder (config.json, vae.safetensors, latents/)
# OUT          a new run folder; the latent shards are hard-linked from RUN when the file system allows, else copied
# --set        changes to RUN's config for train-unet (e.g. --set unet.diffusion.scheduleShift=2)
# EVAL_OPTIONS passed to `bin/ldm4j eval` (e.g. --classifier FILE --per-class 20 --sampler dpmpp2m --steps 20);
#              without them the variant is trained and sampled but not evaluated
#
# Prints the wall time of each stage and the last held-out v-MSE; logs go to OUT/*.log. The samples are
# OUT/samples.png, the evaluation OUT/eval.json.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,14p' "$0" >&2; exit 2; } # usage: the comment above
run=$1 out=$2
shift 2
sets=() eval_opts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --set) sets+=(--set "$2"); shift 2;;
    --) shift; eval_opts=("$@"); break;;
    *) echo "unet_variant: unknown option '$1' (expected --set KEY=VALUE or -- before the eval options)" >&2; exit 2;;
  esac
done
for f in config.json vae.safetensors latents/manifest.json; do
  [[ -f "$run/$f" ]] || { echo "unet_variant: $run/$f is missing: RUN must be a run whose encode stage finished" >&2; exit 2; }
done
[[ -e "$out" ]] && { echo "unet_variant: $out exists: choose a new folder for the variant" >&2; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/latents"
cp "$run/config.json" "$run/vae.safetensors" "$out/"
cp -l "$run"/latents/* "$out/latents/" 2>/dev/null || cp "$run"/latents/* "$out/latents/"
stage() { # name, command...
  local name=$1 start=$SECONDS
  shift
  "$@" >"$out/$name.log" 2>&1 || { echo "unet_variant: $name failed; see $out/$name.log" >&2; exit 1; }
  echo "$name: $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
}
stage train-unet "$here/bin/ldm4j" train-unet --run "$out" --config "$out/config.json" ${sets[@]+"${sets[@]}"}
grep 'held-out' "$out/train-unet.log" | tail -1
stage sample "$here/bin/ldm4j" sample --run "$out"
echo "samples: $out/samples.png"
if [[ ${#eval_opts[@]} -gt 0 ]]; then
  stage eval "$here/bin/ldm4j" eval --run "$out" "${eval_opts[@]}"
  sed -n '/^set vs real/,/^floor: VAE/p' "$out/eval.log"
fi
