"""Office and policy files: the shipped ones are valid, and every broken one says file, key and why."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from helpers import minimal_office, write_office
from zones.office.errors import ConfigError
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file, demo_office_file
from zones.office.policy import effective_policy
from zones.optimizer.planning import Weights

Mutation = Callable[[dict[str, Any]], None]


def test_shipped_demo_office_is_valid_and_realistic() -> None:
    office = load_office_file(demo_office_file())
    zones = [zone for floor in office.floors for zone in floor.zones]
    desks = [desk for zone in zones for desk in zone.desks if desk.bookable]
    rooms = [room for zone in zones for room in zone.rooms]
    assert len(office.floors) == 2
    assert {zone.activity.value for zone in zones} == {"quiet", "collaboration", "facilitation"}
    assert [zone.activity.value for zone in zones].count("quiet") == 2, "a quiet zone on each floor"
    assert 90 <= len(desks) <= 100
    assert 2 <= len(rooms) <= 3
    assert all(2.5 <= zone.ceiling_height_m <= 2.8 for zone in zones)
    assert any("phone-booth" in desk.attributes for zone in zones for desk in zone.desks)
    assert sum(1 for team in office.teams if team.kind == "circle") in (1, 2)
    assert office.site.timezone == "Europe/Copenhagen"


def test_shipped_policy_has_every_threshold_with_a_source() -> None:
    policy = load_policy_file(default_policy_file())
    metrics = {t.metric for t in policy.thresholds}
    assert {
        "air_m3_per_person",
        "area_m2_per_person",
        "zone_area_m2",
        "desks_per_fte",
        "peak_utilisation",
    } <= metrics
    assert all(t.source.strip() for t in policy.thresholds)
    assert (policy.attendance.min_share, policy.attendance.max_share) == (0.4, 0.6)


def test_shipped_policy_lists_every_planning_weight_at_the_planners_default() -> None:
    weights = load_policy_file(default_policy_file()).planning.weights
    assert msgspec.structs.asdict(weights) == msgspec.structs.asdict(Weights())


def test_an_office_weight_overrides_that_weight_only(tmp_path: Path) -> None:
    document = minimal_office()
    document["policy"] = {"planning": {"weights": {"preferred_day": 80}}}
    office = load_office_file(write_office(tmp_path / "office.toml", document))
    policy = effective_policy(load_policy_file(default_policy_file()), office.policy, "DK")
    assert policy.planning_weights == {**msgspec.structs.asdict(Weights()), "preferred_day": 80}


def test_a_policy_file_with_a_misspelt_weight_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    text = default_policy_file().read_text(encoding="utf-8")
    path.write_text(text.replace("demand_peak =", "demand_peek ="), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy_file(path)
    assert caught.value.lines == [
        f"{path}: planning.weights.demand_peek is not a known key (did you mean demand_peak?)"
    ]


def test_country_specific_thresholds_win_over_the_default() -> None:
    defaults = load_policy_file(default_policy_file())
    empty = load_office_file(demo_office_file()).policy.__class__()
    denmark = {t.metric: t for t in effective_policy(defaults, empty, "DK").thresholds}
    britain = {t.metric: t for t in effective_policy(defaults, empty, "GB").thresholds}
    assert (denmark["air_m3_per_person"].warning, denmark["air_m3_per_person"].breach) == (12.0, 8.0)
    assert britain["air_m3_per_person"].breach == 11.0
    assert britain["air_m3_per_person"].counted_height_max_m == 3.0
    assert "HSE" in britain["air_m3_per_person"].source


def _set(path: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _rename(path: str, new: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[new] = node.pop(last)

    return mutate


BROKEN: dict[str, tuple[Mutation, str]] = {
    "negative area": (_set("floors.0.zones.0.area_m2", -5.0), "floors[0].zones[0].area_m2 must be > 0"),
    "area as text": (
        _set("floors.0.zones.1.area_m2", "big"),
        "floors[0].zones[1].area_m2 must be a number, not text",
    ),
    "missing zone key": (_delete("floors.0.zones.0.key"), "floors[0].zones[0].key is required"),
    "misspelt key": (
        _rename("floors.0.zones.0.area_m2", "aera_m2"),
        "floors[0].zones[0].aera_m2 is not a known key (did you mean area_m2?)",
    ),
    "unknown activity": (
        _set("floors.0.zones.0.activity", "loud"),
        "floors[0].zones[0].activity is 'loud', which is not allowed"
        " (one of: quiet, collaboration, facilitation)",
    ),
    "misspelt time zone": (
        _set("site.timezone", "Europe/Copenhagn"),
        "site.timezone 'Europe/Copenhagn' is not a known time zone (did you mean Europe/Copenhagen?)",
    ),
    "lower-case country": (
        _set("site.country", "dk"),
        "site.country must be a two-letter ISO 3166 country code",
    ),
    "closing before opening": (
        _set("site.closes", "07:00"),
        "site.closes must be later than site.opens (08:00)",
    ),
    "bad clock": (_set("site.opens", "8am"), 'site.opens must be a time of day such as "08:30"'),
    "unknown weekday": (_set("site.working_days", ["mon", "funday"]), "site.working_days[1] is 'funday'"),
    "duplicate desk code": (
        _set("floors.0.zones.1.desks.0.code", "Q-1"),
        "floors[0].zones[1].desks[0].code 'Q-1' is already used by floors[0].zones[0].desks[0]",
    ),
    "room outside facilitation": (
        _set("floors.0.zones.0.rooms", [{"code": "R", "name": "R", "capacity": 2}]),
        "floors[0].zones[0].rooms workshop rooms belong in a facilitation zone; zone 'q' is quiet",
    ),
    "unknown neighbourhood": (
        _set("floors.0.zones.1.neighbourhood", "nort"),
        "floors[0].zones[1].neighbourhood names neighbourhood 'nort', which is not defined"
        " (did you mean 'north'?)",
    ),
    "circle without end": (
        _set("teams.0.kind", "circle"),
        "teams[0].ends_on is required for a circle",
    ),
    "desk outside its zone": (
        _set("floors.0.zones.0.desks.0.x", 25.0),
        "floors[0].zones[0].desks[0] at (25.0, 1.0) lies outside its zone's outline",
    ),
    "zone outside the floor": (
        _set("floors.0.zones.0.outline.width", 40.0),
        "floors[0].zones[0].outline reaches beyond the floor (30.0 × 20.0 m)",
    ),
    "zero capacity room": (
        _set("floors.0.zones.2.rooms.0.capacity", 0),
        "floors[0].zones[2].rooms[0].capacity must be >= 1",
    ),
    "inverted band": (
        _set("policy", {"attendance": {"min_share": 0.7, "max_share": 0.5}}),
        "policy.attendance.min_share must not exceed max_share (0.5)",
    ),
    "share above one": (
        _set("policy", {"attendance": {"max_share": 1.5}}),
        "policy.attendance.max_share must be <= 1",
    ),
    "misspelt weight": (
        _set("policy", {"planning": {"weights": {"team_gatherng": 500}}}),
        "policy.planning.weights.team_gatherng is not a known key (did you mean team_gathering?)",
    ),
    "unknown weight": (
        _set("policy", {"planning": {"weights": {"happiness": 5}}}),
        "policy.planning.weights.happiness is not a known key (expected one of: team_gathering,",
    ),
    "negative weight": (
        _set("policy", {"planning": {"weights": {"preferred_day": -1}}}),
        "policy.planning.weights.preferred_day must be >= 0",
    ),
    "weight as text": (
        _set("policy", {"planning": {"weights": {"demand_peak": "high"}}}),
        "policy.planning.weights.demand_peak must be a whole number, not text",
    ),
    "fractional weight": (
        _set("policy", {"planning": {"weights": {"demand_peak": 0.5}}}),
        "policy.planning.weights.demand_peak must be a whole number",
    ),
    "team day off the working week": (
        _set("teams.0.team_day", "sun"),
        "teams[0].team_day sun is not one of the site's working days",
    ),
    "floor list as table": (_set("floors", {"name": "x"}), "floors must be a list, not a table"),
    "no floors": (_set("floors", []), "floors must describe at least one floor"),
    "escape in the site name": (
        _set("site.name", "HQ \x1b[31mred"),
        "site.name must be one line of text without control characters",
    ),
    "nul in a zone name": (
        _set("floors.0.zones.0.name", "Quiet\x00"),
        "floors[0].zones[0].name must be one line of text without control characters",
    ),
    "line break in a room name": (
        _set("floors.0.zones.2.rooms.0.name", "Big\r\nroom"),
        "floors[0].zones[2].rooms[0].name must be one line of text without control characters",
    ),
    "bell in a team name": (
        _set("teams.0.name", "Alpha\x07"),
        "teams[0].name must be one line of text without control characters",
    ),
    "tab in a neighbourhood name": (
        _set("neighbourhoods.0.name", "North\tside"),
        "neighbourhoods[0].name must be one line of text without control characters",
    ),
    "floor name on two lines": (
        _set("floors.0.name", "Ground\nfloor"),
        "floors[0].name must be one line of text without control characters",
    ),
    "trailing line feed in a key": (
        _set("site.key", "hq\n"),
        "site.key must be a short name of letters, digits, '.', '_' or '-'",
    ),
    "trailing line feed in a desk code": (
        _set("floors.0.zones.0.desks.0.code", "Q-1\n"),
        "floors[0].zones[0].desks[0].code must be a short name",
    ),
    "trailing line feed in a country": (
        _set("site.country", "DK\n"),
        "site.country must be a two-letter ISO 3166 country code",
    ),
    "trailing line feed in an opening time": (
        _set("site.opens", "08:00\n"),
        'site.opens must be a time of day such as "08:30"',
    ),
    "trailing line feed in a desk attribute": (
        _set("floors.0.zones.0.desks.0.attributes", ["dual-screen\n"]),
        "floors[0].zones[0].desks[0].attributes[0] must be lower-case letters",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN), ids=sorted(BROKEN))
def test_broken_office_file_names_file_and_key(case: str, tmp_path: Path) -> None:
    mutate, expected = BROKEN[case]
    document = copy.deepcopy(minimal_office())
    mutate(document)
    path = write_office(tmp_path / "office.toml", document)
    with pytest.raises(ConfigError) as caught:
        load_office_file(path)
    lines = caught.value.lines
    assert any(line.startswith(f"{path}: {expected}") for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_minimal_office_is_valid(tmp_path: Path) -> None:
    office = load_office_file(write_office(tmp_path / "office.toml", minimal_office()))
    assert office.site.key == "hq"


def test_names_take_danish_letters_emoji_and_spaces(tmp_path: Path) -> None:
    document = minimal_office()
    document["site"]["name"] = "Rådhuset på Østerbro 🏛"
    document["teams"][0]["name"] = "Økonomi & Æblegruppen"
    document["floors"][0]["zones"][2]["rooms"][0]["name"] = "Mødelokale Ærø"
    office = load_office_file(write_office(tmp_path / "office.toml", document))
    assert office.site.name == "Rådhuset på Østerbro 🏛"
    assert office.teams[0].name == "Økonomi & Æblegruppen"
    assert office.floors[0].zones[2].rooms[0].name == "Mødelokale Ærø"


def test_a_threshold_note_may_span_lines_but_holds_no_other_control_characters(tmp_path: Path) -> None:
    threshold = {
        "metric": "air_m3_per_person",
        "direction": "min",
        "warning": 12.0,
        "unit": "m³",
        "source": "Arbejdstilsynet",
        "note": "First line.\nSecond line.\n",
    }
    document = {**minimal_office(), "policy": {"thresholds": [threshold]}}
    office = load_office_file(write_office(tmp_path / "office.toml", document))
    assert office.policy.thresholds[0].note.count("\n") == 2
    threshold["note"] = "Rings\x07"
    with pytest.raises(ConfigError) as caught:
        load_office_file(write_office(tmp_path / "office.toml", document))
    assert caught.value.lines == [
        f"{tmp_path / 'office.toml'}: policy.thresholds[0].note must be text without control characters"
        " other than line feeds and tabs"
    ]


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_text('[site]\nkey = "hq"\nname = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_office_file(path)
    assert caught.value.lines == [f"{path}: is not valid TOML: Invalid value (at line 3, column 8)"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot be read: No such file or directory"):
        load_office_file(path)


def test_toml_times_are_accepted_like_quoted_ones(tmp_path: Path) -> None:
    path = write_office(tmp_path / "office.toml", minimal_office())
    text = path.read_text(encoding="utf-8").replace('country = "DK"', 'country = "DK"\nopens = 07:30:00')
    path.write_text(text, encoding="utf-8")
    assert load_office_file(path).site.opens == "07:30"


def test_policy_defaults_file_must_be_complete(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[attendance]\nmin_share = 0.4\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy_file(path)
    assert f"{path}: attendance.max_share is required in a policy defaults file" in caught.value.lines
    assert f"{path}: booking.horizon_days is required in a policy defaults file" in caught.value.lines


def test_office_band_must_stay_ordered_once_merged_with_defaults(tmp_path: Path) -> None:
    document = minimal_office()
    document["policy"] = {"attendance": {"min_share": 0.7}}
    path = write_office(tmp_path / "office.toml", document)
    load_office_file(path)  # alone it is fine: the file sets no maximum
    with pytest.raises(ConfigError) as caught:
        load_office_file(path, load_policy_file(default_policy_file()))
    assert caught.value.lines == [
        f"{path}: policy.attendance.min_share must not exceed max_share (0.6 from the policy defaults)"
    ]
