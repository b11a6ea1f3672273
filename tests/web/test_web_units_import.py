"""Units import/export: all or nothing, every problem named by file, row and column."""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import pytest

from parindex.errors import InputError
from parindex.web.units.models import Unit, UnitPredecessor
from parindex.web.units.services import export_units_file, import_units, import_units_file

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,parent_code,peer_group,region,valid_from,valid_to,predecessors"
GOOD = textwrap.dedent(
    f"""\
    {HEADER}
    T,Tỉnh Thử,province,,,,2023-01-01,,
    SNV,Sở Nội vụ,department,T,"Sở, ban, ngành",,2023-01-01,,
    X01,Xã Một,commune,T,Xã,Đồng bằng,2023-01-01,2024-12-31,
    X02,Xã Hai,commune,T,Xã,Đồng bằng,01/01/2023,31/12/2024,
    X50,Xã Mới,commune,T,Xã,Đồng bằng,2025-01-01,,X01:0.6;X02:0.4
    """
)


def write(tmp_path, text: str, name: str = "units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(error: InputError) -> list[str]:
    return [str(p) for p in error.problems]


def test_import_creates_the_tree_with_dates_and_predecessors(tmp_path):
    report = import_units_file(write(tmp_path, GOOD))
    assert (report.created, report.updated, report.links) == (5, 0, 2)
    t = Unit.objects.get(code="T")
    assert sorted(t.descendants().values_list("code", flat=True)) == ["SNV", "X01", "X02", "X50"]
    x02 = Unit.objects.get(code="X02")
    assert (x02.valid_from, x02.valid_to) == (dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    links = {
        link.predecessor.code: (link.weight, link.kind)
        for link in UnitPredecessor.objects.filter(unit__code="X50")
    }
    assert links == {"X01": (0.6, "merge"), "X02": (0.4, "merge")}
    assert Unit.history.filter(code="T").first().history_change_reason == "import units.csv"


def test_every_problem_is_named_and_nothing_is_written(tmp_path):
    bad = textwrap.dedent(
        f"""\
        {HEADER}
        T,Tỉnh Thử,province,,,,2023-01-01,,
        ,Không mã,department,T,,,2023-01-01,,
        S1,Sở Một,sở,T,,,2023-01-01,,
        S2,Sở Hai,department,NOPE,,,2023-01-01,,
        S3,Sở Ba,department,T,,,2023-13-01,,
        S4,Sở Bốn,department,T,,,2023-01-01,2022-01-01,
        X9,Xã Chín,commune,T,,,2025-01-01,,GHOST:1
        T,Tỉnh Thử lần hai,province,,,,2023-01-01,,
        """
    )
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, bad))
    found = problems(caught.value)
    assert "units.csv: row 3: code: is empty" in found
    assert any(p.startswith("units.csv: row 4: kind: 'sở' is not one of province") for p in found)
    assert any(
        p.startswith("units.csv: row 6: valid_from: '2023-13-01' is not a date") for p in found
    )
    assert "units.csv: row 7: valid_to: 2022-01-01 is before valid_from" in found
    # cross-row problems are found in the same pass
    assert any(p.startswith("units.csv: row 5: parent_code: no unit NOPE") for p in found)
    assert any(p.startswith("units.csv: row 8: predecessors: no unit GHOST") for p in found)
    assert "units.csv: row 9: code: T valid from 2023-01-01 is already on row 2" in found
    assert [int(p.location.split()[-1]) for p in caught.value.problems] == sorted(
        int(p.location.split()[-1]) for p in caught.value.problems
    )
    assert Unit.objects.count() == 0


def test_a_bad_row_does_not_cause_a_cascade_of_problems(tmp_path):
    bad = textwrap.dedent(
        f"""\
        {HEADER}
        T,Tỉnh Thử,province,,,,2023-02-30,,
        S1,Sở Một,department,T,,,2023-03-01,,
        S2,Sở Hai,department,T,,,2023-03-01,,
        """
    )
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, bad))
    assert [p.location for p in caught.value.problems] == ["row 2"]


def test_reference_problems_are_reported_together(tmp_path):
    bad = textwrap.dedent(
        f"""\
        {HEADER}
        T,Tỉnh Thử,province,,,,2023-01-01,,
        S2,Sở Hai,department,NOPE,,,2023-01-01,,
        X9,Xã Chín,commune,T,,,2025-01-01,,GHOST:1
        T,Tỉnh Thử lần hai,province,,,,2023-01-01,,
        S5,Sở Năm,department,T,,,2022-06-01,,
        """
    )
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, bad))
    found = problems(caught.value)
    assert any(
        p.startswith("units.csv: row 3: parent_code: no unit NOPE is in force on 2023-01-01")
        for p in found
    )
    assert any(
        p.startswith("units.csv: row 4: predecessors: no unit GHOST is in force on 2024-12-31")
        for p in found
    )
    assert "units.csv: row 5: code: T valid from 2023-01-01 is already on row 2" in found
    assert any(
        p.startswith("units.csv: row 6: parent_code: no unit T is in force on 2022-06-01")
        for p in found
    )
    assert Unit.objects.count() == 0


