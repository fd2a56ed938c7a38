"""A seeded random 80/20 split of a MovieLens u.data file into OUT/train.data and OUT/test.data,
the split benchmarks/accuracy.sh and benchmarks/knn.sh hand to cinemesh and Surprise alike.

    python3 benchmarks/random_split.py U.DATA OUT SEED
"""
import random
import sys

src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src).read().splitlines()
rng = random.Random(seed)
rng.shuffle(lines)
cut = int(len(lines) * 0.8)
open(f"{out}/train.data", "w").write("\n".join(lines[:cut]) + "\n")
open(f"{out}/test.data", "w").write("\n".join(lines[cut:]) + "\n")
