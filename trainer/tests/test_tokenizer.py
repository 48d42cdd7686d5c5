import unittest

import helpers  # noqa: F401

from metacurate_trainer.tokenizer import EOT, PAD, SOT, VOCAB_SIZE, ByteTokenizer


class TokenizerTest(unittest.TestCase):
    def test_round_trip(self):
        tok = ByteTokenizer(64)
        for text in ["a photo of a sneaker", "t-shirt, size m", "café crème 東京", ""]:
            ids = tok.encode(text)
            self.assertEqual(ids[0], SOT)
            self.assertEqual(ids[-1], EOT)
            self.assertEqual(tok.decode(ids[1:]), text)
            self.assertTrue(all(0 <= i < VOCAB_SIZE for i in ids))

    def test_lower_case_and_spaces(self):
        tok = ByteTokenizer(64)
        self.assertEqual(tok.decode(tok.encode("  Ankle\tBOOT \n")[1:]), "ankle boot")

    def test_truncation_keeps_the_end_token(self):
        tok = ByteTokenizer(8)
        ids = tok.encode("a very long caption")
        self.assertEqual(len(ids), 8)
        self.assertEqual(ids[-1], EOT)
        self.assertEqual(tok.decode(ids[1:]), "a very")

    def test_batch_padding(self):
        tok = ByteTokenizer(10)
        batch = tok(["bag", "sandal"])
        self.assertEqual(tuple(batch.shape), (2, 10))
        self.assertEqual(batch[0, 4].item(), EOT)
        self.assertTrue((batch[0, 5:] == PAD).all())
        self.assertEqual(tok.decode(batch[1, 1:].tolist()), "sandal")


if __name__ == "__main__":
    unittest.main()
