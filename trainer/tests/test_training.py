"""Real training runs of the command line on small generated WebDatasets: a few dozen steps, a
checkpoint, a resume that continues at the right step with the same batches, the zero-shot
evaluation's results.jsonl under OpenCLIP's key names, and online balancing."""

import json
import os
import shutil
import tempfile
import unittest

import helpers
import torch


class TrainingRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="trainer-test-")
        cls.train_paths, cls.keys, _ = helpers.write_shards(os.path.join(cls.tmp, "train"), 320, shards=2, seed=1)
        helpers.write_shards(os.path.join(cls.tmp, "shapes-test"), 80, shards=1, seed=2, prefix="test")
        cls.model = helpers.write_model_config(cls.tmp)
        cls.classes = os.path.join(cls.tmp, "classes.txt")
        with open(cls.classes, "w") as f:
            f.write("\n".join(helpers.CLASSNAMES) + "\n")
        cls.common = [
            "--train-data", os.path.join(cls.tmp, "train", "pool-{000000..000001}.tar"),
            "--model-config", cls.model, "--batch-size", "32", "--lr", "2e-3", "--warmup", "5",
            "--seed", "7", "--threads", "2", "--log-every", "5",
            "--zeroshot-data", os.path.join(cls.tmp, "shapes-test"), "--classnames", cls.classes,
        ]
        # One uninterrupted run of 40 steps, and one stopped at 20 then resumed.
        cls.full = os.path.join(cls.tmp, "full")
        cls.full_proc = helpers.run_trainer(cls.common + ["--steps", "40", "--out", cls.full])
        cls.split = os.path.join(cls.tmp, "split")
        cls.first = helpers.run_trainer(cls.common + ["--steps", "40", "--stop-at", "20", "--out", cls.split])
        cls.second = helpers.run_trainer(cls.common + ["--steps", "40", "--resume", "latest", "--out", cls.split])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_log_lines(self):
        log = helpers.read_jsonl(os.path.join(self.full, "out.log"))
        self.assertEqual([r["step"] for r in log], [1, 5, 10, 15, 20, 25, 30, 35, 40])
        for r in log:
            for key in ("step", "epoch", "loss", "lr", "samples_per_second", "eta_seconds", "logit_scale"):
                self.assertIn(key, r)
        self.assertEqual(log[-1]["epoch"], 3)  # 40 * 32 = 1280 pairs = 4 epochs of 320
        self.assertAlmostEqual(log[0]["lr"], 2e-3 / 5)
        self.assertLess(log[-1]["loss_avg"], log[0]["loss"])

    def test_checkpoints(self):
        names = sorted(os.listdir(os.path.join(self.split, "checkpoints")))
        self.assertEqual(names, ["latest.pt", "step_00000020.pt", "step_00000040.pt"])
        state = torch.load(os.path.join(self.split, "checkpoints", "step_00000020.pt"), map_location="cpu")
        self.assertEqual(state["step"], 20)
        self.assertEqual(state["train"]["batch_size"], 32)
        self.assertIn("optimizer", state)

    def test_resume_continues_at_the_right_step(self):
        self.assertIn("resumed from", self.second.stderr)
        self.assertIn("at step 20", self.second.stderr)
        log = helpers.read_jsonl(os.path.join(self.split, "out.log"))
        self.assertEqual([r["step"] for r in log], [1, 5, 10, 15, 20, 21, 25, 30, 35, 40])
        full = {r["step"]: r for r in helpers.read_jsonl(os.path.join(self.full, "out.log"))}
        self.assertEqual(set(full) - {r["step"] for r in log}, set())
        for r in log:
            if r["step"] not in full:
                continue
            self.assertAlmostEqual(r["lr"], full[r["step"]]["lr"], places=12)
            self.assertAlmostEqual(r["loss"], full[r["step"]]["loss"], places=3)
        a = torch.load(os.path.join(self.full, "checkpoints", "latest.pt"), map_location="cpu")["model"]
        b = torch.load(os.path.join(self.split, "checkpoints", "latest.pt"), map_location="cpu")["model"]
        for name in a:
            self.assertTrue(torch.allclose(a[name], b[name], atol=1e-4), name)
        summary = helpers.read_json(os.path.join(self.split, "train_summary.json"))
        self.assertEqual(summary["resumed_from_step"], 20)
        self.assertEqual(summary["steps_this_run"], 20)

    def test_results_jsonl_uses_openclip_keys(self):
        # The stopped run evaluates nothing; the resumed one evaluates at its end.
        rows = helpers.read_jsonl(os.path.join(self.split, "results.jsonl"))
        self.assertEqual(len(rows), 1)
        full = helpers.read_jsonl(os.path.join(self.full, "results.jsonl"))
        self.assertEqual(len(full), 1)
        row = full[0]
        for suffix in ("top1", "top5", "mean-per-class-top1"):
            value = row["shapes-test-zeroshot-val-" + suffix]
            self.assertGreaterEqual(value, 0.0)
            self.assertLessEqual(value, 1.0)
        per_class = row["shapes-test-zeroshot-val-per-class-top1"]
        self.assertEqual(sorted(per_class), sorted(helpers.CLASSNAMES))
        self.assertEqual(row["step"], 40)
        self.assertEqual(row["num_samples"], 80)
        self.assertEqual(row["shapes-test-zeroshot-val-top5"], 1.0)  # 4 classes: top-5 holds them all
        self.assertAlmostEqual(rows[0]["shapes-test-zeroshot-val-top1"], row["shapes-test-zeroshot-val-top1"], delta=0.05)

    def test_eval_only(self):
        out = os.path.join(self.tmp, "eval")
        helpers.run_trainer([
            "--eval-only", "--resume", os.path.join(self.full, "checkpoints", "latest.pt"), "--out", out,
            "--zeroshot-data", os.path.join(self.tmp, "shapes-test"), "--classnames", self.classes,
            "--zeroshot-name", "shapes", "--templates", "a {c} picture",
        ])
        row = helpers.read_jsonl(os.path.join(out, "results.jsonl"))[0]
        self.assertIn("shapes-zeroshot-val-top1", row)
        self.assertEqual(row["step"], 40)

    def test_refuses_to_overwrite_a_run(self):
        proc = helpers.run_trainer(self.common + ["--steps", "40", "--out", self.full], check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("--resume latest", proc.stderr)

    def test_usage_errors(self):
        proc = helpers.run_trainer(["--out", os.path.join(self.tmp, "x"), "--train-data", self.train_paths[0]], check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--steps", proc.stderr)
        proc = helpers.run_trainer(
            ["--out", os.path.join(self.tmp, "y"), "--train-data", self.train_paths[0], "--steps", "3", "--online-balance"],
            check=False,
        )
        self.assertEqual(proc.returncode, 2)
        proc = helpers.run_trainer(
            ["--out", os.path.join(self.tmp, "z"), "--train-data", os.path.join(self.tmp, "none-*.tar"), "--steps", "3"],
            check=False,
        )
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no data files match", proc.stderr)


class OnlineBalanceRunTest(unittest.TestCase):
    def test_online_balance_redraws_each_epoch(self):
        tmp = tempfile.mkdtemp(prefix="trainer-online-")
        try:
            paths, keys, ys = helpers.write_shards(os.path.join(tmp, "pool"), 240, shards=2, seed=4)
            # Entry = class; class 0 is a head entry: 3 pairs in 4 carry it.
            half = len(keys) // 2
            for p, ks, yy in ((paths[0], keys[:half], ys[:half]), (paths[1], keys[half:], ys[half:])):
                with open(p + ".entries.jsonl", "w") as f:
                    for k, y in zip(ks, yy):
                        f.write(json.dumps({"key": k, "entry_ids": [y], "p": 1.0}) + "\n")
            out = os.path.join(tmp, "run")
            proc = helpers.run_trainer([
                "--train-data", os.path.join(tmp, "pool"), "--online-balance", "--t", "20",
                "--model-config", helpers.write_model_config(tmp), "--batch-size", "16", "--steps", "24",
                "--warmup", "2", "--seed", "1", "--out", out, "--threads", "2",
            ])
            self.assertIn("online balancing at t=20", proc.stderr)
            summary = helpers.read_json(os.path.join(out, "train_summary.json"))
            counts = [ys.count(c) for c in range(4)]
            expected = sum(min(c, 20) for c in counts)
            self.assertAlmostEqual(summary["online_balance"]["expected_pairs_per_epoch"], expected, places=6)
            sizes = summary["epoch_sizes"]
            self.assertGreaterEqual(len(sizes), 4)
            for size in sizes:
                self.assertLess(abs(size - expected), 25)
            self.assertGreater(len(set(sizes)), 1)  # fresh draws
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
