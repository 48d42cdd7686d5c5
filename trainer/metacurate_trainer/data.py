"""Training and evaluation data: WebDataset shards or CSV files, decoded once into memory
(uint8 images, token ids), and the batch stream: a fresh permutation per epoch, or with online
balancing a fresh balanced draw per epoch, both fixed by (seed, epoch) so that a resumed run sees
the same batches as an uninterrupted one."""

import csv
import glob
import hashlib
import io
import json
import os
import re
import sys
import tarfile

import numpy as np
import torch
from PIL import Image

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "pgm", "ppm")


class DataError(Exception):
    """Bad or missing training data; the CLI prints it and exits with status 1."""


# ---------------------------------------------------------------------------------------------
# Paths

_BRACES = re.compile(r"\{(\d+)\.\.(\d+)\}")


def expand_braces(spec):
    """`shard-{000..003}.tar` -> shard-000.tar ... shard-003.tar (WebDataset's brace notation)."""
    m = _BRACES.search(spec)
    if not m:
        return [spec]
    first, last = m.group(1), m.group(2)
    width = len(first)
    out = []
    for i in range(int(first), int(last) + 1):
        out.extend(expand_braces(spec[: m.start()] + str(i).zfill(width) + spec[m.end():]))
    return out


def resolve_paths(specs, extensions):
    """Files named by specs: each a file, a glob, a brace range, a folder (its files with one of
    `extensions`, sorted), or several of those joined with `::` as OpenCLIP writes them."""
    files = []
    for spec in specs:
        for part in spec.split("::"):
            for item in expand_braces(part):
                if os.path.isdir(item):
                    found = sorted(
                        os.path.join(item, n)
                        for n in os.listdir(item)
                        if n.lower().endswith(tuple("." + e for e in extensions))
                    )
                elif any(c in item for c in "*?["):
                    found = sorted(glob.glob(item))
                else:
                    found = [item]
                if not found:
                    raise DataError("no data files match %r" % item)
                for f in found:
                    if not os.path.isfile(f):
                        raise DataError("data file not found: %s" % f)
                files.extend(found)
    return files


def detect_type(files, dataset_type):
    if dataset_type != "auto":
        return dataset_type
    kinds = set()
    for f in files:
        lower = f.lower()
        if lower.endswith(".tar"):
            kinds.add("webdataset")
        elif lower.endswith((".csv", ".tsv")):
            kinds.add("csv")
        else:
            raise DataError("cannot tell the dataset type of %s: pass --dataset-type" % f)
    if len(kinds) != 1:
        raise DataError("the data files mix WebDataset shards and CSV files")
    return kinds.pop()


# ---------------------------------------------------------------------------------------------
# Images


def decode_image(data, channels, size):
    """Encoded image bytes -> uint8 array [channels, size, size]: converted to L or RGB, the
    shorter side resized to `size` (bicubic) and centre-cropped when the size differs."""
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("L" if channels == 1 else "RGB")
        if img.size != (size, size):
            w, h = img.size
            scale = size / min(w, h)
            nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
            img = img.resize((nw, nh), Image.BICUBIC)
            left, top = (nw - size) // 2, (nh - size) // 2
            img = img.crop((left, top, left + size, top + size))
        arr = np.asarray(img, dtype=np.uint8)
    if channels == 1:
        return arr[None, :, :]
    return arr.transpose(2, 0, 1)


