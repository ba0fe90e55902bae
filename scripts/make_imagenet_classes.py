"""Writes src/main/resources/ldm4j/data/imagenet1k_classes.tsv: the 1,000 ILSVRC2012 classes, one per line in
sorted-WNID order (line i = class index i, torchvision's and ADM's convention), with the devkit's ILSVRC2012_ID
(meta.mat order, 1..1000: ID 1 is n02119789 kit fox) and the human names:

    index <TAB> wnid <TAB> ILSVRC2012_ID <TAB> names (comma-separated, first one is the short name)

Both inputs are public tables distributed with ImageNet tooling:
  map_clsloc.txt           "WNID ILSVRC2012_ID name" in devkit order (the ILSVRC2012 devkit's meta.mat, as
                           shipped in public repositories, e.g. wisetrue95/Classification2020 data/map_clsloc.txt)
  LOC_synset_mapping.txt   "WNID names" in sorted order (Kaggle's ImageNet localization release, e.g.
                           JasmineLi-805/res18 LOC_synset_mapping.txt, whose copy makes the short names unique:
                           crane_bird / crane, maillot_1 / maillot_2)
Usage: python scripts/make_imagenet_classes.py MAP_CLSLOC.txt LOC_SYNSET_MAPPING.txt
"""
import sys

devkit = {}
for line in open(sys.argv[1]).read().split("\n"):
    if line.strip():
        wnid, ident, _ = line.split(" ", 2)
        devkit[wnid] = int(ident)
names = {}
order = []
for line in open(sys.argv[2]).read().split("\n"):
    if line.strip():
        wnid, text = line.split(" ", 1)
        names[wnid] = text.strip()
        order.append(wnid)
assert len(devkit) == 1000 and sorted(devkit.values()) == list(range(1, 1001)), "devkit table is not IDs 1..1000"
assert order == sorted(order) and set(order) == set(devkit), "synset mapping is not the sorted 1,000 devkit WNIDs"
assert devkit["n02119789"] == 1 and order[0] == "n01440764" and names["n01440764"].startswith("tench")
with open("src/main/resources/ldm4j/data/imagenet1k_classes.tsv", "w") as f:
    for i, wnid in enumerate(order):
        assert "\t" not in names[wnid]
        f.write("%d\t%s\t%d\t%s\n" % (i, wnid, devkit[wnid], names[wnid]))
print("wrote 1000 classes")
