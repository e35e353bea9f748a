"""Loss curves: the loss and accuracy of an untrained classifier; loss spikes (000 §1.3)."""

from __future__ import annotations

import sympy as sp

from nablagrade.derive.scalar import formula, latex
from nablagrade.derive.solution import Step
from nablagrade.problems.model import Param, Part, problem


@problem(
    "loss.init",
    title="Loss and accuracy before training",
    statement=r"A classifier over $C$ classes is randomly initialised, so that its logits are "
              r"(nearly) equal. What are the cross-entropy loss and the accuracy before training?",
    params=(Param("classes", "int", 4, "number of classes", min=2),),
    parts=(
        Part("loss", "number", r"The cross-entropy loss before training."),
        Part("accuracy", "number", r"The accuracy before training."),
    ),
    source="000 §1.3 (4)",
)
def loss_init(p):
    n = p.classes
    logits = [sp.Integer(0)] * n  # equal logits: the untrained model favours no class
    prob = sp.exp(logits[0]) / sum(sp.exp(z) for z in logits)
    loss = sp.simplify(-sp.log(prob))
    # Predicting any class scores 1 when it is the true one: expected accuracy is one chance in n.
    accuracy = sp.Rational(1, n)
    steps = (Step(r"p_i", r"\frac{e^{z_i}}{\sum_{j=1}^{%s} e^{z_j}} = %s" % (n, latex(prob)),
                  "equal logits"),
             Step(r"\ell", r"-\ln p_y = %s" % latex(loss), "cross-entropy"))
    return {
        "loss": formula(loss, lhs=r"\ell", steps=steps),
        "accuracy": formula(accuracy, lhs=r"\mathrm{acc}",
                            steps=(Step(r"\mathrm{acc}", r"P(\hat y = y) = \frac{1}{%s}" % n,
                                        "uniform guess"),)),
    }


@problem(
    "debug.loss-spikes",
    title="Spikes in an RNN's training loss",
    statement="The training loss of an RNN shows spikes, some above the initial loss.",
    parts=(
        Part("loss-spikes", "text",
             "What caused the spikes? How can they exceed the initial loss? How can they be fixed?",
             reference="Exploding gradients: a large gradient step throws the parameters into a "
                       "region of high loss (an optimisation instability), which can be worse than "
                       "the initial loss. Fix: gradient clipping (also a lower learning rate).",
             rubric=(("exploding",), ("instabilit", "overshoot", "large step", "too large"),
                     ("clipping", "clip"))),
    ),
    source="000 §1.3 (1-3)",
)
def loss_spikes(p):
    return {}