def test_header_problems(tmp_path):
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, "code,name,parent code,valid_from\nA,a,,2020-01-01\n"))
    found = problems(caught.value)
    assert "units.csv: header: kind: required column is missing" in found
    assert any(p.startswith("units.csv: header: parent code: unknown column") for p in found)


def test_overlapping_periods_of_one_code_are_refused(tmp_path, tree):
    text = f"{HEADER}\nP,Tỉnh Phước mới,province,,,,2025-07-01,,\n"
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, text))
    (problem,) = problems(caught.value)
    assert problem.startswith("units.csv: row 2: valid_from: the periods of P overlap")
    # ending the old version in the same file makes it valid
    text = f"{HEADER}\nP,Tỉnh Phước,province,,,,2020-01-01,2025-06-30,\n" + (
        "P,Tỉnh Phước mới,province,,,,2025-07-01,,\n"
    )
    report = import_units_file(write(tmp_path, text))
    assert (report.created, report.updated) == (1, 1)
    assert Unit.objects.in_force(dt.date(2025, 7, 1)).get(code="P").name == "Tỉnh Phước mới"


def test_reimport_updates_only_what_changed_and_never_deletes(tmp_path):
    import_units_file(write(tmp_path, GOOD))
    changed = GOOD.replace("Sở Nội vụ", "Sở Nội vụ tỉnh").replace(
        "X50,Xã Mới,commune,T,Xã,Đồng bằng,2025-01-01,,X01:0.6;X02:0.4\n", ""
    )
    report = import_units_file(write(tmp_path, changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert Unit.objects.get(code="SNV").name == "Sở Nội vụ tỉnh"
    assert Unit.objects.filter(code="X50").exists()  # absent from the file, kept


def test_moving_units_by_import(tmp_path, tree):
    text = f"{HEADER}\nX1,Xã Một,commune,Q,Xã,,2020-01-01,,\n"
    report = import_units_file(write(tmp_path, text))
    assert report.updated == 1
    tree.x1.refresh_from_db()
    assert tree.x1.parent == tree.q and tree.x1.is_descendant_of(tree.q)


def test_cycles_are_refused(tmp_path, tree):
    text = f"{HEADER}\nP,Tỉnh Phước,province,X1,,,2020-01-01,,\n"
    with pytest.raises(InputError) as caught:
        import_units_file(write(tmp_path, text))
    assert problems(caught.value) == [
        "units.csv: row 2: parent_code: P would end up under itself (a cycle)"
    ]


def test_split_is_recognised(tmp_path):
    text = textwrap.dedent(
        f"""\
        {HEADER}
        A,Xã A,commune,,,,2020-01-01,2024-12-31,
        B1,Xã B1,commune,,,,2025-01-01,,A:0.5
        B2,Xã B2,commune,,,,2025-01-01,,A:0.5
        """
    )
    import_units_file(write(tmp_path, text))
    assert set(UnitPredecessor.objects.values_list("kind", flat=True)) == {"split"}


def test_empty_valid_from_can_take_a_default(tmp_path):
    text = "code,name,kind\nA,Tỉnh A,province\n"
    with pytest.raises(InputError):
        import_units_file(
            write(
                tmp_path,
                text.replace("kind\n", "kind,valid_from\n").replace("province", "province,"),
            )
        )
    import_units(
        pd.DataFrame({"code": ["A"], "name": ["Tỉnh A"], "kind": ["province"], "valid_from": [""]}),
        source="x",
        default_valid_from=dt.date(2025, 7, 1),
    )
    assert Unit.objects.get(code="A").valid_from == dt.date(2025, 7, 1)


def test_dry_run_writes_nothing(tmp_path):
    report = import_units_file(write(tmp_path, GOOD), dry_run=True)
    assert report.created == 5 and "nothing was written" in str(report)
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_round_trips(tmp_path, suffix):
    import_units_file(write(tmp_path, GOOD))
    out = tmp_path / f"out.{suffix}"
    assert export_units_file(out) == 5
    Unit.objects.all().update(parent=None)
    UnitPredecessor.objects.all().delete()
    Unit.objects.all().delete()
    report = import_units_file(out)
    assert report.created == 5 and report.links == 2
    again = tmp_path / f"again.{suffix}"
    export_units_file(again)
    if suffix == "csv":
        assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_export_on_a_date_keeps_the_versions_in_force(tmp_path):
    import_units_file(write(tmp_path, GOOD))
    out = tmp_path / "on.csv"
    assert export_units_file(out, on=dt.date(2025, 1, 1)) == 3  # T, SNV, X50
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame.loc[frame["code"] == "X50", "predecessors"].item() == "X01:0.6;X02:0.4"
