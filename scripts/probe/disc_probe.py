"""Probe: how well can a fresh patch discriminator separate real images from a trained VAE's
reconstructions, with and without instance noise / input downsampling? The VAE is frozen, so the
accuracy is an upper bound of what happens in training (the generator does not push back here).

usage: .venv-ref/bin/python scripts/probe/disc_probe.py RUN_DIR DATA_FOLDER [--steps 300]
"""
import argparse, json, os, sys, time, random
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
import ldm_reference as L  # noqa: E402


def load_images(folder, n, seed):
    classes = sorted(os.listdir(folder))
    files = [os.path.join(folder, c, f) for c in classes for f in sorted(os.listdir(os.path.join(folder, c)))]
    random.Random(seed).shuffle(files)
    out = []
    for p in files[:n]:
        im = Image.open(p).convert("RGB").resize((64, 64), Image.BICUBIC)
        out.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
    return torch.stack(out).float().div(127.5).sub(1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run"); ap.add_argument("data")
    ap.add_argument("--steps", type=int, default=300); ap.add_argument("--n", type=int, default=6400)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = os.path.join(a.run, "checkpoints", "vae", "last.safetensors")
    t = load_file(ck)
    with safe_open(ck, "pt") as f:
        cfg = json.loads(f.metadata()["config"])["vae"]
    ae = L.Autoencoder(cfg["model"]); ae.load_state_dict({k[4:]: v for k, v in t.items() if k.startswith("vae.")})
    ae.eval()
    x = load_images(os.path.join(a.data, "train"), a.n, 0)
    xt = load_images(os.path.join(a.data, "test"), 640, 1)
    with torch.no_grad():
        rec = lambda im: torch.cat([ae.decode(ae.encode(im[i:i + 256]).mean) for i in range(0, len(im), 256)])
        xh, xth = rec(x), rec(xt)
    print(f"recon mse train {F.mse_loss(xh, x).item():.5f} test {F.mse_loss(xth, xt).item():.5f}", flush=True)
    for sigma, down in [(0.0, False), (0.0, True), (0.05, False), (0.1, False), (0.2, False), (0.1, True)]:
        torch.manual_seed(0)
        d = L.PatchDiscriminator(cfg["disc"])
        opt = torch.optim.AdamW(d.parameters(), lr=1e-3, betas=(0.5, 0.9), weight_decay=0.0)
        g = torch.Generator().manual_seed(1)
        prep = lambda im, e: (F.avg_pool2d(im, 2) if down else im) + sigma * e
        accs = []
        t0 = time.time()
        for s in range(a.steps):
            idx = torch.randint(0, len(x), (64,), generator=g)
            r, f = x[idx], xh[idx]
            e = torch.randn(r.shape if not down else (64, 3, 32, 32), generator=g)
            lr_, lf_ = d(prep(r, e))[0], d(prep(f, e))[0]
            loss = F.relu(1 - lr_).mean() + F.relu(1 + lf_).mean()
            opt.zero_grad(); loss.backward(); opt.step()
            accs.append(((lr_ > 0).float().mean() + (lf_ < 0).float().mean()).item() / 2)
        with torch.no_grad():
            e = torch.randn((640, 3, 64, 64) if not down else (640, 3, 32, 32), generator=g)
            lr_, lf_ = d(prep(xt, e))[0], d(prep(xth, e))[0]
            held = ((lr_ > 0).float().mean() + (lf_ < 0).float().mean()).item() / 2
            hl = (F.relu(1 - lr_).mean() + F.relu(1 + lf_).mean()).item()
        print(f"sigma {sigma:<4} down {str(down):5}: train acc last 50 steps {np.mean(accs[-50:]):.3f}, "
              f"loss {loss.item():.3f}; held-out acc {held:.3f} loss {hl:.3f}; {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
