"""Imported by every Python process of a test run that sets PLATFORM_TEST_CLOCK (tests/clock.py
puts this folder on PYTHONPATH): the process's clock follows the run's."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.clock import shift_python_clock

shift_python_clock()
