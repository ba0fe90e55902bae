"""PyTorch side of `bin/ldm4j bench`: the same architectures (scripts/reference), the same steps,
timed the same way (median ms over timed steps after warm-up), for Java/Python ratios.

usage: .venv-ref/bin/python bench/python/bench.py CONFIG.json [vae unet encode sample] [--batch N]
       [--steps N] [--warmup N] [--sample-steps K] [--threads N] [--json FILE]
CONFIG.json is a resolved ldm4j config, e.g. from `bin/ldm4j data --preset tiny --dry-run`.
Run with OPENBLAS_NUM_THREADS=1 like the Java side. bench/compare.sh runs both back to back.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
import ldm_reference as L  # noqa: E402
import unet_reference as U  # noqa: E402


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1


def timed(name, batch, warmup, steps, fn):
    for i in range(warmup):
        fn(i)
    ms = []
    start_rss = rss()
    for i in range(steps):
        t0 = time.perf_counter()
        fn(warmup + i)
        ms.append((time.perf_counter() - t0) * 1000)
    end_rss = rss()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return dict(name=name, batch=batch, steps=steps, medianMs=statistics.median(ms), minMs=min(ms), maxMs=max(ms),
                imagesPerSecond=batch * steps / (sum(ms) / 1000), peakRssBytes=peak,
                rssGrowth=(end_rss - start_rss) / start_rss)


def adamw(params, betas):
    return torch.optim.AdamW(params, lr=1e-4, betas=betas, eps=1e-8, weight_decay=0.0)


def layout(cfg, m):
    """A module or a 4-D tensor in the memory format under test (--channels-last), else unchanged."""
    if not cfg.get("_channels_last"):
        return m
    return m.to(memory_format=torch.channels_last) if isinstance(m, torch.nn.Module) else m.contiguous(
        memory_format=torch.channels_last)


def vae_step(cfg, batch):
    v = cfg["vae"]
    vae = layout(cfg, L.Autoencoder(v["model"]))
    disc = layout(cfg, L.PatchDiscriminator(v["disc"]))
    ov, od = adamw(vae.parameters(), (0.9, 0.999)), adamw(disc.parameters(), (0.5, 0.9))
    r = cfg["data"]["resolution"]
    loss_cfg = v["loss"]

    def step(i):
        x = layout(cfg, torch.rand(batch, 3, r, r) * 2 - 1)
        post = vae.encode(x)
        z = post.mean + torch.exp(0.5 * post.logvar) * torch.randn_like(post.mean)
        xhat = vae.decode(z)
        noise = loss_cfg.get("instanceNoise", 0.0) * torch.randn_like(x)  # instance noise, as VaeGanStep
        real_logits, real_feats = disc(x + noise)
        fake = disc(xhat + noise)
        g = L.generator_terms(x, xhat, post, fake, real_feats, loss_cfg["klWeight"], loss_cfg["advWeight"],
                              loss_cfg["fmWeight"], loss_cfg)
        ov.zero_grad()
        g["total"].backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        ov.step()
        d = L.disc_terms(real_logits, disc(xhat.detach() + noise)[0], loss_cfg)
        od.zero_grad()
        d["loss"].backward()
        torch.nn.utils.clip_grad_norm_(disc.parameters(), 1.0)
        od.step()
    return step


def unet_model(cfg):
    m = cfg["unet"]["model"]
    c = cfg["vae"]["model"]["latentChannels"]
    vm = cfg["vae"]["model"]
    s = cfg["data"]["resolution"] // (vm["patchSize"] * 2 ** (len(vm["multipliers"]) - 1))
    net = U.Unet(m["channels"], m["multipliers"], m["resBlocks"], m["attentionResolutions"], m["headChannels"],
                 m["dropout"], m["groups"], m["numClasses"], c, s)
    return layout(cfg, net), c, s


def unet_step(cfg, batch):
    net, c, s = unet_model(cfg)
    ema = [p.detach().clone() for p in net.parameters()]
    opt = adamw(net.parameters(), (0.9, 0.999))
    classes = cfg["unet"]["model"]["numClasses"]

    def step(i):
        z, eps = torch.randn(batch, c, s, s), torch.randn(batch, c, s, s)
        t = torch.rand(batch)
        y = torch.randint(0, classes + 1, (batch,))
        a = torch.cos(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
        sg = torch.sin(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
        v = net(a * z + sg * eps, t, y)
        loss = F.mse_loss(v, a * eps - sg * z)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()):
                e.lerp_(p, 1 - 0.999)
    return step


def encode_step(cfg, batch):
    vae = layout(cfg, L.Autoencoder(cfg["vae"]["model"]).eval())
    r = cfg["data"]["resolution"]

    def step(i):
        with torch.inference_mode():
            vae.encode(layout(cfg, torch.rand(batch, 3, r, r))).mean
    return step


def sample_step(cfg, batch, steps):
    net, c, s = unet_model(cfg)
    net.eval()
    scale = cfg["sample"]["cfg"]
    null = cfg["unet"]["model"]["numClasses"]
    t_min = 2 / math.pi * math.atan(math.exp(-15 / 2))
    t_max = 2 / math.pi * math.atan(math.exp(15 / 2))
    times = [t_max + (t_min - t_max) * i / steps for i in range(steps + 1)]

    def step(i):
        with torch.inference_mode():
            x = torch.randn(batch, c, s, s)
            y = torch.randint(0, null, (batch,))
            for k in range(steps):  # DDIM, eta = 0, guidance in one batched forward
                t, u = times[k], times[k + 1]
                at, st, au, su = math.cos(math.pi * t / 2), math.sin(math.pi * t / 2), math.cos(math.pi * u / 2), math.sin(math.pi * u / 2)
                out = net(torch.cat([x, x]), torch.full((2 * batch,), t), torch.cat([y, torch.full_like(y, null)]))
                v = out[batch:] + scale * (out[:batch] - out[batch:])
                x0, eps = at * x - st * v, st * x + at * v
                x = au * x0 + su * eps
    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("targets", nargs="*", default=["vae", "unet", "encode", "sample"])
    ap.add_argument("--batch", type=int)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sample-steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json")
    ap.add_argument("--channels-last", action="store_true",
                    help="models and image inputs in channels-last (NHWC) memory format (ldm4j's default is contiguous)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = json.load(open(a.config))
    cfg["_channels_last"] = a.channels_last
    rows = []
    for t in a.targets:
        if t == "vae":
            b = a.batch or cfg["vae"]["train"]["batchSize"]
            rows.append(timed(f"vae+disc train step {cfg['data']['resolution']}px", b, a.warmup, a.steps, vae_step(cfg, b)))
        elif t == "unet":
            b = a.batch or cfg["unet"]["train"]["batchSize"]
            rows.append(timed("unet train step", b, a.warmup, a.steps, unet_step(cfg, b)))
        elif t == "encode":
            b = a.batch or cfg["latents"]["batchSize"]
            rows.append(timed("vae encode", b, a.warmup, a.steps, encode_step(cfg, b)))
        elif t == "sample":
            b = a.batch or cfg["sample"]["batchSize"]
            rows.append(timed(f"sample ddim {a.sample_steps} steps", b, min(a.warmup, 1), max(1, min(a.steps, 3)),
                              sample_step(cfg, b, a.sample_steps)))
        print(f"{rows[-1]['name']:34s} {rows[-1]['batch']:6d} {rows[-1]['medianMs']:10.1f} ms "
              f"{rows[-1]['imagesPerSecond']:10.1f} img/s {rows[-1]['peakRssBytes'] / 1e9:6.2f}G", flush=True)
    if a.json:
        json.dump(dict(torch=torch.__version__, threads=a.threads, results=rows), open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
