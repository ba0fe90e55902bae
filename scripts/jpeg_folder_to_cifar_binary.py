"""Convert a CIFAR-10 ImageFolder tree (train/<class>/NNNN.jpg, test/<class>/NNNN.jpg, 32x32) into the
official binary layout cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin packed as tar.gz, to
benchmark and test the `cifar10:PATH` reader on real pixels. Training images are interleaved across
classes like the official batches (image k of class c goes to position k*10+c).

usage: .venv-ref/bin/python scripts/jpeg_folder_to_cifar_binary.py /path/to/cifar10-jpeg /tmp/out
"""
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def records(root, split):
    per_class = [sorted(os.listdir(os.path.join(root, split, c))) for c in CLASSES]
    n = min(len(p) for p in per_class)
    out = []
    for k in range(n):
        for label, c in enumerate(CLASSES):
            img = np.asarray(Image.open(os.path.join(root, split, c, per_class[label][k])).convert("RGB"))
            assert img.shape == (32, 32, 3), img.shape
            out.append(bytes([label]) + img.transpose(2, 0, 1).tobytes())
    return out


def main(root, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    train, test = records(root, "train"), records(root, "test")
    assert len(train) == 50000 and len(test) == 10000
    path = os.path.join(out_dir, "cifar-10-binary.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        files = {f"data_batch_{i + 1}.bin": b"".join(train[i * 10000:(i + 1) * 10000]) for i in range(5)}
        files["test_batch.bin"] = b"".join(test)
        for name, data in files.items():
            info = tarfile.TarInfo("cifar-10-batches-bin/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
