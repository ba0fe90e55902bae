"""Numerical agreement of ldm4j (Java) with PyTorch at the preset's sizes, on one batch.

`bin/ldm4j bench agree --agree-dir DIR` writes DIR/agree-vae.safetensors and DIR/agree-unet.safetensors:
the weights Java initialised, the inputs it drew, and what it computed (outputs, every loss term,
gradient norms). This script loads the same weights into the PyTorch reference models
(scripts/reference), recomputes the same things from the same inputs, and prints the max relative
error (max |java - python| / max |python|) of each.

usage: .venv-ref/bin/python bench/python/agree.py DIR [--threads N]
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
import ldm_reference as L  # noqa: E402
import safetensors_min  # noqa: E402  (the reference venv has no safetensors package)
import unet_reference as U  # noqa: E402
import dit_reference as D  # noqa: E402


def rel(java, py):
    java, py = java.double(), py.double()
    return ((java - py).abs().max() / py.abs().max().clamp_min(1e-30)).item()


def strip(d, prefix):
    return {k[len(prefix):]: v for k, v in d.items() if k.startswith(prefix)}


def vae(path):
    t, meta = safetensors_min.load_file(path)
    cfg = json.loads(meta["config"])
    v = cfg["vae"]
    ae, disc = L.Autoencoder(v["model"]), L.PatchDiscriminator(v["disc"])
    ae.load_state_dict(strip(t, "vae."))
    disc.load_state_dict(strip(t, "disc."))
    x = t["x"]
    post = ae.encode(x)
    xhat = ae.decode(post.sample_with(t["eps"]))
    real_logits, real_feats = disc(x)
    fake = disc(xhat)
    lc = v["loss"]
    g = L.generator_terms(x, xhat, post, fake, real_feats, lc["klWeight"], lc["advWeight"], lc["fmWeight"], lc)
    g["total"].backward()
    gn_vae = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in ae.parameters() if p.grad is not None))
    disc.zero_grad()
    d = L.disc_terms(disc(x)[0], disc(xhat.detach())[0], lc)
    d["loss"].backward()
    gn_disc = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in disc.parameters() if p.grad is not None))
    rows = [("posterior mean", t["out.mean"], post.mean), ("posterior logvar", t["out.logvar"], post.logvar),
            ("reconstruction", t["out.xhat"], xhat), ("discriminator logits (fake)", t["out.logits_fake"], fake[0])]
    rows += [(f"loss {k}", t[f"loss.{k}"], g[k]) for k in ("rec", "kl", "adv", "fm", "total")]
    rows += [("loss disc", t["loss.disc"], d["loss"]),
             ("grad norm vae", t["grad_norm.vae"], torch.tensor([gn_vae])),
             ("grad norm disc", t["grad_norm.disc"], torch.tensor([gn_disc]))]
    return f"VAE-GAN batch {x.shape[0]} at {x.shape[-1]}px", rows


def unet(path):
    t, meta = safetensors_min.load_file(path)
    cfg = json.loads(meta["config"])
    m, vm = cfg["unet"]["model"], cfg["vae"]["model"]
    c = vm["latentChannels"]
    s = cfg["data"]["resolution"] // (vm["patchSize"] * 2 ** (len(vm["multipliers"]) - 1))
    if m.get("type", "unet") == "dit":
        depth, hidden, heads, patch = D.SIZES[m["dit"]["size"]]
        net = D.DiT(depth, hidden, heads, patch, m["numClasses"], c, s, qk_norm=m["dit"]["qkNorm"])
    else:
        net = U.Unet(m["channels"], m["multipliers"], m["resBlocks"], m["attentionResolutions"], m["headChannels"],
                     m["dropout"], m["groups"], m["numClasses"], c, s, patch_size=m.get("patchSize", 1))
    net.load_state_dict(strip(t, "unet."))
    net.eval()
    z, eps, tt, y = t["z"], t["eps"], t["t"], t["y"]
    a = torch.cos(tt.double() * math.pi / 2).float().view(-1, 1, 1, 1)
    sg = torch.sin(tt.double() * math.pi / 2).float().view(-1, 1, 1, 1)
    v = net(a * z + sg * eps, tt, y)
    loss = torch.nn.functional.mse_loss(v, a * eps - sg * z)
    loss.backward()
    gn = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in net.parameters() if p.grad is not None))
    rows = [("v prediction", t["out.v"], v), ("loss v-MSE", t["loss.v_mse"], loss),
            ("grad norm backbone", t["grad_norm.unet"], torch.tensor([gn]))]
    name = m["dit"]["size"] if m.get("type", "unet") == "dit" else "UNet"
    return f"{name} batch {z.shape[0]} at {s}x{s}", rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    worst = 0.0
    print(f"{'quantity':36s} {'java':>14s} {'python':>14s} {'max rel err':>12s}")
    for fn, name in ((vae, "agree-vae.safetensors"), (unet, "agree-unet.safetensors")):
        title, rows = fn(os.path.join(a.dir, name))
        print(f"-- {title}")
        for label, java, py in rows:
            e = rel(java, py.detach())
            worst = max(worst, e)
            jv = java.double().abs().max().item() if java.numel() > 1 else java.item()
            pv = py.detach().double().abs().max().item() if py.numel() > 1 else py.item()
            print(f"{label:36s} {jv:14.6g} {pv:14.6g} {e:12.2e}")
    print(f"worst relative error {worst:.2e} (tensors: max |value| shown)")


if __name__ == "__main__":
    main()
