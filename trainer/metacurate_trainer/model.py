"""A CLIP model sized by a config: a ViT image tower and a causal transformer text tower over the
byte-level tokenizer's ids, each ending in a linear projection to a shared embedding; a learnable
temperature (logit scale, clamped at log 100 as in CLIP). Written within the PyTorch 1.13 API;
PyTorch 2.x's fused attention is used when present."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .tokenizer import EOT, VOCAB_SIZE

_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 and cast back (PyTorch 1.13's CPU autocast does not cast it)."""

    def forward(self, x):
        return F.layer_norm(x.float(), self.normalized_shape, self.weight, self.bias, self.eps).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x, causal):
        b, n, c = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(b, n, 3, h, c // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if _HAS_SDPA:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        else:
            attn = (q * (1.0 / math.sqrt(c // h))) @ k.transpose(-2, -1)
            if causal:
                mask = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(1)
                attn = attn.masked_fill(mask, float("-inf"))
            out = attn.softmax(dim=-1).to(v.dtype) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        self.ln_1 = LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln_2 = LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x, causal=False):
        x = x + self.attn(self.ln_1(x), causal)
        return x + self.mlp(self.ln_2(x))


class VisionTower(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        width = cfg["vision_width"]
        patches = (cfg["image_size"] // cfg["patch_size"]) ** 2
        self.patch_embed = nn.Conv2d(
            cfg["image_channels"], width, kernel_size=cfg["patch_size"], stride=cfg["patch_size"], bias=False
        )
        self.class_embedding = nn.Parameter(torch.randn(width) * width**-0.5)
        self.positional_embedding = nn.Parameter(torch.randn(patches + 1, width) * width**-0.5)
        self.ln_pre = LayerNorm(width)
        self.blocks = nn.ModuleList(
            [Block(width, cfg["vision_heads"], cfg["mlp_ratio"]) for _ in range(cfg["vision_layers"])]
        )
        self.ln_post = LayerNorm(width)
        self.proj = nn.Linear(width, cfg["embed_dim"], bias=False)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # [B, patches, width]
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x)
        for block in self.blocks:
            x = block(x)
        return self.proj(self.ln_post(x[:, 0]))


class TextTower(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        width = cfg["text_width"]
        self.token_embedding = nn.Embedding(VOCAB_SIZE, width)
        self.positional_embedding = nn.Parameter(torch.randn(cfg["context_length"], width) * 0.01)
        self.blocks = nn.ModuleList(
            [Block(width, cfg["text_heads"], cfg["mlp_ratio"]) for _ in range(cfg["text_layers"])]
        )
        self.ln_final = LayerNorm(width)
        self.proj = nn.Linear(width, cfg["embed_dim"], bias=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)

    def forward(self, tokens):
        x = self.token_embedding(tokens) + self.positional_embedding[: tokens.shape[1]]
        for block in self.blocks:
            x = block(x, causal=True)
        x = self.ln_final(x)
        # The features at the end token (the first EOT of each row) stand for the caption.
        eot = (tokens == EOT).int().argmax(dim=-1)
        return self.proj(x[torch.arange(x.shape[0], device=x.device), eot])


class CLIP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        self.visual = VisionTower(cfg)
        self.text = TextTower(cfg)
        self.logit_scale = nn.Parameter(torch.tensor(float(cfg["init_logit_scale"])))
        self.max_logit_scale = float(cfg["max_logit_scale"])
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def encode_image(self, images, normalize=True):
        features = self.visual(images)
        return F.normalize(features.float(), dim=-1) if normalize else features

    def encode_text(self, tokens, normalize=True):
        features = self.text(tokens)
        return F.normalize(features.float(), dim=-1) if normalize else features

    def forward(self, images, tokens):
        return self.encode_image(images), self.encode_text(tokens), self.logit_scale.exp()

    def clamp_logit_scale(self):
        with torch.no_grad():
            self.logit_scale.clamp_(0, self.max_logit_scale)


def clip_loss(image_features, text_features, logit_scale):
    """Symmetric InfoNCE: the mean of image-to-text and text-to-image cross-entropies over the
    batch's similarity matrix, the i-th image and i-th text being the positive pair."""
    logits = logit_scale * image_features.float() @ text_features.float().t()
    labels = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def parameter_groups(model, weight_decay):
    """AdamW groups as OpenCLIP makes them: no weight decay on gains, biases, embeddings, the
    logit scale and other parameters of fewer than 2 dimensions."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        exclude = param.ndim < 2 or "embedding" in name or "logit_scale" in name
        (no_decay if exclude else decay).append(param)
    return [
        {"params": no_decay, "weight_decay": 0.0},
        {"params": decay, "weight_decay": weight_decay},
    ]


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