def augment_batch(images, generator, min_scale=0.8, max_shift=0.1):
    """Random resized crops of a uint8 batch [B, C, H, W] -> float [0, 1] images: each image zoomed
    by 1/s (s uniform in [min_scale, 1]) and shifted by up to `max_shift` of its side plus the
    zoom margin, as a light form of CLIP's RandomResizedCrop; what falls outside is black. The
    draws come from `generator`, so a resumed run repeats them."""
    x = images.float().div_(255.0)
    b = x.shape[0]
    u = torch.rand(b, 3, generator=generator).to(x.device)
    scale = min_scale + (1.0 - min_scale) * u[:, 0]
    reach = (1.0 - scale) + max_shift
    tx = (2 * u[:, 1] - 1) * reach
    ty = (2 * u[:, 2] - 1) * reach
    theta = torch.zeros(b, 2, 3, device=x.device)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def normalize(x, mean, std):
    """Float [0, 1] images -> normalised with the model's mean and std."""
    m = torch.tensor(mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


def images_to_tensor(images, mean, std):
    """uint8 [B, C, H, W] (numpy or torch) -> normalised float32 tensor."""
    x = torch.as_tensor(images).float().div_(255.0)
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (x - m) / s


# ---------------------------------------------------------------------------------------------
# Reading samples


def split_sample_name(name):
    """WebDataset's rule: the extension starts at the first '.' of the last path component."""
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    if dot <= slash + 1:
        return None
    return name[:dot], name[dot + 1:]


def iter_webdataset(path):
    """Yields (key, {extension: bytes}) per sample of a tar shard. Consecutive members sharing a
    key form a sample; a new key, or an extension seen twice, starts the next one."""
    try:
        tar = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as err:
        raise DataError("%s: not a readable tar file (%s)" % (path, err))
    key, members = None, {}
    with tar:
        try:
            for info in tar:
                if not info.isfile():
                    continue
                split = split_sample_name(info.name)
                if split is None:
                    continue
                k, ext = split
                if key is not None and (k != key or ext in members):
                    yield key, members
                    key, members = None, {}
                key = k
                members[ext] = tar.extractfile(info).read()
        except tarfile.TarError as err:
            raise DataError("%s: bad tar file (%s)" % (path, err))
    if key is not None:
        yield key, members


def _image_member(members):
    for ext in IMAGE_EXTENSIONS:
        if ext in members:
            return members[ext]
    return None


def iter_csv(path, img_key, caption_key, separator, label_key=None):
    """Yields (key, image bytes, caption, label) per row of a CSV/TSV file with a header. Image
    paths are relative to the file's folder unless absolute. The key is `<file name>:<row>`, the
    engine's default key of CSV records (row counted from 0 after the header)."""
    sep = separator or ("\t" if path.lower().endswith(".tsv") else ",")
    base = os.path.dirname(os.path.abspath(path))
    with open(path, "r", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=sep)
        for column in [img_key] + ([caption_key] if caption_key else []) + ([label_key] if label_key else []):
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise DataError(
                    "%s: no column %r (columns: %s)" % (path, column, ", ".join(reader.fieldnames or []))
                )
        for row_index, row in enumerate(reader):
            image_path = row[img_key]
            if not os.path.isabs(image_path):
                image_path = os.path.join(base, image_path)
            try:
                with open(image_path, "rb") as img:
                    data = img.read()
            except OSError as err:
                raise DataError("%s row %d: cannot read image %s (%s)" % (path, row_index, image_path, err))
            caption = row[caption_key] if caption_key else None
            label = row[label_key] if label_key else None
            yield "%s:%d" % (os.path.basename(path), row_index), data, caption, label


class PairSet:
    """Image-text pairs held in memory: images uint8 [N, C, H, W], token ids [N, L], keys, and
    for each pair the data file it came from and its position in that file."""

    def __init__(self, images, tokens, keys, files, file_index, position):
        self.images = images
        self.tokens = tokens
        self.keys = keys
        self.files = files
        self.file_index = file_index
        self.position = position

    def __len__(self):
        return len(self.keys)

    def fingerprint(self):
        h = hashlib.sha256()
        for k in self.keys:
            h.update(k.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:16]


def load_pairs(
    specs, dataset_type, tokenizer, channels, size, csv_img_key="filepath", csv_caption_key="title",
    csv_separator=None, log=None,
):
    files = resolve_paths(specs, ["tar", "csv", "tsv"])
    kind = detect_type(files, dataset_type)
    images, tokens, keys, file_index, position = [], [], [], [], []
    skipped = 0
    for fi, path in enumerate(files):
        if kind == "webdataset":
            samples = (
                (key, _image_member(m), m["txt"].decode("utf-8", errors="replace") if "txt" in m else None)
                for key, m in iter_webdataset(path)
            )
        else:
            samples = (
                (key, data, caption)
                for key, data, caption, _ in iter_csv(path, csv_img_key, csv_caption_key, csv_separator)
            )
        for pos, (key, data, caption) in enumerate(samples):
            if data is None or caption is None:
                skipped += 1
                continue
            try:
                images.append(decode_image(data, channels, size))
            except (OSError, ValueError) as err:
                raise DataError("%s: sample %s: cannot decode its image (%s)" % (path, key, err))
            tokens.append(tokenizer.encode(caption))
            keys.append(key)
            file_index.append(fi)
            position.append(pos)
    if skipped and log:
        log("skipped %d samples without an image or a caption" % skipped)
    if not keys:
        raise DataError("the training data hold no image-text pair")
    token_array = np.zeros((len(tokens), tokenizer.context_length), dtype=np.int64)
    for i, ids in enumerate(tokens):
        token_array[i, : len(ids)] = ids
    return PairSet(
        torch.from_numpy(np.stack(images)),
        torch.from_numpy(token_array),
        keys,
        files,
        np.asarray(file_index, dtype=np.int64),
        np.asarray(position, dtype=np.int64),
    )


# ---------------------------------------------------------------------------------------------
# Online balancing (MetaCLIP's online data loader)

SIDECAR_SUFFIX = ".entries.jsonl"


def read_sidecar(path):
    """Lines {"key", "entry_ids", "p"} of a curation sidecar, in the order of its data file."""
    rows = []
    try:
        with open(path, "r", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    row = json.loads(line)
                    rows.append((str(row["key"]), [int(e) for e in row["entry_ids"]]))
                except (ValueError, KeyError, TypeError) as err:
                    raise DataError("%s line %d: not a sidecar line (%s)" % (path, n, err))
    except OSError as err:
        raise DataError("cannot read sidecar %s (%s)" % (path, err))
    return rows


def match_sidecars(pairs, sidecar_specs):
    """Entry ids of every pair. Each training file F has its sidecar `F.entries.jsonl`, next to it
    (no paths given) or among the paths given (same path, or same file name); the sidecar's i-th
    line belongs to F's i-th record, and the keys must agree."""
    given = []
    for spec in sidecar_specs:
        given.extend(resolve_paths([spec], ["jsonl"]))
    by_path = {os.path.abspath(p): p for p in given}
    by_name = {}
    for p in given:
        by_name.setdefault(os.path.basename(p), []).append(p)
    entry_ids = [None] * len(pairs)
    order = {}
    for i in range(len(pairs)):
        order.setdefault(int(pairs.file_index[i]), []).append(i)
    for fi, path in enumerate(pairs.files):
        wanted = path + SIDECAR_SUFFIX
        if not given:
            sidecar = wanted
        elif os.path.abspath(wanted) in by_path:
            sidecar = by_path[os.path.abspath(wanted)]
        elif len(by_name.get(os.path.basename(wanted), [])) == 1:
            sidecar = by_name[os.path.basename(wanted)][0]
        else:
            raise DataError("no sidecar given for %s (expected %s)" % (path, os.path.basename(wanted)))
        rows = read_sidecar(sidecar)
        members = order.get(fi, [])
        positions = {int(pairs.position[i]): i for i in members}
        for pos, (key, ids) in enumerate(rows):
            i = positions.get(pos)
            if i is None:
                raise DataError("%s: line %d has no record %d in %s" % (sidecar, pos + 1, pos, path))
            # WebDataset keys are the samples' own; a CSV output's rows are matched by order.
            if path.lower().endswith(".tar") and pairs.keys[i] != key:
                raise DataError(
                    "%s line %d: key %r, but record %d of %s is %r" % (sidecar, pos + 1, key, pos, path, pairs.keys[i])
                )
            entry_ids[i] = ids
        missing = [i for i in members if entry_ids[i] is None]
        if missing:
            raise DataError("%s: %d records of %s have no sidecar line" % (sidecar, len(missing), path))
    return entry_ids


def balanced_keep_probabilities(entry_ids, t):
    """Per pair, 1 - prod over its entries of (1 - min(1, t / count)), counts taken over all
    pairs (the whole matched pool). Pairs matching no entry get 0."""
    counts = {}
    for ids in entry_ids:
        for e in ids:
            counts[e] = counts.get(e, 0) + 1
    probs = np.zeros(len(entry_ids), dtype=np.float64)
    for i, ids in enumerate(entry_ids):
        drop = 1.0
        for e in ids:
            drop *= 1.0 - min(1.0, t / counts[e])
        probs[i] = 1.0 - drop
    return probs, counts


# ---------------------------------------------------------------------------------------------
# The batch stream


class BatchStream:
    """Batch b of a run is positions [b*B, (b+1)*B) of the concatenation of epoch orders. Epoch e
    is a permutation of all pairs, or, with keep probabilities, of a fresh Bernoulli draw of
    them; both come from numpy's generator seeded with (seed, e), so any batch is reproducible
    from the seed alone (resume needs no data-loader state)."""

    def __init__(self, n, batch_size, seed, keep_prob=None):
        if keep_prob is not None and float(np.sum(keep_prob)) <= 0:
            raise DataError("online balancing keeps no pair: no record matches an entry")
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.keep_prob = keep_prob
        self.epoch = 0
        self._buffer = np.zeros(0, dtype=np.int64)
        self._consumed = 0  # positions of the stream handed out
        self.epoch_sizes = []

    def epoch_indices(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        if self.keep_prob is None:
            return rng.permutation(self.n)
        kept = np.nonzero(rng.random(self.n) < self.keep_prob)[0]
        return rng.permutation(kept)

    def next_batch(self):
        """(indices, epoch of the batch's last pair)."""
        while len(self._buffer) < self.batch_size:
            idx = self.epoch_indices(self.epoch)
            self.epoch_sizes.append(len(idx))
            self._buffer = np.concatenate([self._buffer, idx])
            self.epoch += 1
        batch, self._buffer = self._buffer[: self.batch_size], self._buffer[self.batch_size:]
        self._consumed += self.batch_size
        return batch, self.epoch - 1

    def skip(self, batches):
        for _ in range(batches):
            self.next_batch()

    def completed_epochs(self):
        """Epochs whose pairs have all been handed out."""
        done, total = 0, 0
        for size in self.epoch_sizes:
            total += size
            if total <= self._consumed:
                done += 1
        return done


# ---------------------------------------------------------------------------------------------
# Zero-shot evaluation sets


class LabelledImages:
    def __init__(self, images, labels, classnames, name):
        self.images = images
        self.labels = labels
        self.classnames = classnames
        self.name = name


def _read_list_file(spec, what):
    """A list from a file (JSON array, or one item a line) or from a comma-separated string."""
    if os.path.isfile(spec):
        with open(spec, "r", encoding="utf-8") as f:
            text = f.read()
        if text.lstrip().startswith("["):
            items = json.loads(text)
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise DataError("%s: %s must be a JSON array of strings" % (spec, what))
            return items
        return [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    return [x.strip() for x in spec.split(",") if x.strip()]


def read_classnames(spec):
    return _read_list_file(spec, "class names")


DEFAULT_TEMPLATES = [
    "a photo of a {c}.",
    "a picture of a {c}.",
    "a photo of the {c}.",
    "a {c}.",
    "an image of a {c}.",
    "a product photo of a {c}.",
]


def read_templates(spec):
    if not spec:
        return list(DEFAULT_TEMPLATES)
    templates = _read_list_file(spec, "templates") if os.path.isfile(spec) else [spec]
    for t in templates:
        if "{c}" not in t and "{}" not in t:
            raise DataError("template %r has no {c} (or {}) for the class name" % t)
    return templates


def fill_template(template, classname):
    return template.replace("{c}", classname).replace("{}", classname)


def _label_of(members, label_key):
    if label_key in members:
        return int(members[label_key].decode("utf-8").strip())
    if "json" in members:
        value = json.loads(members["json"].decode("utf-8"))
        if isinstance(value, dict) and "label" in value:
            return int(value["label"])
    return None


def dataset_name(spec):
    """`fashion-mnist-test-000000.tar` -> `fashion-mnist-test`; a folder -> its name."""
    path = spec.split("::")[0]
    base = os.path.basename(os.path.normpath(path))
    if os.path.isdir(path):
        return base or "zeroshot"  # a folder's name is kept whole, digits included
    base = re.sub(r"\.(tar|csv|tsv)$", "", base, flags=re.I)
    base = re.sub(r"[-_]?(\{[^}]*\}|\*|\d{3,})$", "", base)
    return base or "zeroshot"


def load_labelled(spec, channels, size, classnames_spec=None, label_key="cls", csv_img_key="filepath",
                  csv_separator=None, name=None):
    """A labelled image set: WebDataset shards (image + `.cls` or `.json` {"label"}), a CSV with
    an image column and a `label` column (or `--zeroshot-label-key`), or an image folder with
    one sub-folder per class (class index = sorted order)."""
    images, labels = [], []
    classnames = read_classnames(classnames_spec) if classnames_spec else None
    if os.path.isdir(spec) and not any(n.lower().endswith((".tar", ".csv", ".tsv")) for n in os.listdir(spec)):
        folders = sorted(d for d in os.listdir(spec) if os.path.isdir(os.path.join(spec, d)))
        if not folders:
            raise DataError("%s: no class folders" % spec)
        for label, folder in enumerate(folders):
            for n in sorted(os.listdir(os.path.join(spec, folder))):
                if n.lower().rsplit(".", 1)[-1] in IMAGE_EXTENSIONS:
                    with open(os.path.join(spec, folder, n), "rb") as f:
                        images.append(decode_image(f.read(), channels, size))
                    labels.append(label)
        classnames = classnames or folders
    else:
        files = resolve_paths([spec], ["tar", "csv", "tsv"])
        kind = detect_type(files, "auto")
        for path in files:
            if kind == "webdataset":
                for key, members in iter_webdataset(path):
                    data, label = _image_member(members), _label_of(members, label_key)
                    if data is None or label is None:
                        raise DataError("%s: sample %s has no image or no label (.%s)" % (path, key, label_key))
                    images.append(decode_image(data, channels, size))
                    labels.append(label)
            else:
                column = label_key if label_key != "cls" else "label"
                for key, data, _, label in iter_csv(path, csv_img_key, None, csv_separator, column):
                    images.append(decode_image(data, channels, size))
                    labels.append(int(label))
    if not images:
        raise DataError("%s: no labelled images" % spec)
    if classnames is None:
        raise DataError("--classnames is required for %s" % spec)
    if max(labels) >= len(classnames) or min(labels) < 0:
        raise DataError("%s: labels run from %d to %d, but %d class names are given"
                        % (spec, min(labels), max(labels), len(classnames)))
    return LabelledImages(
        torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.long), classnames,
        name or dataset_name(spec),
    )


def warn(message):
    sys.stderr.write("metacurate_trainer: %s\n" % message)
