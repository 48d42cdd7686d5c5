"""Shared fixtures of the trainer tests: small generated WebDataset shards, CSV files and
labelled sets, and a way to run the trainer's command line in a subprocess."""

import io
import json
import os
import subprocess
import sys
import tarfile

import numpy as np
from PIL import Image

TRAINER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINER_DIR not in sys.path:
    sys.path.insert(0, TRAINER_DIR)

CLASSNAMES = ["circle", "square", "cross", "stripe"]

# A model small enough for a few dozen steps in seconds.
TEST_MODEL = {
    "preset": "tiny",
    "vision_width": 32,
    "vision_layers": 1,
    "vision_heads": 2,
    "text_width": 32,
    "text_layers": 1,
    "text_heads": 2,
    "embed_dim": 32,
    "mlp_ratio": 2,
    "context_length": 24,
}


def class_image(label, rng):
    """A 28x28 grayscale picture whose bright region depends on the class, with noise."""
    img = rng.integers(0, 40, size=(28, 28)).astype(np.uint8)
    if label == 0:
        yy, xx = np.mgrid[:28, :28]
        img[(yy - 14) ** 2 + (xx - 14) ** 2 < 64] = 230
    elif label == 1:
        img[6:22, 6:22] = 230
    elif label == 2:
        img[12:16, :] = 230
        img[:, 12:16] = 230
    else:
        img[:, 4:8] = 230
        img[:, 18:22] = 230
    return img


def png_bytes(array):
    buf = io.BytesIO()
    Image.fromarray(array, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def add_member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write_shards(folder, n, shards=2, seed=0, prefix="pool", captions=None, labels=True):
    """n samples over `shards` tar files: <key>.png, <key>.txt ("a photo of a <class>"), and with
    labels a <key>.cls. Returns (paths, keys, labels)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths, keys, ys = [], [], []
    per = (n + shards - 1) // shards
    for s in range(shards):
        path = os.path.join(folder, "%s-%06d.tar" % (prefix, s))
        with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
            for i in range(s * per, min(n, (s + 1) * per)):
                y = int(rng.integers(0, len(CLASSNAMES)))
                key = "%s%06d" % (prefix[0], i)
                caption = captions(i, y) if captions else "a photo of a %s" % CLASSNAMES[y]
                add_member(tar, key + ".png", png_bytes(class_image(y, rng)))
                add_member(tar, key + ".txt", caption.encode("utf-8"))
                if labels:
                    add_member(tar, key + ".cls", str(y).encode("ascii"))
                keys.append(key)
                ys.append(y)
        paths.append(path)
    return paths, keys, ys


def write_csv(folder, n, seed=0, separator=","):
    os.makedirs(os.path.join(folder, "img"), exist_ok=True)
    rng = np.random.default_rng(seed)
    name = "pairs.tsv" if separator == "\t" else "pairs.csv"
    path = os.path.join(folder, name)
    ys = []
    with open(path, "w", encoding="utf-8") as f:
        f.write(separator.join(["filepath", "title", "label"]) + "\n")
        for i in range(n):
            y = int(rng.integers(0, len(CLASSNAMES)))
            Image.fromarray(class_image(y, rng), mode="L").save(os.path.join(folder, "img", "%d.png" % i))
            f.write(separator.join(["img/%d.png" % i, "a photo of a %s" % CLASSNAMES[y], str(y)]) + "\n")
            ys.append(y)
    return path, ys


def write_model_config(folder, overrides=None):
    cfg = dict(TEST_MODEL)
    cfg.update(overrides or {})
    path = os.path.join(folder, "model.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    return path


def run_trainer(args, check=True):
    """Runs `python3 -m metacurate_trainer ARGS`; returns the CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = TRAINER_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "metacurate_trainer"] + [str(a) for a in args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError("trainer failed (%d):\n%s" % (proc.returncode, proc.stderr))
    return proc


def read_jsonl(path):
    with open(path, "r", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_json(path):
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)
