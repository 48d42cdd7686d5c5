import json
import os
import tarfile
import tempfile
import unittest

import helpers
import numpy as np

import torch

from metacurate_trainer.data import (
    BatchStream,
    DataError,
    augment_batch,
    balanced_keep_probabilities,
    dataset_name,
    expand_braces,
    iter_webdataset,
    load_labelled,
    load_pairs,
    match_sidecars,
    resolve_paths,
)
from metacurate_trainer.tokenizer import ByteTokenizer


class PathTest(unittest.TestCase):
    def test_braces_globs_folders_and_double_colon(self):
        self.assertEqual(expand_braces("s-{08..11}.tar"), ["s-08.tar", "s-09.tar", "s-10.tar", "s-11.tar"])
        with tempfile.TemporaryDirectory() as tmp:
            paths, _, _ = helpers.write_shards(tmp, 8, shards=3)
            self.assertEqual(resolve_paths([tmp], ["tar"]), paths)
            self.assertEqual(resolve_paths([os.path.join(tmp, "*.tar")], ["tar"]), paths)
            self.assertEqual(resolve_paths([os.path.join(tmp, "pool-{000000..000002}.tar")], ["tar"]), paths)
            self.assertEqual(resolve_paths(["::".join(paths[:2])], ["tar"]), paths[:2])
            with self.assertRaises(DataError):
                resolve_paths([os.path.join(tmp, "nothing-*.tar")], ["tar"])

    def test_dataset_name(self):
        self.assertEqual(dataset_name("/x/fashion-mnist-test-000000.tar"), "fashion-mnist-test")
        self.assertEqual(dataset_name("/x/imagenet-val/"), "imagenet-val")
        self.assertEqual(dataset_name("/x/shards/test-{000..003}.tar"), "test")
        with tempfile.TemporaryDirectory(suffix="-2024") as tmp:
            # A folder keeps its whole name: the shard-number rule is for file names only.
            self.assertEqual(dataset_name(tmp), os.path.basename(tmp))


