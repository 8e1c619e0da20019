"""Shared test helpers: central differences and PyTorch float64 as oracles."""

from __future__ import annotations

import os

import pytest

# One thread: the machine has two cores shared by the whole suite.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def torch():  # type: ignore[no-untyped-def]
    import torch as _torch

    _torch.set_num_threads(1)
    _torch.set_default_dtype(_torch.float64)
    return _torch


def central_difference(f, x: float, eps: float = 1e-6) -> float:  # type: ignore[no-untyped-def]
    return (f(x + eps) - f(x - eps)) / (2 * eps)
