"""`parindex manage reports_remind [--days 3] [--on YYYY-MM-DD] [--dry-run]`: e-mail the
reporters of units whose periodic report is due within N working days and not yet
submitted. Idempotent: a person is reminded once per unit, period and deadline.
(The same as `parindex reports remind`.)"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from parindex.web.reports.services import send_reminders


def reminder_lines(summary, dry_run: bool) -> list[str]:
    lines = []
    if dry_run:
        for to, subject, body in summary.messages:
            lines += [f"To: {to}", f"Subject: {subject}", "", body, "-" * 60]
    verb = "would send" if dry_run else "sent"
    lines.append(
        f"{summary.due} unit report(s) due and not submitted; {verb} {summary.emails} e-mail(s) "
        f"about {summary.reminders}; {summary.already_sent} already reminded."
    )
    if summary.without_recipient:
        lines.append(
            "No reporter or head with an e-mail address: " + ", ".join(summary.without_recipient)
        )
    if summary.failed:
        lines.append("Failed: " + ", ".join(summary.failed))
    return lines


class Command(BaseCommand):
    help = "E-mail reporters of units whose periodic report is due within N working days."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=3, help="Working days ahead (default 3).")
        parser.add_argument("--on", default=None, help="Pretend today is this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Print, send nothing.")

    def handle(self, *args, **options) -> None:
        on = None
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError("--on must be a date like 2025-04-28") from None
        if options["days"] < 0:
            raise CommandError("--days must not be negative")
        summary = send_reminders(days=options["days"], on=on, dry_run=options["dry_run"])
        for line in reminder_lines(summary, options["dry_run"]):
            self.stdout.write(line)
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} e-mail(s) could not be sent")
