"""End to end, in a real browser: one unit's way through a campaign of the demo province.

1. the reporter of Sở Tư pháp (baocao.stp) fills in every required criterion of this
   year's open campaign of the departments through the real widgets (option lists, number
   inputs, the "not applicable" checkbox, explanations), each autosaved by htmx (awaited,
   never slept on), uploads a PDF and downloads it back, and fixes what the check page lists;
2. the head of unit (thutruong.stp) submits;
3. the appraiser (thamdinh) changes one value — refused without a reason, saved with one —
   marks the appraisal complete and finds the change and the reason in the history;
4. the campaign administrator (canbo.snv) finalises and publishes;
5. an anonymous visitor finds the unit in the public ranking at /results/, with the index
   computed at finalisation, in Vietnamese number format.

A screenshot of every step goes to test-artifacts/e2e/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # part of the test extra: missing, it is an error unless switched off
    if os.environ.get("PARINDEX_BROWSER_TESTS", "1").strip().lower() in ("0", "no", "off"):
        pytest.skip("browser tests switched off", allow_module_level=True)
    raise

DEMO_PASSWORD = "cchc-demo-2025"  # parindex.web.demo.DEMO_PASSWORD
UNIT_NAME = "Sở Tư pháp"
UNIT_CODE = "STP"
# this year's campaign of the departments (the demo opens one for the current year)
CAMPAIGN_NAME = re.compile(r"Chỉ số CCHC các sở, ban, ngành năm \d{4}")
PDF_NAME = "bien-ban-kiem-tra-e2e.pdf"
EXPLANATION = "Theo báo cáo CCHC năm của Sở (kiểm thử E2E)."
NA_EXPLANATION = "Trong năm đánh giá Sở không được giao nhiệm vụ này (kiểm thử E2E)."
REASON = "Hồ sơ kiểm chứng chưa thể hiện đầy đủ (kiểm thử E2E)."
VN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d{2}$")  # 87,68 · 1.234,50

# htmx bookkeeping installed in every page: requests started/finished and failures.
HTMX_PROBE = """
() => {
  if (window.__e2e) return;
  window.__e2e = {started: 0, done: 0, failed: []};
  document.body.addEventListener('htmx:beforeRequest', () => window.__e2e.started++);
  document.body.addEventListener('htmx:afterRequest', (e) => {
    window.__e2e.done++;
    if (!e.detail.successful) {
      const xhr = e.detail.xhr;
      window.__e2e.failed.push(`${xhr ? xhr.status : '?'} ${e.detail.requestConfig.path}`);
    }
  });
}
"""


TIMELINE: list[str] = []
START = [time.monotonic()]

# --- helpers ---------------------------------------------------------------------------------


def make_pdf(text: str) -> bytes:
    """A small, valid one-page PDF (correct cross-reference table) with `text` on it."""
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def vn_number(text: str) -> float:
    """'1.234,50' → 1234.5 (the Vietnamese format of the pages)."""
    match = re.search(r"-?[\d.]+,\d+|-?\d+", text)
    assert match, f"no number in {text!r}"
    return float(match.group(0).replace(".", "").replace(",", "."))


class Session:
    """One signed-in (or anonymous) browser context, with screenshots and htmx waits."""

    def __init__(self, browser, base_url: str, shots: Path, name: str, registry: list):
        registry.append(self)
        self.closed = False
        self.context = browser.new_context(
            base_url=base_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
        )
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.page.add_init_script(f"document.addEventListener('DOMContentLoaded', {HTMX_PROBE})")
        self.shots = shots
        self.name = name
        self.server_errors: list[str] = []
        self.page.on(
            "response",
            lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"),
        )
        # JavaScript errors and Content-Security-Policy violations (reported on the console);
        # not the browser's own request for /favicon.ico, which the app does not serve
        self.console_errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def login(self, username: str) -> None:
        page = self.page
        page.goto("/accounts/login/")
        expect(page.locator("h1")).to_have_text("Đăng nhập")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    def shot(self, step: str, focus=None) -> None:
        """Screenshot of the step: the whole page, or for the long pages (the forms of
        ~80 criteria) the window around `focus` (a full-page capture takes ~3 s there)."""
        t0 = time.monotonic()
        if focus is not None:
            focus.scroll_into_view_if_needed()
        # caret="initial": Playwright's default caret hiding leaves style="" on every input,
        # which htmx then copies while settling a swap (attributesToSettle) — a CSP violation
        # the test itself would cause
        self.page.screenshot(
            path=str(self.shots / f"{step}.png"), full_page=focus is None, caret="initial"
        )
        TIMELINE.append(f"{t0 - START[0]:7.2f}s {step} (screenshot {time.monotonic() - t0:.2f}s)")

    def htmx(self, action, requests: int = 1) -> None:
        """Run `action`, then wait until it has caused `requests` htmx requests and every
        htmx request of the page is answered and swapped; fail on a refused request."""
        page = self.page
        page.wait_for_function(
            "() => window.__e2e && window.htmx && document.readyState === 'complete'"
        )
        before = page.evaluate("window.__e2e.done")
        action()
        page.wait_for_function(
            "([n]) => window.__e2e.done >= n && window.__e2e.started === window.__e2e.done",
            arg=[before + requests],
        )
        failed = page.evaluate("window.__e2e.failed")
        assert not failed, f"htmx requests failed: {failed}"

    def close(self) -> None:
        assert not self.server_errors, f"server errors seen by {self.name}: {self.server_errors}"
        assert not self.console_errors, f"browser errors for {self.name}: {self.console_errors}"
        self.context.close()
        self.closed = True


# --- the self-assessment ---------------------------------------------------------------------


def widget_of(leaf) -> str:
    if leaf.locator("select[name=value]").count():
        return "option"
    if leaf.locator("input[name=value_pct]").count():
        return "percent"
    if leaf.locator("input[name^='input__']").count():
        return "inputs"
    if leaf.locator("input[name=value][max]").count():
        return "points"
    return "count"


def fill_value(s: Session, leaf) -> str:
    """Set a (good) value through the leaf's widget, committing each field like a user
    (change on leaving it); returns what was chosen."""
    kind = widget_of(leaf)
    if kind == "option":
        select = leaf.locator("select[name=value]")
        label = max(option_points(select).items(), key=lambda item: item[1])[0]  # the best
        s.htmx(lambda: select.select_option(label))
        return label
    if kind == "inputs":
        for box in leaf.locator("input[name^='input__']").all():
            box.fill("10")
            s.htmx(lambda box=box: box.press("Tab"))
        return "10"
    box = leaf.locator("input[type=number]").first
    value = {"percent": "97", "count": "0"}.get(kind) or box.get_attribute("max")
    box.fill(value)
    s.htmx(lambda: box.press("Tab"))
    return value


def option_points(select) -> dict[str, float]:
    """{label: points} of an option list ("Ban hành đầy đủ (1,00)"), without "— choose —"."""
    options = {}
    for option in select.locator("option").all():
        label = option.get_attribute("value")
        if label:
            options[label] = vn_number(option.inner_text().rsplit("(", 1)[-1])
    return options


def explain(s: Session, leaf, text: str = EXPLANATION) -> None:
    area = leaf.locator("textarea[name=explanation]")
    area.fill(text)
    s.htmx(lambda: area.press("Tab"))


def totals(page: Page) -> tuple[float, str]:
    box = page.locator("#self-totals")
    return vn_number(box.locator(".big").inner_text()), box.inner_text()


@pytest.fixture
def sessions(request, parindex_server, artifacts_dir):
    """The test's browser sessions; if the test fails, a screenshot of each page still open
    (test-artifacts/e2e/FAILED-<user>.png), its URL, and the end of the server log."""
    opened: list[Session] = []
    yield opened
    if getattr(request.node, "e2e_failed", False):
        for s in opened:
            if s.closed:
                continue
            try:
                s.page.screenshot(
                    path=str(artifacts_dir / f"FAILED-{s.name}.png"),
                    full_page=True,
                    caret="initial",
                )
                print(f"{s.name} was on {s.page.url}; screenshot FAILED-{s.name}.png")
            except Exception as exc:  # the page may be gone: report, do not mask the failure
                print(f"{s.name}: no screenshot ({exc})")
        print(f"--- end of the server log ({parindex_server.log}):\n{parindex_server.log_tail(80)}")
    for s in opened:
        if not s.closed:
            s.context.close()


def test_campaign_end_to_end(browser, server_url, artifacts_dir, sessions):
    shots = artifacts_dir
    for old in [*shots.glob("*.png"), *shots.glob("timeline.txt")]:
        old.unlink()
    START[0] = time.monotonic()
    TIMELINE.clear()

    # 1. the reporter ----------------------------------------------------------------------
    s = Session(browser, server_url, shots, "baocao.stp", sessions)
    page = s.page
    s.login("baocao.stp")
    page.get_by_role("link", name="Đợt đánh giá", exact=True).first.click()
    row = page.locator("tbody tr", has_text=CAMPAIGN_NAME).filter(has_text="Đang mở")
    expect(row).to_have_count(1)
    campaign = CAMPAIGN_NAME.search(row.inner_text()).group(0)
    row.get_by_role("link", name=UNIT_NAME).click()
    expect(page.locator("h1")).to_have_text(UNIT_NAME)
    assessment_url = page.url
    s.shot("01-reporter-unit-page")
    page.get_by_role("link", name="Nhập kết quả tự đánh giá").click()
    expect(page.locator("h1")).to_contain_text("Tự đánh giá")

    missing = page.locator("section.leaf.leaf--missing")
    required_total = int(re.search(r"/(\d+)", page.locator("#self-totals").inner_text()).group(1))
    n_missing = missing.count()
    assert n_missing > 3, "the demo leaves part of Sở Tư pháp's self-assessment to do"
    missing_ids = [missing.nth(i).get_attribute("id") for i in range(n_missing)]
    filled_before = required_total - n_missing
    expect(page.locator("#self-totals")).to_contain_text(f"{filled_before}/{required_total}")

    # the first missing leaf: the running total follows the value
    first = page.locator(f"#{missing_ids[0]}")
    points_before, _ = totals(page)
    explain(s, first)
    value = fill_value(s, first)
    status = first.locator(".leaf__status")
    expect(status).to_contain_text("Đã lưu")
    expect(status).to_contain_text("Điểm tự đánh giá")
    leaf_points = vn_number(status.inner_text().split("Điểm tự đánh giá")[-1])
    assert leaf_points > 0, f"value {value} of {missing_ids[0]} scored 0"
    points_after, text = totals(page)
    assert points_after > points_before, (points_before, points_after, text)
    expect(page.locator("#self-totals")).to_contain_text(f"{filled_before + 1}/{required_total}")
    expect(first).to_have_class(re.compile("leaf--filled"))  # the frame follows the autosave
    s.shot("02-reporter-first-value-saved", focus=first)

    # evidence on that leaf: a real PDF, uploaded with htmx, downloaded back
    pdf = make_pdf("Bien ban kiem tra CCHC - kiem thu E2E")
    evidence = first.locator(".evidence")
    evidence.locator("summary", has_text="Thêm tài liệu kiểm chứng").click()
    evidence.locator("input[type=file]").set_input_files(
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": pdf}
    )
    evidence.locator("input[name=title]").first.fill("Biên bản kiểm tra")
    s.htmx(lambda: evidence.get_by_role("button", name="Tải lên").click())
    evidence = first.locator(".evidence")  # swapped (outerHTML)
    expect(evidence).to_contain_text("Đã thêm tệp.")
    expect(evidence.get_by_role("link", name=PDF_NAME)).to_be_visible()
    with page.expect_download() as download:
        evidence.get_by_role("link", name=PDF_NAME).click()
    assert Path(download.value.path()).read_bytes() == pdf
    s.shot("03-reporter-evidence-uploaded", focus=evidence)

    # every other missing leaf through its widget; the last one does not apply
    for leaf_id in missing_ids[1:-1]:
        leaf = page.locator(f"#{leaf_id}")
        explain(s, leaf)
        fill_value(s, leaf)
        expect(leaf.locator(".leaf__status")).to_contain_text("Điểm tự đánh giá")
    last = page.locator(f"#{missing_ids[-1]}")
    explain(s, last, NA_EXPLANATION)
    s.htmx(lambda: last.locator("input[name=not_applicable]").check())
    expect(last.locator(".leaf__status")).to_contain_text("Không áp dụng")
    expect(page.locator("#self-totals")).to_contain_text(f"{required_total}/{required_total}")
    s.shot("04-reporter-all-filled", focus=last)
    expect(page.locator("section.leaf.leaf--missing")).to_have_count(0)  # without a reload
    expect(last).to_have_class(re.compile("leaf--na"))
    page.reload()  # the leaves' missing/filled marks are drawn by the server
    expect(page.locator("section.leaf.leaf--missing")).to_have_count(0)
    expect(last).to_have_class(re.compile("leaf--na"))

    # the check page: points claimed without evidence need an explanation
    page.get_by_role("link", name="Kiểm tra trước khi nộp").first.click()
    expect(page.locator("h1")).to_have_text("Kiểm tra trước khi nộp")
    problems = page.locator("ul.problems li")
    to_explain = []
    for i in range(problems.count()):
        item = problems.nth(i)
        message = item.inner_text()
        assert "tài liệu kiểm chứng" in message, f"unexpected problem: {message}"
        to_explain.append(item.locator("a").get_attribute("href").split("#")[-1])
    s.shot("05-reporter-check-problems")
    page.get_by_role("link", name="Quay lại trang tự đánh giá").click()
    for leaf_id in to_explain:
        explain(s, page.locator(f"#{leaf_id}"))
    page.get_by_role("link", name="Kiểm tra trước khi nộp").first.click()
    expect(page.locator(".notice")).to_contain_text("Đã nhập đầy đủ; thủ trưởng đơn vị có thể nộp.")
    expect(page.get_by_role("link", name="Nộp…")).to_have_count(0)  # the reporter cannot
    page.goto(assessment_url)
    self_points_text = page.locator("main").get_by_text("Điểm tự đánh giá:").inner_text()
    s.shot("06-reporter-check-ok")
    s.close()

    # 2. the head of unit submits -------------------------------------------------------------
    s = Session(browser, server_url, shots, "thutruong.stp", sessions)
    page = s.page
    s.login("thutruong.stp")
    page.goto("/campaigns/")
    page.locator("tr", has_text=campaign).get_by_role("link", name=UNIT_NAME).click()
    expect(page.locator(".page-head .badge")).to_have_text("Đang thực hiện")
    page.get_by_role("link", name="Nộp…").click()
    expect(page.locator("h1")).to_have_text("Nộp kết quả tự đánh giá")
    expect(page.locator("main")).to_contain_text(self_points_text.split(":", 1)[1].strip())
    page.locator("#confirm").check()
    page.locator("main form button.primary").click()
    expect(page).to_have_url(assessment_url)
    expect(page.locator(".page-head .badge")).to_have_text("Đã nộp")
    expect(page.locator("main")).to_contain_text("Thủ trưởng STP")
    expect(page.get_by_role("link", name="Nộp…")).to_have_count(0)
    s.shot("07-head-submitted")
    s.close()

    # 3. the appraiser ---------------------------------------------------------------------------
    s = Session(browser, server_url, shots, "thamdinh", sessions)
    page = s.page
    s.login("thamdinh")
    page.goto("/campaigns/")
    page.get_by_role("link", name=campaign).click()
    page.fill("#unit-q", UNIT_CODE)
    page.locator("form.search button").click()
    unit_row = page.locator("tbody tr", has_text=UNIT_NAME)
    expect(unit_row).to_contain_text("Đã nộp")
    unit_row.get_by_role("link", name="Thẩm định").click()
    expect(page.locator("h1")).to_contain_text(UNIT_NAME)
    s.shot("08-appraiser-page", focus=page.locator("#appraise-totals"))

    # an option leaf the reporter filled with the best option: appraise it one step lower
    option_leaves = [
        page.locator(f"#{leaf_id}")
        for leaf_id in missing_ids[1:-1]
        if page.locator(f"#{leaf_id} select[name=a_value]").count()
    ]
    assert option_leaves, "no criterion with an option list among those the reporter filled"
    leaf = option_leaves[0]
    code = leaf.locator("h4 .code").inner_text()
    select = leaf.locator("select[name=a_value]")
    points = option_points(select)
    new_label = max(
        (label for label, p in points.items() if p < max(points.values())),
        key=lambda label: points[label],
    )  # one step below the best option the reporter chose
    appraised_before = vn_number(page.locator("#appraise-totals .big").inner_text())
    select.select_option(new_label)
    save = leaf.get_by_role("button", name="Lưu kết quả thẩm định")
    s.htmx(save.click)
    astatus = leaf.locator(".leaf__status")
    expect(astatus).to_contain_text("Chưa lưu")
    expect(astatus).to_contain_text("hãy nhập lý do")
    s.shot("09-appraiser-reason-required", focus=astatus)
    leaf.locator("textarea[name=a_reason]").fill(REASON)
    s.htmx(save.click)
    expect(astatus).to_contain_text("Đã lưu")
    expect(astatus).to_contain_text(new_label)
    expect(astatus).to_contain_text("khác kết quả tự đánh giá")
    expect(astatus).to_contain_text(REASON)
    appraised_after = vn_number(page.locator("#appraise-totals .big").inner_text())
    assert appraised_after < appraised_before, (appraised_before, appraised_after)
    s.shot("10-appraiser-value-changed", focus=astatus)
    page.get_by_role("button", name="Xác nhận hoàn thành thẩm định").click()
    expect(page.locator(".page-head .badge").first).to_have_class(re.compile("badge--appraised"))
    page.get_by_role("link", name="toàn bộ lịch sử thay đổi").click()
    page.fill("#leaf-q", code)
    page.locator("form.search button").click()
    history = page.locator("table tbody")
    expect(history).to_contain_text(new_label)
    expect(history).to_contain_text(REASON)
    expect(history).to_contain_text("Thành viên tổ thẩm định")
    s.shot("11-appraiser-history")
    s.close()

    # 4. the campaign administrator finalises and publishes ---------------------------------
    s = Session(browser, server_url, shots, "canbo.snv", sessions)
    page = s.page
    s.login("canbo.snv")
    page.goto("/campaigns/")
    page.get_by_role("link", name=campaign).click()
    campaign_url = page.url
    page.get_by_role("link", name="Chốt kết quả…").click()
    expect(page.locator("main")).to_contain_text("1 đơn vị đã thẩm định xong")
    s.shot("12-admin-finalise")
    page.locator("main form button.primary").click()
    expect(page).to_have_url(campaign_url)
    expect(page.locator(".page-head .badge")).to_have_text("Đã chốt kết quả")
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator(".page-head .badge")).to_have_text("Đã công bố")
    s.shot("13-admin-published")
    page.locator("main").get_by_role("link", name="Kết quả", exact=True).click()
    result_row = page.locator(
        "tbody tr", has=page.locator("code", has_text=re.compile(f"^{UNIT_CODE}$"))
    )
    expect(result_row).to_contain_text(UNIT_NAME)
    index_text = result_row.locator("td.num").nth(2).inner_text().strip()
    assert VN_NUMBER.match(index_text), index_text
    s.shot("14-admin-results")
    s.close()

    # 5. anyone sees it on /results/ --------------------------------------------------------------
    s = Session(browser, server_url, shots, "anonymous", sessions)
    page = s.page
    page.goto("/results/")
    expect(page).to_have_url(re.compile(r"/results/$"))
    page.get_by_role("link", name=campaign).click()
    expect(page.locator("h1")).to_contain_text(campaign)
    ranking_row = page.locator(
        "tbody tr", has=page.locator("code", has_text=re.compile(f"^{UNIT_CODE}$"))
    )
    expect(ranking_row).to_contain_text(UNIT_NAME)
    headers = [
        h.strip() for h in page.locator("table.ranking").first.locator("thead th").all_inner_texts()
    ]
    column = next(i for i, h in enumerate(headers) if h.startswith("Chỉ số"))
    public_index = ranking_row.locator("th, td").nth(column).inner_text().strip()
    assert public_index == index_text, (headers, public_index, index_text)
    s.shot("15-public-ranking")
    ranking_row.get_by_role("link", name=UNIT_NAME).click()
    expect(page.locator("h1")).to_contain_text(UNIT_NAME)
    expect(page.locator("main")).to_contain_text(index_text)
    s.shot("16-public-profile")
    s.close()
    (shots / "timeline.txt").write_text("\n".join(TIMELINE) + "\n", encoding="utf-8")
