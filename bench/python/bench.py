"""PyTorch side of `bin/ldm4j bench`: the same architectures (scripts/reference), the same steps,
timed the same way (median ms over timed steps after warm-up), for Java/Python ratios. Each row also
gets its GFLOP per step (FlopCounterMode on one extra, untimed step; bench/python/flops.py), GFLOP/s, and
the fraction of this machine's matmul rate in the row's precision, measured like `bin/ldm4j bench`.

usage: .venv-ref/bin/python bench/python/bench.py CONFIG.json [vae unet encode sample] [--batch N]
       [--steps N] [--warmup N] [--sample-steps K] [--threads N] [--matmul-size N] [--precision fp32|bf16]
       [--channels-last] [--json FILE]
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
import dit_reference as D  # noqa: E402
import flops  # noqa: E402

MATMUL_REPEATS = 3


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


def matmul_rate(n):
    """GFLOP/s of an n x n matmul in fp32 and bf16: median of MATMUL_REPEATS after one warm-up (as ldm4j.bench.MatmulRate)."""
    rates = dict(size=n)
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)  # (n, n)
        seconds = []
        for i in range(MATMUL_REPEATS + 1):  # the first is the warm-up
            t0 = time.perf_counter()
            a @ b
            seconds.append(time.perf_counter() - t0)
        rates[name] = 2 * n ** 3 / statistics.median(seconds[1:]) / 1e9
    return rates


def with_flops(row, flop, precision, rate):
    """The row with its precision, GFLOP per step, GFLOP/s and the fraction of the matmul rate (None: not measured)."""
    g = flop / 1e9
    per_second = g / (row["medianMs"] / 1000)
    row.update(precision=precision, gflop=g, gflopPerSecond=per_second,
               matmulFraction=per_second / rate[precision] if rate and flop > 0 else None)
    return row


def autocast(cfg):
    """The forward passes' precision (--precision): bf16 autocast on the CPU, or nothing (fp32). The networks'
    outputs are cast back to fp32 where they leave, so losses, KL and sampler arithmetic stay fp32 (as ldm4j)."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.get("_precision") == "bf16")


def compiled(cfg, m):
    """The module under torch.compile (--compile: inductor; its first steps compile, inside the warm-up)."""
    return torch.compile(m) if cfg.get("_compile") else m


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
    vae_module = layout(cfg, L.Autoencoder(v["model"]))
    disc_module = layout(cfg, L.PatchDiscriminator(v["disc"]))
    ov, od = adamw(vae_module.parameters(), (0.9, 0.999)), adamw(disc_module.parameters(), (0.5, 0.9))
    vae, disc = vae_module, compiled(cfg, disc_module)
    if cfg.get("_compile"):
        vae.encoder, vae.decoder = compiled(cfg, vae.encoder), compiled(cfg, vae.decoder)
    r = cfg["data"]["resolution"]
    loss_cfg = v["loss"]

    def discriminate(images):
        with autocast(cfg):
            logits, feats = disc(images)
        return logits.float(), [f.float() for f in feats]

    def step(i):
        x = layout(cfg, torch.rand(batch, 3, r, r) * 2 - 1)
        with autocast(cfg):
            post = vae.encode(x)
        post = L.DiagonalGaussian(post.mean.float(), post.logvar.float())
        z = post.mean + torch.exp(0.5 * post.logvar) * torch.randn_like(post.mean)
        with autocast(cfg):
            xhat = vae.decode(z)
        xhat = xhat.float()
        noise = loss_cfg.get("instanceNoise", 0.0) * torch.randn_like(x)  # instance noise, as VaeGanStep
        real_logits, real_feats = discriminate(x + noise)
        fake = discriminate(xhat + noise)
        g = L.generator_terms(x, xhat, post, fake, real_feats, loss_cfg["klWeight"], loss_cfg["advWeight"],
                              loss_cfg["fmWeight"], loss_cfg)
        ov.zero_grad()
        g["total"].backward()
        torch.nn.utils.clip_grad_norm_(vae_module.parameters(), 1.0)
        ov.step()
        d = L.disc_terms(real_logits, discriminate(xhat.detach() + noise)[0], loss_cfg)
        od.zero_grad()
        d["loss"].backward()
        torch.nn.utils.clip_grad_norm_(disc_module.parameters(), 1.0)
        od.step()
    return step


def unet_model(cfg):
    """The backbone unet.model.type names: the UNet, or the DiT of unet.model.dit."""
    m = cfg["unet"]["model"]
    c = cfg["vae"]["model"]["latentChannels"]
    vm = cfg["vae"]["model"]
    s = cfg["data"]["resolution"] // (vm["patchSize"] * 2 ** (len(vm["multipliers"]) - 1))
    if m.get("type", "unet") == "dit":
        depth, hidden, heads, patch = D.SIZES[m["dit"]["size"]]
        net = D.DiT(depth, hidden, heads, patch, m["numClasses"], c, s, qk_norm=m["dit"]["qkNorm"])
        return layout(cfg, net), c, s
    net = U.Unet(m["channels"], m["multipliers"], m["resBlocks"], m["attentionResolutions"], m["headChannels"],
                 m["dropout"], m["groups"], m["numClasses"], c, s, patch_size=m.get("patchSize", 1))
    return layout(cfg, net), c, s


