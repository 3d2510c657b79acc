"""Office Space Allocation (OSA) benchmark: reader, exact evaluator, CP-SAT model and greedy baseline.

Used to validate the planner's modelling style on the public Nottingham / SVe150
instances before trusting it on real offices.
"""

from zones.optimizer.osa.baseline import greedy_allocation
from zones.optimizer.osa.evaluate import Evaluation, evaluate
from zones.optimizer.osa.instance import (
    SOFT_PENALTY,
    ConstraintType,
    Entity,
    OsaConstraint,
    OsaFormatError,
    OsaInstance,
    Room,
    read_instance,
)
from zones.optimizer.osa.model import ModelOptions, OsaModel, build_model
from zones.optimizer.osa.solve import OsaSolution, SolveParameters, SolveProgress, solve

__all__ = [
    "SOFT_PENALTY",
    "ConstraintType",
    "Entity",
    "Evaluation",
    "ModelOptions",
    "OsaConstraint",
    "OsaFormatError",
    "OsaInstance",
    "OsaModel",
    "OsaSolution",
    "Room",
    "SolveParameters",
    "SolveProgress",
    "build_model",
    "evaluate",
    "greedy_allocation",
    "read_instance",
    "solve",
]
