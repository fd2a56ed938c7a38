#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets (deploy/fuzz.sh), one folder a target, from
real files made at run time: small datasets and models from `cinemesh generate`, `ingest` and
`train`, the heads of the shared MovieLens and Netflix files when present, and protocol messages
as PROTOCOL.md lays them out. Only small files become seeds: nothing of the shared data is copied
into the repository, and no seed is larger than 16 KiB.

Usage: deploy/fuzz-seeds.py --cinemesh BIN --out DIR [--data SHARED]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

# The largest binary file kept as a seed: bigger ones slow every mutation down.
MAX_SEED_BYTES = 16 << 10
# Lines of each shared text file used, for the datasets and the delimited seeds.
HEAD_LINES = 40
# The largest delimited seed (cut at a line end): the reader runs with buffers of 8 bytes up, so
# a longer text only costs time per input.
MAX_TEXT_SEED_BYTES = 1 << 10


def head(path, lines, out):
    """The first `lines` lines of `path` (bytes as they are), written to `out`."""
    with open(path, "rb") as f:
        kept = [f.readline() for _ in range(lines)]
    with open(out, "wb") as f:
        f.write(b"".join(kept))


def run(cinemesh, *args):
    subprocess.run([cinemesh, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_datasets(cinemesh, data, work):
    """Datasets and models of a few hundred ratings: generated, and from the shared files' heads."""
    datasets = []
    generated = os.path.join(work, "generated")
    run(cinemesh, "generate", "--ratings", "300", "--users", "40", "--items", "20", "--grid", "2x2", "--seed", "7",
        "--dataset", generated)
    datasets.append(generated)
    if data and os.path.isdir(os.path.join(data, "ml-100k")):
        source = os.path.join(work, "src-ml-100k")
        os.makedirs(source)
        for name, lines in [("u.data", 300), ("u.item", 60), ("u.user", 40), ("u.genre", 30), ("u.occupation", 30)]:
            head(os.path.join(data, "ml-100k", name), lines, os.path.join(source, name))
        datasets.append(os.path.join(work, "ml-100k"))
        run(cinemesh, "ingest", source, "--out", datasets[-1], "--on-bad-row", "skip")
    if data and os.path.isdir(os.path.join(data, "ml-latest-small")):
        source = os.path.join(work, "src-ml-latest-small")
        os.makedirs(source)
        for name, lines in [("ratings.csv", 300), ("movies.csv", 80), ("tags.csv", 100)]:
            head(os.path.join(data, "ml-latest-small", name), lines, os.path.join(source, name))
        datasets.append(os.path.join(work, "ml-latest-small"))
        run(cinemesh, "ingest", source, "--out", datasets[-1], "--on-bad-row", "skip")
    titles = data and os.path.join(data, "netflix-titles", "netflix_titles.csv")
    if titles and os.path.isfile(titles):
        # Text ids on both sides (show ids, types) and a catalog of string lists.
        # (Under its own name the file is a catalog without ratings, a dataset of its own.)
        source = os.path.join(work, "titles.csv")
        head(titles, HEAD_LINES, source)
        datasets.append(os.path.join(work, "netflix-text-ids"))
        run(cinemesh, "ingest", source, "--format", "csv", "--columns", "user=show_id,item=type,rating=release_year",
            "--scale", "1900:2100", "--out", datasets[-1], "--on-bad-row", "skip")
        catalog = os.path.join(work, "netflix_titles.csv")
        head(titles, 12, catalog)
        datasets.append(os.path.join(work, "netflix-titles"))
        run(cinemesh, "ingest", catalog, "--out", datasets[-1], "--on-bad-row", "skip")
    models = []
    for algo, factors in [("svd", "3"), ("als-implicit", "2"), ("baseline", "1")]:
        models.append(os.path.join(work, f"{algo}.cmm"))
        run(cinemesh, "train", generated, "--algo", algo, "--factors", factors, "--epochs", "2", "--split", "none",
            "--save", models[-1])
    return datasets, models


def keep(paths, folder):
    """Copies the small files among `paths` into `folder`, named after their dataset and file."""
    os.makedirs(folder, exist_ok=True)
    for path in paths:
        if os.path.getsize(path) <= MAX_SEED_BYTES:
            parent = os.path.basename(os.path.dirname(path))
            if parent == "blocks":
                parent = os.path.basename(os.path.dirname(os.path.dirname(path)))
            shutil.copy(path, os.path.join(folder, f"{parent}-{os.path.basename(path)}"))


def files(dataset, suffix):
    found = []
    for directory, _, names in os.walk(dataset):
        found += [os.path.join(directory, n) for n in sorted(names) if n.endswith(suffix)]
    return found


def header(command):
    """The 6-byte header frame: "CMSH", protocol version 2, the command."""
    return b"CMSH" + bytes([2, command])


def frames(*parts):
    """One fuzz input of the frame target: each frame a little-endian u16 length and its bytes."""
    return b"".join(struct.pack("<H", len(p)) + p for p in parts)


def body(value):
    return json.dumps(value, separators=(",", ":")).encode()


TASK = {"job": 3, "task": 12, "attempt": 14, "kind": "sgd-block", "stage": "epoch-1",
        "parameters": {"factors": "64", "learningRate": "3c23d70a", "seed": "42"},
        "files": [{"xxh64": "a046a2bef31b01a4", "bytes": 1320, "name": "blocks/block-r0000-c0000.shard"}], "priority": 1}
RESULT = {"job": 3, "task": 12, "attempt": 14, "output": {"sse": "3ff0000000000000", "count": "1320"}, "seconds": 0.0125}
FAILED = {"job": 3, "task": 12, "attempt": 14, "message": "blocks/block-r0000-c0000.shard: checksum mismatch", "retryable": True,
          "notReady": True}
FOLD_IN = {"ratings": [{"item": "50", "rating": 5}, {"item": 181, "rating": 3.5}], "n": 10, "genre": "Drama",
           "country": None, "year_from": 1990, "year_to": 2000}
NOTICE = {"version": 4, "name": "ml-100k/svd", "algorithm": "svd", "dataset": "ml-100k", "file": "model-4.cmm", "bytes": 5836,
          "xxh64": "19348ebfb4e4a091", "createdAt": "2025-01-02T03:04:05Z"}


def messages():
    """One message of every command, bodies as docs/PROTOCOL.md gives them."""
    floats = struct.pack("<4f", 1.0, -0.5, 3.25, 0.0)
    return {
        "ready": frames(header(0x01), body({"workerId": "w-1a2b", "host": "box", "pid": 4242,
                                           "capacity": {"cores": 2, "memoryBytes": 1 << 33, "diskFreeBytes": 1 << 35},
                                           "cached": ["a046a2bef31b01a4"], "slots": 2})),
        "welcome": frames(header(0x02), body({"coordinatorId": "c-9", "heartbeatMilliseconds": 1000, "liveness": 5,
                                             "chunkBytes": 1 << 20, "window": 4})),
        "heartbeat": frames(header(0x03), b""),
        "task": frames(header(0x04), body(TASK), floats),
        "fetch": frames(header(0x05), body({"xxh64": "a046a2bef31b01a4", "offset": 0, "length": 1 << 20})),
        "chunk": frames(header(0x06), body({"xxh64": "a046a2bef31b01a4", "offset": 0}), b"CMSHARD\0" + bytes(16)),
        "chunk-error": frames(header(0x06), body({"xxh64": "a046a2bef31b01a4", "offset": 0, "error": "no such file"})),
        "result": frames(header(0x07), body(RESULT), floats, floats),
        "failed": frames(header(0x08), body(FAILED)),
        "disconnect": frames(header(0x09), body({"reason": "shutting down"})),
        "error": frames(header(0x0A), body({"code": "malformed", "message": "malformed TASK: body lacks field 'job'"})),
        "error-other-version": frames(b"CMSH" + bytes([1, 0x0A]), body({"code": "version-mismatch", "message": "v1"})),
        "job-ended": frames(header(0x0B), body({"job": 3})),
        "submit": frames(header(0x20), body({"type": "stats", "dataset": "ml-100k", "parameters": {"grid": "4x4"}})),
        "list-jobs": frames(header(0x21), body({"limit": 20})),
        "job-status": frames(header(0x22), body({"job": 3})),
        "cancel": frames(header(0x23), body({"job": 3})),
        "list-workers": frames(header(0x24), b""),
        "watch-models": frames(header(0x25), body({"newest": 3, "names": ["ml-100k/svd"]})),
        "watching": frames(header(0x26), body({"coordinatorId": "c-9", "heartbeatMilliseconds": 1000, "liveness": 5,
                                              "chunkBytes": 1 << 20, "window": 4, "newest": NOTICE})),
        "model-published": frames(header(0x27), body(NOTICE)),
    }


def bodies():
    """Inputs of the body target: a byte picking the reader, then the body, plain and not."""
    seeds = {}
    for selector, name, value in [(0, "task", TASK), (1, "result", RESULT), (2, "failed", FAILED), (3, "fold-in", FOLD_IN)]:
        seeds[name] = bytes([selector]) + body(value)
        seeds[name + "-spaced"] = bytes([selector]) + json.dumps(value, indent=1).encode()
        seeds[name + "-escaped"] = bytes([selector]) + json.dumps(value, ensure_ascii=True).replace('"3', '"\\u0033').encode()
    seeds["task-no-priority"] = bytes([0]) + body({k: v for k, v in TASK.items() if k != "priority"})
    seeds["result-exponent"] = bytes([1]) + body(dict(RESULT, seconds=1.5e-7))
    return seeds


def write_delimited(cinemesh, data, work, folder):
    """The heads of real delimited files, each with the settings byte its format wants (bit 0
    quoting; bits 1-2 the delimiter: tab, comma, '::', '|'; bits 3-5 the buffer)."""
    os.makedirs(folder)
    generated = os.path.join(work, "generated-csv")
    run(cinemesh, "generate", "--ratings", "300", "--users", "40", "--items", "20", "--seed", "7", "--csv", generated)
    tab, comma, colons, pipe = 0, 1, 2, 3
    sources = [("generated-ratings", os.path.join(generated, "ratings.csv"), comma, True),
               ("generated-movies", os.path.join(generated, "movies.csv"), comma, True)]
    if data:
        sources += [("ml-100k-u.data", os.path.join(data, "ml-100k", "u.data"), tab, False),
                    ("ml-100k-u.item", os.path.join(data, "ml-100k", "u.item"), pipe, False),
                    ("ml-latest-small-ratings", os.path.join(data, "ml-latest-small", "ratings.csv"), comma, True),
                    ("ml-latest-small-movies", os.path.join(data, "ml-latest-small", "movies.csv"), comma, True),
                    ("netflix-titles", os.path.join(data, "netflix-titles", "netflix_titles.csv"), comma, True)]
    for name, path, delimiter, quoting in sources:
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            text = b"".join(f.readline() for _ in range(HEAD_LINES))
        if len(text) > MAX_TEXT_SEED_BYTES:
            text = text[:text.rfind(b"\n", 0, MAX_TEXT_SEED_BYTES) + 1]
        variants = {name: text}
        if delimiter == tab:
            # MovieLens 1M's layout, and the same file written on Windows with a byte-order mark.
            variants[name + "-colons"] = text.replace(b"\t", b"::")
            variants[name + "-crlf-bom"] = b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n")
        for variant, content in variants.items():
            d = colons if variant.endswith("-colons") else delimiter
            for buffer in (0, 3, 7):
                settings = int(quoting) | d << 1 | buffer << 3
                with open(os.path.join(folder, f"{variant}-b{8 << buffer}"), "wb") as f:
                    f.write(bytes([settings]) + content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cinemesh", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--data")
    args = parser.parse_args()
    work = os.path.join(args.out, "work")
    os.makedirs(work)
    datasets, models = make_datasets(args.cinemesh, args.data, work)
    for target, suffix in [("shard", ".shard"), ("table", ".table"), ("idmap", ".idmap")]:
        keep([f for d in datasets for f in files(d, suffix)], os.path.join(args.out, target))
    keep(models, os.path.join(args.out, "model"))
    for target, seeds in [("frames", messages()), ("bodies", bodies())]:
        os.makedirs(os.path.join(args.out, target))
        for name, seed in seeds.items():
            with open(os.path.join(args.out, target, name), "wb") as f:
                f.write(seed)
    write_delimited(args.cinemesh, args.data, work, os.path.join(args.out, "delimited"))
    shutil.rmtree(work)
    for target in sorted(os.listdir(args.out)):
        print(f"  {target:10} {len(os.listdir(os.path.join(args.out, target)))} seeds")


if __name__ == "__main__":
    sys.exit(main())
