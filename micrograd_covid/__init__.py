"""micrograd_covid: a minimal scalar autograd engine that makes backpropagation visible."""

from .classify import accuracy, plot_decision_boundary
from .data import (
    Scaler,
    daily_infections,
    load_daily_counts,
    moons,
    regression_rows,
    sir_curve,
    windows,
)
from .debug import HookHandle, Origin, detect_anomaly, no_grad, set_detect_anomaly
from .draw import GraphvizMissingError, draw, render
from .engine import Value, topological_order
from .explain import Explanation, explain, render_steps
from .explore import Exploration, explore
from .finite_differences import GradcheckReport, gradcheck
from .io import load, save, to_torch
from .losses import bce, cross_entropy, hinge, mse, squared_error, sse
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer
from .steps import BackwardEdge, BackwardStep
from .tape import Tape
from .train import DivergenceError, History, fit
from .user_ops import define_op

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "BackwardEdge",
    "BackwardStep",
    "DivergenceError",
    "Explanation",
    "Exploration",
    "GradcheckReport",
    "GraphvizMissingError",
    "History",
    "HookHandle",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Origin",
    "Scaler",
    "Tape",
    "Value",
    "accuracy",
    "bce",
    "cross_entropy",
    "daily_infections",
    "define_op",
    "detect_anomaly",
    "draw",
    "explain",
    "explore",
    "fit",
    "gradcheck",
    "hinge",
    "load",
    "load_daily_counts",
    "moons",
    "mse",
    "no_grad",
    "plot_decision_boundary",
    "regression_rows",
    "render",
    "render_steps",
    "save",
    "set_detect_anomaly",
    "sir_curve",
    "squared_error",
    "sse",
    "to_torch",
    "topological_order",
    "windows",
]
__version__ = "0.1.0"
