"""Builds ImageNet-like test data from a CIFAR-10 JPEG folder (SRC/train/<class>/*.jpg, SRC/test/<class>/*.jpg).

Ten real ILSVRC2012 WordNet IDs stand in for CIFAR-10's ten classes; each image is upscaled (bicubic) to an
ImageNet-like size and aspect ratio and saved as JPEG (quality 90). Written under OUT (keep it out of git):
  OUT/folders/   train/<wnid>/<wnid>_N.JPEG and val/<wnid>/ILSVRC2012_val_N.JPEG        (val-prep layout)
  OUT/devkit/    train/<wnid>/ and a flat val/ with ILSVRC2012_validation_ground_truth.txt (devkit layout)
  OUT/kaggle/    ILSVRC/Data/CLS-LOC/{train,val}, LOC_val_solution.csv, LOC_synset_mapping.txt (Kaggle layout)
  OUT/mosaics/   high-detail 500x375 JPEGs (q90) tiled from CIFAR-10 test images at native resolution, so that the
                 JPEG entropy resembles photographs: the decode benchmark's input
The three layouts share files through hard links. Shards: bin/ldm4j shards --data imagenet:OUT/folders --out OUT/shards
Usage: python scripts/make_imagenet_like.py SRC OUT [--train-per-class 50] [--val-per-class 10] [--mosaics 300]
"""
import argparse
import os
import random

from PIL import Image

# CIFAR-10 class -> a WordNet ID whose ImageNet class fits it
STAND_INS = {
    "airplane": "n02690373",    # airliner
    "automobile": "n04285008",  # sports car
    "bird": "n01558993",        # robin
    "cat": "n02123045",         # tabby
    "deer": "n02422699",        # impala
    "dog": "n02099601",         # golden retriever
    "frog": "n01641577",        # bullfrog
    "horse": "n02389026",       # sorrel
    "ship": "n03095699",        # container ship
    "truck": "n04467665",       # trailer truck
}
SIZES = [(500, 375), (375, 500), (500, 333), (333, 500), (400, 400), (500, 281), (640, 480), (450, 350), (353, 500)]


def devkit_ids(repo):
    ids, names = {}, {}
    with open(os.path.join(repo, "src/main/resources/ldm4j/data/imagenet1k_classes.tsv")) as f:
        for line in f:
            _, wnid, ident, text = line.rstrip("\n").split("\t", 3)
            ids[wnid] = int(ident)
            names[wnid] = text
    return ids, names


def upscale(src, dst, rng):
    w, h = rng.choice(SIZES)
    with Image.open(src) as im:
        im.convert("RGB").resize((w, h), Image.BICUBIC).save(dst, "JPEG", quality=90)


def link(a, b):
    os.makedirs(os.path.dirname(b), exist_ok=True)
    if not os.path.exists(b):
        os.link(a, b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--train-per-class", type=int, default=50)
    ap.add_argument("--val-per-class", type=int, default=10)
    ap.add_argument("--mosaics", type=int, default=300)
    a = ap.parse_args()
    rng = random.Random(23)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ids, names = devkit_ids(repo)
    out = a.out
    folders, devkit, kaggle = (os.path.join(out, x) for x in ("folders", "devkit", "kaggle"))
    kaggle_cls = os.path.join(kaggle, "ILSVRC/Data/CLS-LOC")
    truth, solution = {}, []
    number = 0
    for cls, wnid in sorted(STAND_INS.items()):
        files = sorted(os.listdir(os.path.join(a.src, "train", cls)))[: a.train_per_class]
        for i, f in enumerate(files):
            dst = os.path.join(folders, "train", wnid, "%s_%d.JPEG" % (wnid, i))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            upscale(os.path.join(a.src, "train", cls, f), dst, rng)
            link(dst, os.path.join(devkit, "train", wnid, os.path.basename(dst)))
            link(dst, os.path.join(kaggle_cls, "train", wnid, os.path.basename(dst)))
        tests = sorted(os.listdir(os.path.join(a.src, "test", cls)))[: a.val_per_class]
        for f in tests:
            number += 1
            name = "ILSVRC2012_val_%08d.JPEG" % number
            dst = os.path.join(folders, "val", wnid, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            upscale(os.path.join(a.src, "test", cls, f), dst, rng)
            link(dst, os.path.join(devkit, "val", name))
            link(dst, os.path.join(kaggle_cls, "val", name))
            truth[number] = ids[wnid]
            solution.append("%s,%s 0 0 100 100" % (name[:-5], wnid))
    with open(os.path.join(devkit, "ILSVRC2012_validation_ground_truth.txt"), "w") as f:
        for n in range(1, number + 1):
            f.write("%d\n" % truth[n])
    with open(os.path.join(kaggle, "LOC_val_solution.csv"), "w") as f:
        f.write("ImageId,PredictionString\n" + "\n".join(solution) + "\n")
    with open(os.path.join(kaggle, "LOC_synset_mapping.txt"), "w") as f:
        for wnid in sorted(STAND_INS.values()):
            f.write("%s %s\n" % (wnid, names[wnid]))
    # mosaics: 500x375 of 32x32 CIFAR-10 test tiles (16 x 12 tiles, cropped), JPEG q90
    tiles = []
    for cls in sorted(STAND_INS):
        d = os.path.join(a.src, "test", cls)
        tiles += [os.path.join(d, f) for f in sorted(os.listdir(d))[:400]]
    os.makedirs(os.path.join(out, "mosaics", "train", "mosaic"), exist_ok=True)
    for m in range(a.mosaics):
        canvas = Image.new("RGB", (512, 384))
        for ty in range(12):
            for tx in range(16):
                with Image.open(rng.choice(tiles)) as t:
                    canvas.paste(t.convert("RGB"), (tx * 32, ty * 32))
        canvas.crop((0, 0, 500, 375)).save(os.path.join(out, "mosaics", "train", "mosaic", "m%04d.jpg" % m), "JPEG",
                                          quality=90)
    print("wrote %d train and %d val images per layout under %s, and %d mosaics" % (
        a.train_per_class * 10, number, out, a.mosaics))


if __name__ == "__main__":
    main()