class WebDatasetTest(unittest.TestCase):
    def test_samples_group_members_by_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.tar")
            with tarfile.open(path, "w") as tar:
                helpers.add_member(tar, "dir/0001.png", b"P1")
                helpers.add_member(tar, "dir/0001.txt", b"one")
                helpers.add_member(tar, "dir/0002.txt", b"two")
                helpers.add_member(tar, "dir/0002.txt", b"two again")  # same extension: a new sample
                helpers.add_member(tar, "README", b"no extension: skipped")
                helpers.add_member(tar, "dir/0003.tar.gz", b"x")
            samples = list(iter_webdataset(path))
            self.assertEqual([k for k, _ in samples], ["dir/0001", "dir/0002", "dir/0002", "dir/0003"])
            self.assertEqual(samples[0][1], {"png": b"P1", "txt": b"one"})
            self.assertEqual(samples[3][1], {"tar.gz": b"x"})

    def test_load_pairs_from_shards(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths, keys, ys = helpers.write_shards(tmp, 10, shards=2)
            pairs = load_pairs([tmp], "auto", ByteTokenizer(24), 1, 28)
            self.assertEqual(len(pairs), 10)
            self.assertEqual(pairs.keys, keys)
            self.assertEqual(tuple(pairs.images.shape), (10, 1, 28, 28))
            self.assertEqual(str(pairs.images.dtype), "torch.uint8")
            self.assertEqual(ByteTokenizer(24).decode(pairs.tokens[0, 1:].tolist()), "a photo of a " + helpers.CLASSNAMES[ys[0]])
            self.assertEqual(list(pairs.file_index), [0] * 5 + [1] * 5)
            self.assertEqual(list(pairs.position), list(range(5)) * 2)
            # Resized to another image size and converted to RGB.
            rgb = load_pairs([paths[0]], "webdataset", ByteTokenizer(24), 3, 32)
            self.assertEqual(tuple(rgb.images.shape), (5, 3, 32, 32))

    def test_labelled_webdataset(self):
        with tempfile.TemporaryDirectory() as tmp:
            _, _, ys = helpers.write_shards(tmp, 12, shards=1, prefix="test")
            labelled = load_labelled(tmp, 1, 28, ",".join(helpers.CLASSNAMES))
            self.assertEqual(labelled.labels.tolist(), ys)
            self.assertEqual(labelled.classnames, helpers.CLASSNAMES)
            self.assertEqual(labelled.name, os.path.basename(tmp))
            with self.assertRaises(DataError):
                load_labelled(tmp, 1, 28, "one,two")  # labels beyond the class names


class CsvTest(unittest.TestCase):
    def test_csv_and_tsv(self):
        for sep in [",", "\t"]:
            with tempfile.TemporaryDirectory() as tmp:
                path, ys = helpers.write_csv(tmp, 6, separator=sep)
                pairs = load_pairs([path], "auto", ByteTokenizer(24), 1, 28)
                self.assertEqual(len(pairs), 6)
                self.assertEqual(pairs.keys[2], "%s:2" % os.path.basename(path))
                labelled = load_labelled(path, 1, 28, ",".join(helpers.CLASSNAMES))
                self.assertEqual(labelled.labels.tolist(), ys)
                with self.assertRaises(DataError):
                    load_pairs([path], "csv", ByteTokenizer(24), 1, 28, csv_caption_key="caption")

    def test_image_folder(self):
        from PIL import Image

        with tempfile.TemporaryDirectory() as tmp:
            rng = np.random.default_rng(0)
            for label, name in enumerate(["bag", "coat"]):
                os.makedirs(os.path.join(tmp, name))
                for i in range(3):
                    Image.fromarray(helpers.class_image(label, rng)).save(os.path.join(tmp, name, "%d.png" % i))
            labelled = load_labelled(tmp, 1, 28)
            self.assertEqual(labelled.classnames, ["bag", "coat"])
            self.assertEqual(labelled.labels.tolist(), [0, 0, 0, 1, 1, 1])


class AugmentTest(unittest.TestCase):
    def test_random_resized_crops(self):
        rng = np.random.default_rng(0)
        images = torch.from_numpy(np.stack([helpers.class_image(i % 4, rng)[None] for i in range(6)]))
        a = augment_batch(images, torch.Generator().manual_seed(5))
        b = augment_batch(images, torch.Generator().manual_seed(5))
        c = augment_batch(images, torch.Generator().manual_seed(6))
        self.assertEqual(tuple(a.shape), (6, 1, 28, 28))
        self.assertTrue(torch.equal(a, b))
        self.assertFalse(torch.equal(a, c))
        self.assertGreaterEqual(float(a.min()), 0.0)
        self.assertLessEqual(float(a.max()), 1.0)
        # No zoom and no shift: the images themselves.
        same = augment_batch(images, torch.Generator().manual_seed(5), min_scale=1.0, max_shift=0.0)
        self.assertTrue(torch.allclose(same, images.float() / 255, atol=1e-5))


class OnlineBalanceTest(unittest.TestCase):
    def test_keep_probabilities(self):
        entry_ids = [[0]] * 1000 + [[1]] * 50 + [[0, 2]] * 200 + [[]] * 10
        probs, counts = balanced_keep_probabilities(entry_ids, 100)
        self.assertEqual(counts, {0: 1200, 1: 50, 2: 200})
        self.assertAlmostEqual(probs[0], 100 / 1200)
        self.assertEqual(probs[1000], 1.0)
        self.assertAlmostEqual(probs[1050], 1 - (1 - 100 / 1200) * (1 - 0.5))
        self.assertEqual(probs[-1], 0.0)

    def test_redraw_every_epoch_keeps_each_pair_with_its_probability(self):
        # 2000 head pairs at p = 0.1, 100 tail pairs at p = 1, 50 unmatched at p = 0.
        entry_ids = [[0]] * 2000 + [[1]] * 100 + [[]] * 50
        probs, _ = balanced_keep_probabilities(entry_ids, 200)
        stream = BatchStream(len(entry_ids), 64, seed=3, keep_prob=probs)
        epochs = 60
        kept = np.zeros(len(entry_ids))
        draws = []
        for e in range(epochs):
            idx = stream.epoch_indices(e)
            self.assertEqual(len(set(idx.tolist())), len(idx))
            kept[idx] += 1
            draws.append(frozenset(idx.tolist()))
        head_rate = kept[:2000].mean() / epochs
        self.assertAlmostEqual(head_rate, 0.1, delta=0.01)
        # Each head pair's own rate is binomial(60, 0.1): its spread matches.
        self.assertAlmostEqual(kept[:2000].std() / epochs, (0.1 * 0.9 / epochs) ** 0.5, delta=0.01)
        self.assertTrue((kept[2000:2100] == epochs).all())
        self.assertTrue((kept[2100:] == 0).all())
        self.assertEqual(len(set(draws)), epochs)  # a fresh draw each epoch
        again = BatchStream(len(entry_ids), 64, seed=3, keep_prob=probs)
        self.assertEqual(again.epoch_indices(7).tolist(), stream.epoch_indices(7).tolist())

    def test_batches_span_epochs_and_skip_matches(self):
        a = BatchStream(10, 4, seed=1)
        batches = [a.next_batch()[0].tolist() for _ in range(5)]
        flat = sum(batches, [])
        self.assertEqual(sorted(flat[:10]), list(range(10)))
        self.assertEqual(sorted(flat[10:20]), list(range(10)))
        self.assertEqual(a.completed_epochs(), 2)
        b = BatchStream(10, 4, seed=1)
        b.skip(3)
        self.assertEqual(b.next_batch()[0].tolist(), batches[3])

    def test_sidecars_match_records(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths, keys, _ = helpers.write_shards(tmp, 6, shards=2)
            for p, ks in zip(paths, [keys[:3], keys[3:]]):
                with open(p + ".entries.jsonl", "w") as f:
                    for j, k in enumerate(ks):
                        f.write(json.dumps({"key": k, "entry_ids": [j], "p": 1.0}) + "\n")
            pairs = load_pairs([tmp], "auto", ByteTokenizer(24), 1, 28)
            self.assertEqual(match_sidecars(pairs, []), [[0], [1], [2], [0], [1], [2]])
            self.assertEqual(match_sidecars(pairs, [tmp]), [[0], [1], [2], [0], [1], [2]])
            with open(paths[1] + ".entries.jsonl", "w") as f:
                f.write(json.dumps({"key": "other", "entry_ids": [0], "p": 1}) + "\n")
            with self.assertRaises(DataError):
                match_sidecars(pairs, [])


if __name__ == "__main__":
    unittest.main()
