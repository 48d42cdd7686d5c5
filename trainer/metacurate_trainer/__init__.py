"""metacurate_trainer: a small CLIP trainer for curated image-text data.

Runs on Debian's python3-torch 1.13 (CPU) and on PyTorch 2.x (CPU or GPU). See README.md and
`python3 -m metacurate_trainer --help`.
"""

__version__ = "0.1.0"