def unet_step(cfg, batch):
    module, c, s = unet_model(cfg)
    ema = [p.detach().clone() for p in module.parameters()]
    opt = adamw(module.parameters(), (0.9, 0.999))
    net = compiled(cfg, module)
    classes = cfg["unet"]["model"]["numClasses"]

    def step(i):
        z, eps = torch.randn(batch, c, s, s), torch.randn(batch, c, s, s)
        t = torch.rand(batch)
        y = torch.randint(0, classes + 1, (batch,))
        a = torch.cos(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
        sg = torch.sin(t.double() * math.pi / 2).float().view(-1, 1, 1, 1)
        with autocast(cfg):
            v = net(a * z + sg * eps, t, y)
        v = v.float()
        loss = F.mse_loss(v, a * eps - sg * z)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, module.parameters()):
                e.lerp_(p, 1 - 0.999)
    return step


def encode_step(cfg, batch):
    vae = layout(cfg, L.Autoencoder(cfg["vae"]["model"]).eval())
    r = cfg["data"]["resolution"]

    def step(i):
        with torch.inference_mode(), autocast(cfg):
            vae.encode(layout(cfg, torch.rand(batch, 3, r, r))).mean.float()
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
                with autocast(cfg):
                    out = net(torch.cat([x, x]), torch.full((2 * batch,), t), torch.cat([y, torch.full_like(y, null)]))
                out = out.float()
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
    ap.add_argument("--matmul-size", type=int, default=4096, help="side of the matmul measuring the rate (0: skip)")
    ap.add_argument("--json")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                    help="forward passes in fp32 or under bf16 autocast (outputs back to fp32), as ldm4j's --precision")
    ap.add_argument("--compile", action="store_true",
                    help="the vae and unet training steps' networks under torch.compile (no FLOP count for these rows)")
    ap.add_argument("--channels-last", action="store_true",
                    help="models and image inputs in channels-last (NHWC) memory format (ldm4j's default is contiguous)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = json.load(open(a.config))
    cfg["_channels_last"] = a.channels_last
    cfg["_precision"] = a.precision
    cfg["_compile"] = a.compile
    rate = matmul_rate(a.matmul_size) if a.matmul_size > 0 else None
    if rate:
        print(f"matmul {a.matmul_size}x{a.matmul_size}: fp32 {rate['fp32']:.1f} GFLOP/s, bf16 {rate['bf16']:.1f} GFLOP/s "
              f"(median of {MATMUL_REPEATS})", flush=True)
    rows = []
    for t in a.targets:
        if t == "matmul":  # only the rates (above)
            continue
        if t == "vae":
            b = a.batch or cfg["vae"]["train"]["batchSize"]
            step = vae_step(cfg, b)
            row = timed(f"vae+disc train step {cfg['data']['resolution']}px", b, a.warmup, a.steps, step)
            flop = 0 if a.compile else flops.count(step, 0)[0]  # after the timing: one more step, under the counter
        elif t == "unet":
            b = a.batch or cfg["unet"]["train"]["batchSize"]
            step = unet_step(cfg, b)
            m = cfg["unet"]["model"]
            row = timed(m["dit"]["size"] + " train step" if m.get("type", "unet") == "dit" else "unet train step", b,
                        a.warmup, a.steps, step)
            flop = 0 if a.compile else flops.count(step, 0)[0]
        elif t == "encode":
            b = a.batch or cfg["latents"]["batchSize"]
            step = encode_step(cfg, b)
            row = timed("vae encode", b, a.warmup, a.steps, step)
            flop = flops.count(step, 0)[0]
        elif t == "sample":
            b = a.batch or cfg["sample"]["batchSize"]
            row = timed(f"sample ddim {a.sample_steps} steps", b, min(a.warmup, 1), max(1, min(a.steps, 3)),
                        sample_step(cfg, b, a.sample_steps))
            flop = a.sample_steps * flops.network_call(cfg, 2 * b)[0]  # DDIM, guided: one call on 2B per step
        rows.append(with_flops(row, flop, a.precision, rate))
        r = rows[-1]
        mm = f"{100 * r['matmulFraction']:5.1f}% of mm" if r["matmulFraction"] is not None else ""
        print(f"{r['name']:34s} {r['batch']:6d} {r['medianMs']:10.1f} ms {r['imagesPerSecond']:10.1f} img/s "
              f"{r['peakRssBytes'] / 1e9:6.2f}G {r['precision']} {r['gflop']:9.1f} GFLOP {r['gflopPerSecond']:8.1f} GFLOP/s {mm}",
              flush=True)
    if a.json:
        json.dump(dict(torch=torch.__version__, threads=a.threads, matmul=rate, results=rows), open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
