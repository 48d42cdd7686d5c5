import math
import unittest

import helpers  # noqa: F401

from metacurate_trainer.schedule import cosine_lr


class ScheduleTest(unittest.TestCase):
    def test_warmup_then_cosine(self):
        lr, warmup, total = 1e-3, 10, 110
        self.assertAlmostEqual(cosine_lr(0, lr, warmup, total), 1e-4)
        self.assertAlmostEqual(cosine_lr(4, lr, warmup, total), 5e-4)
        self.assertAlmostEqual(cosine_lr(9, lr, warmup, total), 1e-3)
        self.assertAlmostEqual(cosine_lr(10, lr, warmup, total), 1e-3)
        self.assertAlmostEqual(cosine_lr(60, lr, warmup, total), 5e-4)
        self.assertAlmostEqual(cosine_lr(35, lr, warmup, total), 0.5 * (1 + math.cos(math.pi / 4)) * lr)
        self.assertAlmostEqual(cosine_lr(110, lr, warmup, total), 0.0)

    def test_monotone_decay_after_warmup(self):
        values = [cosine_lr(s, 1.0, 5, 50) for s in range(5, 50)]
        self.assertTrue(all(a >= b for a, b in zip(values, values[1:])))

    def test_no_decay_steps(self):
        self.assertEqual(cosine_lr(20, 1.0, 20, 20), 1.0)


if __name__ == "__main__":
    unittest.main()
