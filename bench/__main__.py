"""`make bench`: run every benchmark under bench/, each printing its figures and its baseline."""

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failures = 0
    for module in sorted(Path(__file__).parent.glob("bench_*.py")):
        name = f"bench.{module.stem}"
        print(f"== {name}", flush=True)
        failures += subprocess.run([sys.executable, "-m", name], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
