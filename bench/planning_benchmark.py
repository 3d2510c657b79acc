"""Benchmark the attendance planner against first-come booking on generated offices.

Each size runs in a fresh subprocess, so peak memory (ru_maxrss) is per size. Prints, per size:
time to the first feasible stage-1 plan, objective / bound / gap per stage at the time limit, total
time, peak memory, whether every hard constraint held (checked by `check_plan`, not the solver),
and the KPIs side by side with the greedy baseline.

    .venv/bin/python bench/planning_benchmark.py --sizes 200,1000 --time-limit 30
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

KPIS = (
    ("teammate_overlap", "teammate overlap"),
    ("teams_with_an_all_in_day", "teams with an all-in day"),
    ("team_overlap_days_met", "team overlap days met"),
    ("preferences_honoured", "preferences honoured"),
    ("preferences_lost_twice", "person-weeks losing 2+ preferred days"),
    ("office_days_wanted", "office days asked for (preferred or team day)"),
    ("activity_match", "quiet/collab activity match"),
    ("neighbourhood_seating", "seated in own neighbourhood"),
    ("peak_utilisation", "peak-day utilisation"),
    ("peak_to_average", "peak / average day"),
    ("desk_stability", "desk stability"),
    ("band_shortfall_days", "band shortfall (person-days)"),
)


def default_time_limit(size: int) -> float:
    """Stage-1 seconds that keep the whole plan inside the targets (5,000 ≤ 60 s, 20,000 ≤ 180 s)."""
    if size <= 1000:
        return 20.0
    if size <= 5000:
        return 40.0
    return 120.0


TRADE_OFF_KPIS = (
    ("preferences_honoured", "preferences honoured"),
    ("preferences_lost_twice", "person-weeks losing 2+ preferred days"),
    ("teams_with_an_all_in_day", "teams with an all-in day"),
    ("teammate_overlap", "teammate overlap"),
)


def run_size(size: int, time_limit: float, seed: int, desk_ratio: float, trade_off: bool) -> dict[str, Any]:
    """Plan one generated office (in this process) and return the figures as plain data."""
    import msgspec

    from zones.optimizer.planning import (
        PlanOptions,
        check_plan,
        generate_scenario,
        greedy_plan,
        plan_kpis,
        plan_office,
    )

    started = time.perf_counter()
    scenario = generate_scenario(employees=size, desk_ratio=desk_ratio, weeks=1, seed=seed)
    generated = time.perf_counter() - started

    greedy_started = time.perf_counter()
    greedy = greedy_plan(scenario, seed=seed)
    greedy_time = time.perf_counter() - greedy_started

    plan_started = time.perf_counter()
    plan = plan_office(scenario, PlanOptions(time_limit=time_limit))
    plan_time = time.perf_counter() - plan_started

    ours_violations = check_plan(scenario, plan)
    greedy_violations = check_plan(scenario, greedy)
    bound = plan.preference_bound
    preferences_first: dict[str, float] = {}
    if trade_off:
        # The same office under a policy that gives team days no weight: preferences come first.
        weights = msgspec.structs.replace(
            scenario.policy.weights, team_gathering=0, team_overlap_day=0, fixed_team_day=0
        )
        policy = msgspec.structs.replace(scenario.policy, weights=weights)
        variant = msgspec.structs.replace(scenario, policy=policy)
        other = plan_office(variant, PlanOptions(time_limit=time_limit))
        preferences_first = plan_kpis(scenario, other).as_dict()
    return {
        "size": size,
        "desks": sum(len(z.desks) for z in scenario.zones),
        "zones": len(scenario.zones),
        "teams": len(scenario.teams),
        "generate_s": generated,
        "greedy_s": greedy_time,
        "plan_s": plan_time,
        "time_limit": time_limit,
        "stages": [
            {
                "stage": s.stage,
                "status": s.status,
                "objective": s.objective,
                "bound": s.bound,
                "gap": s.gap,
                "wall_s": s.wall_time,
                "first_s": s.first_solution_time,
            }
            for s in plan.stages
        ],
        "hard_ok": not ours_violations,
        "violations": sorted({v.constraint for v in ours_violations}),
        "greedy_violations": len(greedy_violations),
        "greedy_violation_kinds": sorted({v.constraint for v in greedy_violations}),
        "kpis": plan_kpis(scenario, plan).as_dict(),
        "greedy_kpis": plan_kpis(scenario, greedy).as_dict(),
        "preferences_first_kpis": preferences_first,
        "bound_with_team_days": bound.share_with_team_days if bound else None,
        "bound_without_team_days": bound.share_without_team_days if bound else None,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def print_tables(results: list[dict[str, Any]]) -> None:
    print()
    print("## Solve (stage 1 = CP-SAT days; 2 = min-cost flow zones; 3 = greedy desk matching)")
    print()
    header = (
        "| employees | desks | teams | first feasible s | stage 1 obj / bound (gap) | stage 2 cost / bound"
        " | stage 3 desk changes / bound | total s | peak MB | hard constraints held | greedy violations |"
    )
    print(header)
    print("|---" * 11 + "|")
    for r in results:
        s1, s2, s3 = r["stages"]
        first = f"{s1['first_s']:.1f}" if s1["first_s"] is not None else "–"
        held = "yes" if r["hard_ok"] else "NO: " + ", ".join(r["violations"])
        print(
            f"| {r['size']:,} | {r['desks']:,} | {r['teams']:,} | {first} |"
            f" {s1['objective']:,.0f} / {s1['bound']:,.0f} ({s1['gap']:.1%}, {s1['status']}) |"
            f" {s2['objective']:,.0f} / {s2['bound']:,.0f} | {s3['objective']:,.0f} / {s3['bound']:,.0f} |"
            f" {r['plan_s']:.1f} | {r['max_rss_mb']:,.0f} | {held} |"
            f" {r['greedy_violations']} ({', '.join(r['greedy_violation_kinds']) or 'none'}) |"
        )
    print()
    print("## KPIs: CP-SAT plan vs greedy first-come baseline (ratio = plan / baseline)")
    print()
    sizes = [r["size"] for r in results]
    print("| KPI | " + " | ".join(f"{n:,}: plan / greedy (ratio)" for n in sizes) + " |")
    print("|---" * (len(sizes) + 1) + "|")
    for key, label in KPIS:
        cells = []
        for r in results:
            ours, theirs = r["kpis"][key], r["greedy_kpis"][key]
            ratio = f"{ours / theirs:.2f}" if theirs else "–"
            if key == "band_shortfall_days":
                cells.append(f"{ours:.0f} / {theirs:.0f}")
            else:
                cells.append(f"{ours:.3f} / {theirs:.3f} ({ratio})")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("## Preferences honoured: upper bounds (Lagrangian; valid for any plan) and the policy trade-off")
    print()
    print("| | " + " | ".join(f"{n:,}" for n in sizes) + " |")
    print("|---" * (len(sizes) + 1) + "|")
    bound_rows = (
        ("bound, every team gathers weekly", "bound_with_team_days"),
        ("bound, no team days", "bound_without_team_days"),
    )
    for label, key in bound_rows:
        cells = [f"{r[key]:.3f}" if r[key] is not None else "–" for r in results]
        print(f"| {label} | " + " | ".join(cells) + " |")
    if any(r["preferences_first_kpis"] for r in results):
        print()
        header = "| KPI: default weights / preferences-first weights / greedy | "
        print(header + " | ".join(f"{n:,}" for n in sizes) + " |")
        print("|---" * (len(sizes) + 1) + "|")
        for key, label in TRADE_OFF_KPIS:
            cells = [
                f"{r['kpis'][key]:.3f} / {r['preferences_first_kpis'][key]:.3f} / {r['greedy_kpis'][key]:.3f}"
                if r["preferences_first_kpis"]
                else "–"
                for r in results
            ]
            print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="200,1000,5000,20000")
    parser.add_argument("--time-limit", type=float, default=None, help="stage-1 seconds (default: by size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--desk-ratio", type=float, default=0.65)
    parser.add_argument(
        "--no-trade-off", action="store_true", help="skip the second plan under preferences-first weights"
    )
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None:
        limit = args.time_limit or default_time_limit(args.worker)
        print(json.dumps(run_size(args.worker, limit, args.seed, args.desk_ratio, not args.no_trade_off)))
        return

    results = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        command = [sys.executable, __file__, "--worker", str(size), "--seed", str(args.seed)]
        command += ["--desk-ratio", str(args.desk_ratio)]
        if args.no_trade_off:
            command.append("--no-trade-off")
        if args.time_limit is not None:
            command += ["--time-limit", str(args.time_limit)]
        print(f"planning {size:,} employees …", file=sys.stderr, flush=True)
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(finished.stdout.strip().splitlines()[-1])
        results.append(result)
        s1 = result["stages"][0]
        print(
            f"  done in {result['plan_s']:.1f} s, stage-1 gap {s1['gap']:.1%},"
            f" peak {result['max_rss_mb']:.0f} MB",
            file=sys.stderr,
            flush=True,
        )
    print_tables(results)


if __name__ == "__main__":
    main()
