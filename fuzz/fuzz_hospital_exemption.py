"""Fuzz the `hospital_exemption` source reader (see fuzz/harness.py):

python fuzz/fuzz_hospital_exemption.py -atheris_runs=N
"""

from harness import main

if __name__ == "__main__":
    main("hospital_exemption")
