#!/usr/bin/env python3
"""Why the own-classifier Frechet distance rewards strong guidance: an experiment on real images.

No trained diffusion model is needed. Guidance trades diversity for class evidence; this script builds
sets of REAL CIFAR-10 test images that mimic the two ends of that trade and scores them like `eval` does
(Frechet distance against a reference, k-NN precision/recall with k = 3), in several feature spaces of the
project's classifier (a `bin/ldm4j train-classifier` file):

  prep, layer1, layer2, layer3   stage outputs, average-pooled over space (24/48/96/192 values at default widths)
  penultimate                    layer3 max-pooled: what `eval` measures today
  logits                         the classifier's 10 logits

Sample sets (N = --n, class-balanced, all real test images):
  random        N test images at random (what a perfect generator would give)
  confident     the N/10 test images of each class the classifier is surest of (low diversity, high evidence)
  repeated      --distinct images per class, each repeated to fill N/10 (mode collapse)
  ambiguous     the N/10 test images of each class the classifier is least sure of (true class)
  mixed         pixel averages of a test image and one of another class (blurry, between classes)

It prints, per feature space, the ratio of between-class to within-class variance (trace ratio on the
training set: the share of the Frechet distance's trace that is about class identity), each set's FD,
precision and recall, and the FD of random real test sets of growing size (the small-sample bias), with
several draws at the smallest size. The reference is the whole training split.

Run from the repository root (one core, a few minutes; features are cached beside --cache):
  python scripts/experiments/guidance_features.py --classifier runs/classifier/classifier.safetensors \
      --data path/to/cifar10-jpeg --out guidance-features.json
--data is an ImageFolder root with train/<class>/*.jpg and test/<class>/*.jpg (32x32 images).
Needs torch, numpy and pillow; the network is scripts/reference/classifier_reference.py.
"""
import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import classifier_reference as ref  # noqa: E402

K = 3
SPACES = ["prep", "layer1", "layer2", "layer3", "penultimate", "logits"]
_DT = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file; bounded header, known dtypes only."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise SystemExit(f"error: {path} is too short to be a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > min(len(raw) - 8, 100_000_000):
        raise SystemExit(f"error: {path} has a header of {n} bytes, larger than the file")
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = memoryview(raw)[8 + n:]
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=_DT[h["dtype"]]) if b > a else torch.empty(0, dtype=_DT[h["dtype"]])
        out[name] = t.reshape(h["shape"])
    return out, meta


def load_classifier(path, data_root):
    """A classifier file, or a training checkpoint of one (kind classifier-train: no class names, which
    are then the sorted folder names of the training split, as ldm4j's ImageFolder orders them)."""
    tensors, meta = read_safetensors(path)
    if meta.get("kind") not in ("classifier", "classifier-train"):
        raise SystemExit(f"error: {path} is not an ldm4j classifier file or checkpoint (kind={meta.get('kind')})")
    if "classes" not in meta:
        meta["classes"] = json.dumps(sorted(d.name for d in (data_root / "train").iterdir() if d.is_dir()))
    config = json.loads(meta["config"])
    model = ref.ResNet9(config)
    state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    model.load_state_dict(state, strict=False)
    model.eval()
    return model, json.loads(meta["classes"]), float(meta.get("test_accuracy", "nan")), meta


