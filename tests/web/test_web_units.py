"""The unit hierarchy: materialised paths, subtree queries, effective dating, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from parindex.web.units.models import Unit

pytestmark = pytest.mark.django_db


def codes(queryset) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def test_paths_and_depth_are_set_on_create(tree):
    assert tree.p.path == f"/{tree.p.pk}/" and tree.p.depth == 0
    assert tree.x1.path == f"/{tree.p.pk}/{tree.x1.pk}/" and tree.x1.depth == 1
    assert Unit.objects.get(pk=tree.x1.pk).path == tree.x1.path


def test_subtree_and_descendants(tree):
    assert codes(tree.p.descendants()) == ["D1", "D2", "X1"]
    assert codes(tree.p.descendants(include_self=True)) == ["D1", "D2", "P", "X1"]
    assert codes(Unit.objects.subtree(tree.d1, tree.q)) == ["D1", "Q", "QX1"]
    assert codes(Unit.objects.subtree()) == []


def test_subtree_does_not_match_a_root_whose_key_starts_alike(tree):
    # P has key k; a root with key k·10+1 has path "/k1/", which must not start with "/k/"
    other = Unit.objects.create(code="Z", name="z", kind="province", valid_from=dt.date(2020, 1, 1))
    Unit.objects.filter(pk=other.pk).update(path=f"/{tree.p.pk}1/")
    assert codes(tree.p.descendants(include_self=True)) == ["D1", "D2", "P", "X1"]


def test_is_descendant_of_needs_no_query(tree, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert tree.x1.is_descendant_of(tree.p)
        assert tree.p.is_descendant_of(tree.p)
        assert not tree.p.is_descendant_of(tree.p, include_self=False)
        assert not tree.qx1.is_descendant_of(tree.p)
        assert not tree.p.is_descendant_of(tree.x1)


def test_ancestors(tree):
    assert list(tree.x1.ancestors()) == [tree.p]
    assert list(tree.p.ancestors()) == []


def test_moving_a_unit_moves_its_subtree(tree):
    ward = Unit.objects.create(
        code="X1A", name="Thôn", kind="commune", parent=tree.x1, valid_from=dt.date(2020, 1, 1)
    )
    tree.x1.parent = tree.q
    tree.x1.save()
    ward.refresh_from_db()
    assert ward.path == f"/{tree.q.pk}/{tree.x1.pk}/{ward.pk}/" and ward.depth == 2
    assert codes(tree.q.descendants()) == ["QX1", "X1", "X1A"]
    assert codes(tree.p.descendants()) == ["D1", "D2"]
    tree.x1.parent = None  # becomes a root
    tree.x1.save()
    ward.refresh_from_db()
    assert ward.path == f"/{tree.x1.pk}/{ward.pk}/" and ward.depth == 1


def test_a_unit_cannot_be_moved_under_its_own_descendant(tree):
    tree.p.parent = tree.x1
    with pytest.raises(ValueError, match="under itself"):
        tree.p.save()
    tree.p.refresh_from_db()
    assert tree.p.parent is None and tree.p.path == f"/{tree.p.pk}/"


def test_in_force_follows_valid_from_and_inclusive_valid_to(tree):
    old = Unit.objects.create(
        code="X9",
        name="Xã cũ",
        kind="commune",
        parent=tree.p,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    new = Unit.objects.create(
        code="X9", name="Xã mới", kind="commune", parent=tree.p, valid_from=dt.date(2025, 7, 1)
    )
    on_last_day = Unit.objects.in_force(dt.date(2025, 6, 30))
    assert old in on_last_day and new not in on_last_day
    on_first_day = Unit.objects.in_force(dt.date(2025, 7, 1))
    assert new in on_first_day and old not in on_first_day
    assert not old.in_force_on(dt.date(2019, 12, 31))
    assert codes(Unit.objects.in_force(dt.date(2019, 1, 1))) == []


def test_code_is_unique_per_valid_from(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="P", name="dup", kind="province", valid_from=tree.p.valid_from)


def test_valid_to_cannot_precede_valid_from(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            code="Z",
            name="z",
            kind="province",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2024, 1, 1),
        )


def test_changes_are_kept_in_the_history(tree):
    tree.d1.name = "Sở Nội vụ (mới)"
    tree.d1.save()
    names = list(tree.d1.history.order_by("history_date").values_list("name", flat=True))
    assert names == ["Sở Nội vụ", "Sở Nội vụ (mới)"]


def test_subtree_of_3500_units_is_one_query(db, django_assert_num_queries):
    from parindex.web.units.models import child_path

    root = Unit.objects.create(code="R", name="r", kind="province", valid_from=dt.date(2025, 7, 1))
    communes = Unit.objects.bulk_create(
        Unit(code=f"C{i}", name="c", kind="commune", parent=root, valid_from=root.valid_from)
        for i in range(3500)
    )
    for commune in communes:
        commune.path, commune.depth = child_path(root.path, commune.pk), 1
    Unit.objects.bulk_update(communes, ["path", "depth"], batch_size=500)
    with django_assert_num_queries(1):
        assert len(list(root.descendants())) == 3500
