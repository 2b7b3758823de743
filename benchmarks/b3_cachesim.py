"""B3 steps for a cache simulator: the instructions and cache misses of one step.

Runs N steps of one B3 library (``numpy``, the hand-written reference, or ``revad``)
at float32, each after a full ``gc.collect()`` as the harness times them (unless
``--no-collect``), and calls each step through ``functools.partial`` so that
callgrind can count inside the steps alone (its entry point in C is
``partial_vectorcall``)::

    OMP_NUM_THREADS=1 valgrind --tool=callgrind --cache-sim=yes \\
        --I1=32768,8,64 --D1=32768,8,64 --LL=524288,8,64 \\
        --toggle-collect=partial_vectorcall --callgrind-out-file=b3.out \\
        python benchmarks/b3_cachesim.py revad 20

Divide the counts valgrind prints (instructions, and misses of the last level, here
a 512 KB L2) by N. ``--tiny`` shrinks the layers to 4 units and the batch to 2, which
leaves the per-op overhead alone.
"""
# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # isort: skip
import argparse
import functools
import gc

import numpy as np

import b3_array_mlp as b3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=("numpy", "revad"))
    parser.add_argument("steps", type=int)
    parser.add_argument("--tiny", action="store_true", help="4-unit layers, batch 2")
    parser.add_argument("--no-collect", action="store_true",
                        help="no gc.collect() before each step")
    args = parser.parse_args()
    if args.tiny:
        b3.SIZES, b3.BATCH = (4, 4, 4, 4), 2
    params, X, Y = b3.make_problem(np.float32)
    runner = dict((label, r) for label, _, r in b3.RUNNERS)[args.library]
    lib = None if args.library == "numpy" else harness.peer(args.library)[0]
    setup, step, _ = runner(lib, params, X, Y)
    step(*setup())  # imports and first-use caches stay out of the counts
    timed = functools.partial(lambda leaves: step(*leaves))
    for _ in range(args.steps):
        leaves = setup()
        if not args.no_collect:
            gc.collect()
        timed(leaves)


if __name__ == "__main__":
    main()