def load_split(root, classes, limit=None):
    """uint8 (N, 32, 32, 3) and labels (N,), classes in the classifier's order, files sorted; with a
    limit, that many evenly spaced files of the whole list (as ldm4j's Subset.spaced)."""
    files = []
    for c, name in enumerate(classes):
        found = sorted((root / name).glob("*.jpg")) + sorted((root / name).glob("*.png"))
        if not found:
            raise SystemExit(f"error: {root / name} holds no .jpg/.png images: give --data the ImageFolder root")
        files += [(f, c) for f in found]
    if limit is not None and limit < len(files):
        files = [files[i * len(files) // limit] for i in range(limit)]
    images, labels = [], []
    for f, c in files:
        with Image.open(f) as im:
            a = np.asarray(im.convert("RGB"))
        if a.shape != (32, 32, 3):
            raise SystemExit(f"error: {f} is {a.shape[1]}x{a.shape[0]}, expected 32x32 (CIFAR-10)")
        images.append(a)
        labels.append(c)
    return np.stack(images), np.array(labels, dtype=np.int64)


def to_input(u8):
    """uint8 (N, 32, 32, 3) -> float (N, 3, 32, 32) in [-1, 1], as ldm4j's loader."""
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 127.5 - 1


@torch.no_grad()
def features(model, x, chunk=500):
    """Every feature space of (N, 3, 32, 32) images: dict name -> (N, D) float64."""
    out = {s: [] for s in SPACES}
    for i in range(0, x.shape[0], chunk):
        h0 = model.prep(x[i:i + chunk])              # (B, w0, 32, 32)
        h1 = model.layer1(h0)                        # (B, w1, 16, 16)
        h2 = model.layer2(h1)                        # (B, w2, 8, 8)
        h3 = model.layer3(h2)                        # (B, w3, 4, 4)
        pen = torch.amax(h3, dim=(2, 3))             # (B, w3): ResNet9.features
        for name, t in (("prep", h0.mean((2, 3))), ("layer1", h1.mean((2, 3))), ("layer2", h2.mean((2, 3))),
                        ("layer3", h3.mean((2, 3))), ("penultimate", pen),
                        ("logits", ref.LOGIT_SCALE * model.fc(pen))):
            out[name].append(t.double())
    return {k: torch.cat(v) for k, v in out.items()}


def stats(f):
    mu = f.mean(0)
    c = f - mu
    return mu, c.T @ c / (f.shape[0] - 1)


def sqrt_psd(s):
    lam, v = torch.linalg.eigh(s)
    return (v * lam.clamp_min(0).sqrt()) @ v.T


def frechet(a, b):
    """ldm4j's FrechetDistance (symmetric eigendecompositions, float64)."""
    (m1, s1), (m2, s2) = a, b
    r = sqrt_psd(s1)
    inner = r @ s2 @ r
    inner = (inner + inner.T) / 2
    tr = torch.linalg.eigvalsh(inner).clamp_min(0).sqrt().sum()
    return max(float((m1 - m2).square().sum() + s1.trace() + s2.trace() - 2 * tr), 0.0)


def coverage(support, query):
    radii = torch.cdist(support, support).kthvalue(K + 1, dim=1).values      # (Ns,)
    return float((torch.cdist(query, support) <= radii[None]).any(1).double().mean())


def precision_recall(real, fake):
    return coverage(real, fake), coverage(fake, real)


def class_separation(f, y, classes):
    """tr(between-class covariance) / tr(within-class covariance), and the between share of the total."""
    mu = f.mean(0)
    between = within = 0.0
    for c in range(classes):
        fc = f[y == c]
        w = fc.shape[0] / f.shape[0]
        between += w * float((fc.mean(0) - mu).square().sum())
        within += w * float((fc - fc.mean(0)).square().sum(1).mean())
    return between / within, between / (between + within)


def balanced(indices_by_class, per):
    return np.concatenate([idx[:per] for idx in indices_by_class])


def build_sets(test_u8, test_y, p_true, classes, n, distinct, rng):
    per = n // classes
    by_class = [np.flatnonzero(test_y == c) for c in range(classes)]
    sets = {}
    sets["random"] = balanced([rng.permutation(i) for i in by_class], per)
    sets["confident"] = balanced([i[np.argsort(-p_true[i], kind="stable")] for i in by_class], per)
    sets["repeated"] = np.concatenate([np.resize(rng.permutation(i)[:distinct], per) for i in by_class])
    sets["ambiguous"] = balanced([i[np.argsort(p_true[i], kind="stable")] for i in by_class], per)
    u8 = {k: test_u8[v] for k, v in sets.items()}
    # mixed: each image of a random balanced set averaged with a random image of another class
    a = sets["random"]
    other = np.array([rng.choice(np.flatnonzero(test_y != test_y[i])) for i in a])
    u8["mixed"] = ((test_u8[a].astype(np.float32) + test_u8[other].astype(np.float32)) / 2).round().astype(np.uint8)
    return u8


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--classifier", required=True, type=Path)
    ap.add_argument("--data", required=True, type=Path, help="ImageFolder root with train/ and test/")
    ap.add_argument("--n", type=int, default=1000, help="images per compared set (eval's default: 100 per class)")
    ap.add_argument("--distinct", type=int, default=10, help="distinct images per class in the repeated set")
    ap.add_argument("--draws", type=int, default=5, help="random real sets drawn at the smallest size")
    ap.add_argument("--ref-limit", type=int, default=50_000,
                    help="evenly spaced training images as the reference (default: the whole split; eval uses the 10,000 test images)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", type=Path, help="npz of the computed features (reused when present)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args()
    if not 20 <= args.n <= 10_000 or not 1 <= args.distinct <= 1000 or not 100 <= args.ref_limit <= 1_000_000:
        raise SystemExit("error: --n must be 20..10000, --distinct 1..1000 and --ref-limit 100..1000000")
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    model, classes, acc, meta = load_classifier(args.classifier, args.data)
    nc = len(classes)
    t0 = time.time()
    train_u8, train_y = load_split(args.data / "train", classes, args.ref_limit)
    test_u8, test_y = load_split(args.data / "test", classes)
    print(f"decoded {len(train_y)} train + {len(test_y)} test images ({time.time() - t0:.0f} s)", flush=True)

    cached = None
    if args.cache and args.cache.exists():
        z = np.load(args.cache)
        cached = {k: torch.from_numpy(z[k]) for k in z.files}
    if cached is None:
        tr = features(model, to_input(train_u8))
        te = features(model, to_input(test_u8))
        if args.cache:
            np.savez(args.cache, **{f"train.{k}": v.numpy() for k, v in tr.items()},
                     **{f"test.{k}": v.numpy() for k, v in te.items()})
    else:
        tr = {s: cached[f"train.{s}"] for s in SPACES}
        te = {s: cached[f"test.{s}"] for s in SPACES}
    print(f"features done ({time.time() - t0:.0f} s)", flush=True)

    p_test = torch.softmax(te["logits"], 1)                                         # (N, classes), no TTA
    p_true = p_test[torch.arange(len(test_y)), torch.from_numpy(test_y)].numpy()
    test_acc = float((p_test.argmax(1).numpy() == test_y).mean())
    sets = build_sets(test_u8, test_y, p_true, nc, args.n, args.distinct, rng)
    set_feats = {k: features(model, to_input(v)) for k, v in sets.items()}
    set_feats["test_all"] = te

    ref_stats = {s: stats(tr[s]) for s in SPACES}
    real_sub = rng.permutation(len(train_y))[:args.n]                               # k-NN reference, same size
    result = {"classifier": {"file": str(args.classifier), "test_accuracy_tta": acc,
                             "test_accuracy_single_view": test_acc, "epochs": json.loads(meta["config"]).get("epochs"),
                             "widths": json.loads(meta["config"])["widths"]},
              "reference": f"all {len(train_y)} training images", "n": args.n, "distinct": args.distinct,
              "seed": args.seed, "spaces": {}}
    for s in SPACES:
        ratio, share = class_separation(tr[s], torch.from_numpy(train_y), nc)
        row = {"dim": tr[s].shape[1], "between_within_ratio": ratio, "between_share": share,
               "trace_reference": float(ref_stats[s][1].trace()), "sets": {}, "size_bias": {}}
        for name, f in set_feats.items():
            fd = frechet(stats(f[s]), ref_stats[s])
            entry = {"images": f[s].shape[0], "fd": fd}
            if name != "test_all":
                entry["precision"], entry["recall"] = precision_recall(tr[s][real_sub], f[s])
            row["sets"][name] = entry
        sizes = sorted({args.n, 2 * args.n, 5 * args.n, len(test_y)} & set(range(2, len(test_y) + 1)))
        for m in sizes:
            draws = args.draws if m < len(test_y) else 1
            fds = [frechet(stats(te[s][torch.from_numpy(rng.permutation(len(test_y))[:m])]), ref_stats[s])
                   for _ in range(draws)]
            row["size_bias"][str(m)] = {"mean": float(np.mean(fds)), "std": float(np.std(fds)), "draws": draws}
        result["spaces"][s] = row
    report(result)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


def report(r):
    c = r["classifier"]
    print(f"classifier: widths {c['widths']}, test accuracy {c['test_accuracy_tta']:.4f} (6-view TTA), "
          f"{c['test_accuracy_single_view']:.4f} single view; reference {r['reference']}; sets of {r['n']}")
    names = list(next(iter(r["spaces"].values()))["sets"].keys())
    print(f"{'space':12s} {'dim':>4s} {'B/W':>6s} " + " ".join(f"{n:>16s}" for n in names))
    for s, row in r["spaces"].items():
        base = row["sets"]["random"]["fd"]
        cells = [f"{e['fd']:9.4g} ({e['fd'] / base:5.2f})" for e in row["sets"].values()]
        print(f"{s:12s} {row['dim']:4d} {row['between_within_ratio']:6.2f} " + " ".join(f"{x:>16s}" for x in cells))
    print("precision / recall (k = 3) against as many training images:")
    for s, row in r["spaces"].items():
        cells = [f"{e['precision']:.2f}/{e['recall']:.2f}" for n, e in row["sets"].items() if "precision" in e]
        print(f"{s:12s} " + " ".join(f"{x:>16s}" for x in cells))
    print("FD of random real test images vs the training split, by sample count (mean +- std over draws):")
    for s, row in r["spaces"].items():
        print(f"{s:12s} " + "  ".join(f"{m}: {v['mean']:.4g}+-{v['std']:.2g}" for m, v in row["size_bias"].items()))


if __name__ == "__main__":
    main()
