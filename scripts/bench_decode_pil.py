"""The Python twin of 'bin/ldm4j data --measure' at 256 px: PIL decode + ADM's center_crop_arr on the same JPEGs, on
one core, as images/s. Also times decode alone, so the crop's share shows.
Usage: python scripts/bench_decode_pil.py FOLDER [--size 256] [--repeat 2]   (FOLDER: JPEGs, searched recursively)
Run it on a quiet machine, pinned to one core:  taskset -c 0 python scripts/bench_decode_pil.py ...
"""
import argparse
import os
import time

import numpy as np
from PIL import Image


def center_crop_arr(pil_image, image_size):
    while min(*pil_image.size) >= 2 * image_size:
        pil_image = pil_image.resize(tuple(x // 2 for x in pil_image.size), resample=Image.BOX)
    scale = image_size / min(*pil_image.size)
    pil_image = pil_image.resize(tuple(round(x * scale) for x in pil_image.size), resample=Image.BICUBIC)
    arr = np.array(pil_image)
    crop_y = (arr.shape[0] - image_size) // 2
    crop_x = (arr.shape[1] - image_size) // 2
    return arr[crop_y: crop_y + image_size, crop_x: crop_x + image_size]


ap = argparse.ArgumentParser()
ap.add_argument("folder")
ap.add_argument("--size", type=int, default=256)
ap.add_argument("--repeat", type=int, default=2)
a = ap.parse_args()
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(a.folder) for f in fs
               if f.lower().endswith((".jpg", ".jpeg")))
data = [open(f, "rb").read() for f in files]  # bytes in memory: the file cache is not what is timed
import io


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


run(True)  # warm-up
dec = run(False)
both = run(True)
print("PIL %s: %d files x %d: decode %.0f images/s, decode + ADM crop to %d: %.0f images/s (one core)" % (
    Image.__version__ if hasattr(Image, "__version__") else "", len(data), a.repeat, dec, a.size, both))
