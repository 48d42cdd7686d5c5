"""Learning-rate schedule as OpenCLIP's `cosine_lr`: linear warm-up over the first `warmup` steps
(lr * (step + 1) / warmup), then a cosine decay from lr to 0 at `total` steps. Steps count from 0."""

import math


def cosine_lr(step, base_lr, warmup, total):
    if step < warmup:
        return base_lr * (step + 1) / warmup
    decay_steps = total - warmup
    if decay_steps <= 0:
        return base_lr
    progress = min(1.0, (step - warmup) / decay_steps)
    return 0.5 * (1.0 + math.cos(math.pi * progress)) * base_lr
