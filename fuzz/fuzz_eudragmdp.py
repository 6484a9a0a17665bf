"""Fuzz the `eudragmdp` source reader (see fuzz/harness.py):

python fuzz/fuzz_eudragmdp.py -atheris_runs=N
"""

from harness import main

if __name__ == "__main__":
    main("eudragmdp")
