"""Where the project is on disk, for tests that run its files in a subprocess."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
