"""A byte-level tokenizer: UTF-8 bytes of the lower-cased, whitespace-collapsed caption between a
start and an end token. It needs no vocabulary file, reads every language, and round-trips text
that fits in the context."""

import re

import torch

PAD = 0
SOT = 1
EOT = 2
BYTE_OFFSET = 3
VOCAB_SIZE = 256 + BYTE_OFFSET

_SPACES = re.compile(r"\s+")


def clean(text):
    return _SPACES.sub(" ", text).strip().lower()


class ByteTokenizer:
    vocab_size = VOCAB_SIZE

    def __init__(self, context_length):
        if context_length < 3:
            raise ValueError("context_length must be at least 3")
        self.context_length = context_length

    def encode(self, text):
        """Token ids of one caption, truncated so that the end token always fits (not padded)."""
        data = clean(text).encode("utf-8")[: self.context_length - 2]
        return [SOT] + [b + BYTE_OFFSET for b in data] + [EOT]

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            i = int(i)
            if i == EOT:
                break
            if i >= BYTE_OFFSET:
                out.append(i - BYTE_OFFSET)
        return out.decode("utf-8", errors="replace")

    def __call__(self, texts):
        """A LongTensor [len(texts), context_length], padded with PAD."""
        if isinstance(texts, str):
            texts = [texts]
        result = torch.zeros(len(texts), self.context_length, dtype=torch.long)
        for row, text in enumerate(texts):
            ids = self.encode(text)
            result[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        return result
