"""The fixture harness: markers, fixture projects, and the front ends that check them."""

from __future__ import annotations
