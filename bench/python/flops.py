"""FLOPs of the `bench` steps counted by PyTorch's FlopCounterMode on the PyTorch twins (bench.py).

FlopCounterMode counts matmuls, convolutions and attention (forward and backward: a conv's input
gradient and weight gradient each cost as much as its forward; an input that needs no gradient, like
the images entering the first conv, gets none) and ignores elementwise ops and norms. The twins'
attention takes q, k, v as strided views, so scaled_dot_product_attention runs its math path: two
bmm forward (q.k^T, attn.v), four backward, counted as bmm. Should the fused CPU kernel
(_scaled_dot_product_flash_attention_for_cpu, missing from FlopCounterMode's table) run instead, it is
counted here with PyTorch's formulas for the other fused kernels (backward: the scores recomputed,
five matmuls).

As a script, writes the fixture the Java tests compare ldm4j.bench.Flops with (no Python needed in CI):
usage: .venv-ref/bin/python bench/python/flops.py [--out src/test/resources/ldm4j/bench/flops.json]
"""
import argparse
import json
import os
import re

import torch
from torch.utils.flop_counter import FlopCounterMode

aten = torch.ops.aten
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def count(fn, *args):
    """Runs fn(*args) under FlopCounterMode; returns (total FLOPs, of which attention)."""
    with FlopCounterMode(display=False) as m:
        fn(*args)
    ops = m.get_flop_counts()["Global"]
    attention = sum(v for k, v in ops.items() if "attention" in str(k) or k is aten.bmm)  # bmm: only in attention
    return m.get_total_flops(), attention


def evaluations(sampler, steps):
    """Network calls of one sampling run (DDIM and DPM-Solver++(2M): one per step, Heun: two)."""
    return 2 * steps if sampler == "heun" else steps


def step_flops(cfg, target, batch, sample_steps):
    """(total, attention) FLOPs of one bench step of `target` at `batch` (sample: one whole run)."""
    import bench  # the step functions timed by bench.py
    if target == "vae":
        return count(bench.vae_step(cfg, batch), 0)
    if target == "unet":
        return count(bench.unet_step(cfg, batch), 0)
    if target == "encode":
        return count(bench.encode_step(cfg, batch), 0)
    if target == "sample":
        guided = cfg["sample"]["cfg"] != 1.0  # guidance runs conditional and null class in one batch of 2B
        total, attn = network_call(cfg, 2 * batch if guided else batch)
        n = evaluations(cfg["sample"]["sampler"], sample_steps)
        return n * total, n * attn
    return 0, 0


def network_call(cfg, batch):
    """(total, attention) FLOPs of one UNet forward at `batch` in inference mode."""
    import bench
    net, c, s = bench.unet_model(cfg)
    net.eval()
    with torch.inference_mode():
        return count(net, torch.randn(batch, c, s, s), torch.full((batch,), 0.5), torch.zeros(batch, dtype=torch.long))


def _preset_file(name):
    """One preset resource of src/main/resources (its // comments removed)."""
    with open(os.path.join(ROOT, "src", "main", "resources", "ldm4j", "presets", name + ".json")) as f:
        text = "\n".join(re.sub(r'^((?:[^"/]|"[^"]*")*)//.*$', r"\1", line) for line in f)
    return json.loads(text)


def _merge(dst, delta):
    for k, v in delta.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


def preset(name):
    """A resolved preset as ldm4j.config.Presets builds it: base.json, then the deltas of its "extends" chain."""
    chain, at = [], name
    while at != "base":
        delta = _preset_file(at)
        chain.insert(0, delta)
        at = delta.pop("extends", "base")
    cfg = _preset_file("base")
    for delta in chain:
        _merge(cfg, delta)
    return dict(preset=name, **cfg)


