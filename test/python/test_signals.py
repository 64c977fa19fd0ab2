"""Signals during long library calls (Ctrl-C): the exception their handler raises surfaces as
itself, promptly, leaves no partial output, and the objects stay usable.  Python runs signal
handlers when a callback starts, where ctypes would drop what they raise; the binding catches
that (see pixelrts._handles)."""

import os
import signal
import tempfile
import time
import unittest

from support import pseudo_random, write_file

from pixelrts import (MMapPixelRTSDecoder, MMapPixelRTSEncoder, ParallelPixelRTSEncoder,
                      PixelRTSDecoder, PixelRTSEncoder)


class Alarm(Exception):
    pass


def _raise_alarm(signum, frame):
    raise Alarm()


@unittest.skipUnless(hasattr(signal, "setitimer"), "needs setitimer")
class Interrupts(unittest.TestCase):
    SIZE = 24 * 1024 * 1024

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="prts-sig-")
        cls.dir = cls._tmp.name
        cls.data = pseudo_random(cls.SIZE, 77)
        cls.src = os.path.join(cls.dir, "big.bin")
        write_file(cls.src, cls.data)
        cls.png = os.path.join(cls.dir, "big.rts.png")
        MMapPixelRTSEncoder().encode_file(cls.src, cls.png)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        self.old = signal.signal(signal.SIGALRM, _raise_alarm)

    def tearDown(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old)

    def interrupted(self, call, after=0.05):
        """Run call with an alarm after `after` s; True if Alarm surfaced from it."""
        signal.setitimer(signal.ITIMER_REAL, after)
        start = time.monotonic()
        try:
            call()
        except Alarm:
            return time.monotonic() - start
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        self.skipTest("the call finished before the alarm (machine too fast for this size)")

    def test_in_memory_encode_and_decode(self):
        enc, dec = PixelRTSEncoder(), PixelRTSDecoder()
        self.interrupted(lambda: enc.encode(self.data))
        self.assertEqual(dec.decode(enc.encode(b"still works")), b"still works")
        self.interrupted(lambda: dec.load(self.png), after=0.02)
        self.assertEqual(dec.decode(enc.encode(b"again")), b"again")

    def test_file_calls_leave_no_output(self):
        folder = os.path.join(self.dir, "files")
        os.mkdir(folder)
        out = os.path.join(folder, "partial.rts.png")
        enc = MMapPixelRTSEncoder()
        self.interrupted(lambda: enc.encode_file(self.src, out))
        back = os.path.join(folder, "partial.bin")
        dec = MMapPixelRTSDecoder()
        self.interrupted(lambda: dec.decode_file(self.png, back), after=0.02)
        self.assertEqual(os.listdir(folder), [])  # no output, sidecar or temporary file
        small = os.path.join(self.dir, "small.bin")
        write_file(small, b"small")
        enc.encode_file(small, out)
        dec.decode_file(out, back, verify_hash=True)

    def test_batch_stops_starting_jobs(self):
        inputs = [self.src] * 8
        outdir = os.path.join(self.dir, "batch")
        done = []
        enc = ParallelPixelRTSEncoder(workers=1)
        self.interrupted(lambda: enc.encode_batch(inputs, outdir,
                                                  progress_callback=lambda *a: done.append(a)))
        self.assertLess(len(done), len(inputs))


if __name__ == "__main__":
    unittest.main()
