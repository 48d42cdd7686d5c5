import math
import unittest

import helpers  # noqa: F401  (puts the trainer on sys.path)
import torch
import torch.nn.functional as F

from metacurate_trainer.config import PRESETS, load_model_config
from metacurate_trainer.model import CLIP, clip_loss, count_parameters, parameter_groups
from metacurate_trainer.tokenizer import ByteTokenizer


class ModelTest(unittest.TestCase):
    def test_shapes_and_normalised_features(self):
        torch.manual_seed(0)
        cfg = dict(PRESETS["tiny"])
        model = CLIP(cfg)
        images = torch.randn(3, cfg["image_channels"], cfg["image_size"], cfg["image_size"])
        tokens = ByteTokenizer(cfg["context_length"])(["a shoe", "a bag", "an ankle boot on sale"])
        img, txt, scale = model(images, tokens)
        self.assertEqual(tuple(img.shape), (3, cfg["embed_dim"]))
        self.assertEqual(tuple(txt.shape), (3, cfg["embed_dim"]))
        self.assertTrue(torch.allclose(img.norm(dim=-1), torch.ones(3), atol=1e-5))
        self.assertTrue(torch.allclose(txt.norm(dim=-1), torch.ones(3), atol=1e-5))
        self.assertAlmostEqual(float(scale), 1 / 0.07, places=3)
        self.assertGreater(count_parameters(model), 500_000)
        self.assertLess(count_parameters(model), 2_000_000)

    def test_text_features_ignore_trailing_padding(self):
        torch.manual_seed(0)
        model = CLIP(PRESETS["tiny"]).eval()
        tokens = ByteTokenizer(32)(["a dress", "sneakers"])
        full = model.encode_text(tokens)
        trimmed = model.encode_text(tokens[:, :12])
        self.assertTrue(torch.allclose(full, trimmed, atol=1e-5))

    def test_bf16_autocast_runs(self):
        torch.manual_seed(0)
        model = CLIP(PRESETS["tiny"])
        images = torch.randn(4, 1, 28, 28)
        tokens = ByteTokenizer(32)(["a", "b", "c", "d"])
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            img, txt, scale = model(images, tokens)
        loss = clip_loss(img, txt, scale)
        loss.backward()
        self.assertTrue(math.isfinite(float(loss)))
        self.assertIsNotNone(model.visual.patch_embed.weight.grad)

    def test_logit_scale_clamped_at_log_100(self):
        model = CLIP(PRESETS["tiny"])
        with torch.no_grad():
            model.logit_scale.fill_(9.0)
        model.clamp_logit_scale()
        self.assertAlmostEqual(float(model.logit_scale.exp()), 100.0, places=3)

    def test_weight_decay_groups(self):
        model = CLIP(PRESETS["tiny"])
        no_decay, decay = parameter_groups(model, 0.1)
        self.assertEqual(no_decay["weight_decay"], 0.0)
        self.assertEqual(decay["weight_decay"], 0.1)
        self.assertTrue(all(p.ndim >= 2 for p in decay["params"]))
        self.assertTrue(any(p is model.logit_scale for p in no_decay["params"]))
        self.assertEqual(len(no_decay["params"]) + len(decay["params"]), len(list(model.parameters())))

    def test_config_file_overrides_preset(self):
        import json
        import os
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.json")
            with open(path, "w") as f:
                json.dump({"preset": "tiny", "vision_layers": 3}, f)
            cfg = load_model_config(path)
            self.assertEqual(cfg["vision_layers"], 3)
            self.assertEqual(cfg["patch_size"], PRESETS["tiny"]["patch_size"])
            with open(path, "w") as f:
                json.dump({"vision_wdth": 3}, f)
            with self.assertRaises(ValueError):
                load_model_config(path)
        with self.assertRaises(ValueError):
            load_model_config("no-such-preset")


class LossTest(unittest.TestCase):
    def test_hand_case(self):
        # Orthonormal pairs, logit scale 1: every row is [1, 0] or [0, 1], so each direction's
        # cross-entropy is -log(e / (e + 1)) = log(1 + 1/e).
        feats = torch.eye(2)
        loss = clip_loss(feats, feats, torch.tensor(1.0))
        self.assertAlmostEqual(float(loss), math.log(1 + math.exp(-1)), places=6)

    def test_symmetric_mean_of_both_directions(self):
        img = F.normalize(torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]), dim=-1)
        txt = F.normalize(torch.tensor([[0.8, 0.6], [0.0, 1.0], [1.0, 1.0]]), dim=-1)
        scale = torch.tensor(10.0)
        logits = (scale * img @ txt.t()).tolist()

        def ce(rows):
            total = 0.0
            for i, row in enumerate(rows):
                total += -row[i] + math.log(sum(math.exp(v) for v in row))
            return total / len(rows)

        by_image = ce(logits)
        by_text = ce([list(col) for col in zip(*logits)])
        self.assertNotAlmostEqual(by_image, by_text, places=3)
        self.assertAlmostEqual(float(clip_loss(img, txt, scale)), (by_image + by_text) / 2, places=5)
        self.assertAlmostEqual(float(clip_loss(txt, img, scale)), (by_image + by_text) / 2, places=5)


if __name__ == "__main__":
    unittest.main()
