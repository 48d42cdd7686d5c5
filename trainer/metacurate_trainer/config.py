"""Model configurations: presets by name, or a JSON file whose keys override the `tiny` preset."""

import json
import os

PRESETS = {
    # 28x28 grayscale images (Fashion-MNIST), byte-level captions of up to 30 bytes: about 0.9 M
    # parameters, fast enough for a CPU laptop.
    "tiny": {
        "image_size": 28,
        "image_channels": 1,
        "patch_size": 7,
        "vision_width": 128,
        "vision_layers": 2,
        "vision_heads": 4,
        "context_length": 32,
        "text_width": 128,
        "text_layers": 2,
        "text_heads": 4,
        "embed_dim": 128,
        "mlp_ratio": 4,
        "image_mean": [0.5],
        "image_std": [0.5],
        "init_logit_scale": 2.6592600878,  # log(1 / 0.07), as CLIP
        "max_logit_scale": 4.6051701860,  # log(100)
    },
    # 64x64 RGB images, for a GPU: about 11 M parameters.
    "small": {
        "image_size": 64,
        "image_channels": 3,
        "patch_size": 8,
        "vision_width": 384,
        "vision_layers": 6,
        "vision_heads": 6,
        "context_length": 64,
        "text_width": 256,
        "text_layers": 4,
        "text_heads": 4,
        "embed_dim": 256,
        "mlp_ratio": 4,
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "init_logit_scale": 2.6592600878,
        "max_logit_scale": 4.6051701860,
    },
}


def load_model_config(spec):
    """A preset name, or a JSON file: {"preset": "tiny", ...overrides} (preset defaults to tiny)."""
    if spec in PRESETS:
        return dict(PRESETS[spec])
    if not os.path.isfile(spec):
        raise ValueError(
            "--model-config must be a preset (%s) or a JSON file, got %r" % (", ".join(sorted(PRESETS)), spec)
        )
    with open(spec, "r", encoding="utf-8") as f:
        overrides = json.load(f)
    if not isinstance(overrides, dict):
        raise ValueError("%s: a model config must be a JSON object" % spec)
    base = overrides.pop("preset", "tiny")
    if base not in PRESETS:
        raise ValueError("%s: unknown preset %r" % (spec, base))
    config = dict(PRESETS[base])
    unknown = sorted(set(overrides) - set(config))
    if unknown:
        raise ValueError("%s: unknown model config keys: %s" % (spec, ", ".join(unknown)))
    config.update(overrides)
    validate_config(config)
    return config


def validate_config(config):
    if config["image_size"] % config["patch_size"] != 0:
        raise ValueError("image_size must be a multiple of patch_size")
    for tower in ("vision", "text"):
        if config[tower + "_width"] % config[tower + "_heads"] != 0:
            raise ValueError("%s_width must be a multiple of %s_heads" % (tower, tower))
    if len(config["image_mean"]) != config["image_channels"] or len(config["image_std"]) != config["image_channels"]:
        raise ValueError("image_mean and image_std need one value per image channel")
    if config["context_length"] < 3:
        raise ValueError("context_length must be at least 3")