def apply(cfg, overrides):
    """`key.path=value` overrides as `bin/ldm4j --set` applies them (JSON values, else text)."""
    for o in overrides:
        key, value = o.split("=", 1)
        node, parts = cfg, key.split(".")
        for p in parts[:-1]:
            node = node[p]
        try:
            node[parts[-1]] = json.loads(value)
        except json.JSONDecodeError:
            node[parts[-1]] = value
    return cfg


# the tiny preset at its own batch sizes, and a small odd architecture (three VAE levels without patching,
# two discriminator layers, attention at two UNet levels with several heads, Heun without guidance)
CASES = {
    "tiny": dict(overrides=[], sample_steps=50),
    "odd": dict(sample_steps=4, overrides=[
        "data.resolution=32",
        'vae.model.channels=24', 'vae.model.multipliers=[1,2,3]', 'vae.model.resBlocks=2', 'vae.model.latentChannels=3',
        'vae.model.groups=4', 'vae.model.patchSize=1', 'vae.disc.channels=16', 'vae.disc.layers=2', 'vae.disc.groups=4',
        'vae.train.batchSize=6', 'latents.batchSize=7',
        'unet.model.channels=24', 'unet.model.multipliers=[1,3]', 'unet.model.resBlocks=1',
        'unet.model.attentionResolutions=[8,4]', 'unet.model.headChannels=12', 'unet.model.groups=4',
        'unet.model.numClasses=5', 'unet.train.batchSize=10',
        'sample.sampler=heun', 'sample.cfg=1.0', 'sample.batchSize=3']),
}
# the tiny preset's UNet on the latent pixel-unshuffled by 2 (8x8 at 16 channels; attention now at level 0)
PATCH_CASES = {
    "unet-patch2": dict(preset="tiny", sample_steps=4, overrides=["unet.model.patchSize=2"]),
}
# the DiT: the tiny-dit preset (DiT-T/2 at 16x16x4 latents), and DiT-S/4 with QK-norm on 8x8x4 latents
# without guidance; only the steps that run the backbone
DIT_CASES = {
    "tiny-dit": dict(preset="tiny-dit", overrides=[], sample_steps=20),
    "dit-odd": dict(preset="tiny", sample_steps=3, overrides=[
        "data.resolution=32", "unet.model.type=dit", "unet.model.dit.size=DiT-S/4", "unet.model.dit.qkNorm=true",
        "unet.model.numClasses=7", "unet.train.batchSize=6", "sample.cfg=1.0", "sample.batchSize=5"]),
}
BATCH = {"vae": ("vae", "train", "batchSize"), "unet": ("unet", "train", "batchSize"),
         "encode": ("latents", "batchSize"), "sample": ("sample", "batchSize")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "test", "resources", "ldm4j", "bench", "flops.json"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    doc = dict(note="FLOPs per bench step by torch.utils.flop_counter.FlopCounterMode (torch " + torch.__version__
               + ") on bench/python/bench.py's steps, CPU attention counted; written by bench/python/flops.py",
               cases={})
    cases = {n: dict(c, preset="tiny", targets=list(BATCH)) for n, c in CASES.items()}
    cases.update({n: dict(c, targets=["unet", "sample"]) for n, c in PATCH_CASES.items()})
    cases.update({n: dict(c, targets=["unet", "sample"]) for n, c in DIT_CASES.items()})
    for name, case in cases.items():
        cfg = apply(preset(case["preset"]), case["overrides"])
        rows = {}
        for target in case["targets"]:
            path = BATCH[target]
            batch = cfg
            for p in path:
                batch = batch[p]
            total, attention = step_flops(cfg, target, batch, case["sample_steps"])
            rows[target] = dict(batch=batch, flops=total, attentionFlops=attention)
            print(f"{name:5s} {target:7s} batch {batch:4d}: {total / 1e9:12.4f} GFLOP (attention {attention / 1e9:.4f})",
                  flush=True)
        doc["cases"][name] = dict(preset=case["preset"], overrides=case["overrides"], sampleSteps=case["sample_steps"],
                                  steps=rows)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
