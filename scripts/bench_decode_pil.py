"""The Python twin of 'bin/ldm4j data --measure' at 256 px: PIL decode + ADM's center_crop_arr on the same JPEGs, on
one core, as images/s. Also times decode alone, so the crop's share shows, and ADM's whole training-loader item
(guided_diffusion/image_datasets.py: file read, decode, center_crop_arr, random flip, float32 in [-1, 1], CHW) with
batches of 32 stacked, which is the work 'bin/ldm4j data --measure' times.
Usage: python scripts/bench_decode_pil.py FOLDER [--size 256] [--repeat 2]   (FOLDER: JPEGs, searched recursively)
Run it on a quiet machine, pinned to one core:  taskset -c 0 python scripts/bench_decode_pil.py ...
"""
import argparse
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
from adm_crop import center_crop_arr  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("folder")
ap.add_argument("--size", type=int, default=256)
ap.add_argument("--repeat", type=int, default=2)
a = ap.parse_args()
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(a.folder) for f in fs
               if f.lower().endswith((".jpg", ".jpeg")))
data = [open(f, "rb").read() for f in files]  # bytes in memory: the file cache is not what is timed


def run(crop):
    t0 = time.perf_counter()
    for _ in range(a.repeat):
        for b in data:
            with Image.open(io.BytesIO(b)) as im:
                im = im.convert("RGB")
                if crop:
                    center_crop_arr(im, a.size)
                else:
                    im.load()
    return len(data) * a.repeat / (time.perf_counter() - t0)


def loader(batch=32):
    """ADM's ImageDataset.__getitem__ for every file, and the collation of each batch (np.stack)."""
    t0 = time.perf_counter()
    n = 0
    for _ in range(a.repeat):
        items = []
        for i, f in enumerate(files):
            with open(f, "rb") as fh:
                im = Image.open(fh)
                im.load()
            arr = center_crop_arr(im.convert("RGB"), a.size)
            if i % 2:  # ADM flips with probability 0.5
                arr = arr[:, ::-1]
            items.append(np.transpose(arr.astype(np.float32) / 127.5 - 1, [2, 0, 1]))
            if len(items) == batch:
                np.stack(items)
                n += batch
                items = []
    return n / (time.perf_counter() - t0)


run(True)  # warm-up
dec = run(False)
both = run(True)
item = loader()
print("PIL %s: %d files x %d: decode %.0f images/s, decode + ADM crop to %d: %.0f images/s, ADM loader items "
      "(read, decode, crop, flip, float CHW, batches of 32): %.0f images/s (one core)" % (
          Image.__version__ if hasattr(Image, "__version__") else "", len(data), a.repeat, dec, a.size, both, item))
