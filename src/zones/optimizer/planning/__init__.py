"""Attendance and seating planning: who comes in when, in which zone, at which desk.

A pure library over an immutable `Scenario` (from the database adapter or a JSON file):

- `plan_office` decomposes the problem: stage 1 (CP-SAT) chooses office days and team gatherings
  against a zone-free day capacity, stage 2 (a min-cost flow per day) seats people into zones,
  stage 3 (a greedy matching) gives concrete desks, the same one across the week where possible;
- `greedy_plan` imitates first-come desk booking, for comparison; `plan_kpis` measures both;
- `check_plan` checks any plan against every hard constraint independently of the solver;
- `spec` defines what a good plan is (gathering days, mismatches, bands…) once, for the planner,
  the KPIs and the checker alike;
- `analyse_densification`, `densification_sweep` and `render_charts` show how crowded a plan or
  office is against sourced thresholds (`default_thresholds`), and how far it can be densified.
"""

from zones.optimizer.planning.baseline import greedy_plan
from zones.optimizer.planning.charts import render_charts
from zones.optimizer.planning.checker import capacity_shortfalls, check_plan, plan_notes
from zones.optimizer.planning.densification import (
    DensificationAnalysis,
    DensificationFlag,
    PersonFigures,
    RoomFigures,
    SpaceFigures,
    analyse_densification,
)
from zones.optimizer.planning.desks import assign_rooms
from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.generate import generate_scenario
from zones.optimizer.planning.kpis import PlanKpis, plan_kpis
from zones.optimizer.planning.plan import (
    ObjectiveTerm,
    Plan,
    PlanNote,
    PlanOptions,
    PlanProgress,
    PlanStopped,
    ProgressCallback,
    Seat,
    StageReport,
    Violation,
    raise_if_stopped,
)
from zones.optimizer.planning.planner import plan_office, planner_time_limit
from zones.optimizer.planning.report import PlanReport, ReportTable, plan_report, team_days_label
from zones.optimizer.planning.scenario import (
    Booking,
    Desk,
    Employee,
    PlanningPolicy,
    Room,
    Scenario,
    Session,
    Team,
    Weights,
    Zone,
)
from zones.optimizer.planning.scenario_file import check_scenario, read_scenario, write_scenario
from zones.optimizer.planning.spec import attendance_band
from zones.optimizer.planning.thresholds import Threshold, default_thresholds, metric_name
from zones.optimizer.planning.whatif import (
    DensificationSweep,
    SweepStep,
    add_headcount,
    densification_sweep,
    remove_desks,
)
from zones.optimizer.solving import Deadline

__all__ = [
    "Booking",
    "Deadline",
    "DensificationAnalysis",
    "DensificationFlag",
    "DensificationSweep",
    "Desk",
    "Employee",
    "ObjectiveTerm",
    "PersonFigures",
    "Plan",
    "PlanKpis",
    "PlanNote",
    "PlanOptions",
    "PlanProgress",
    "PlanReport",
    "PlanStopped",
    "PlanningPolicy",
    "ProgressCallback",
    "ReportTable",
    "Room",
    "RoomFigures",
    "Scenario",
    "Seat",
    "Session",
    "SpaceFigures",
    "StageReport",
    "SweepStep",
    "Team",
    "Threshold",
    "Violation",
    "Weights",
    "Zone",
    "add_headcount",
    "analyse_densification",
    "assign_rooms",
    "attendance_band",
    "capacity_shortfalls",
    "check_plan",
    "check_scenario",
    "default_thresholds",
    "densification_sweep",
    "generate_scenario",
    "greedy_plan",
    "metric_name",
    "plan_kpis",
    "plan_notes",
    "plan_office",
    "plan_report",
    "planner_time_limit",
    "raise_if_stopped",
    "read_scenario",
    "remove_desks",
    "render_charts",
    "scenario_facts",
    "team_days_label",
    "write_scenario",
]
