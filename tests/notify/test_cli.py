"""`parflow notifications preview` and `parflow notifications deliver`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from parflow.cli import app
from parflow.services.common.runtime import Runtime
from tests.support.mail import SmtpServer, people, queue_reminders, rows


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_preview_in_both_languages_and_formats(runner: CliRunner) -> None:
    vi = runner.invoke(app, ["notifications", "preview", "reminder"])
    assert vi.exit_code == 0, vi.output
    assert vi.output.startswith("Subject: Nhắc hạn: Hạn gửi báo cáo tự đánh giá ngày 14/01/2022")
    en = runner.invoke(app, ["notifications", "preview", "daily_digest", "--lang", "en"])
    assert en.exit_code == 0 and en.output.startswith("Subject: Daily summary 17/01/2022")
    html = runner.invoke(app, ["notifications", "preview", "escalation", "--lang", "vi", "--format", "html"])
    assert html.exit_code == 0 and html.output.startswith("<!DOCTYPE html>")
    assert "Quá hạn 3 ngày làm việc" in html.output
    second = runner.invoke(app, ["notifications", "preview", "reminder", "--sample", "1", "--lang", "en"])
    assert second.exit_code == 0 and "Due today" in second.output


def test_preview_mistakes_are_one_line_errors(runner: CliRunner) -> None:
    unknown = runner.invoke(app, ["notifications", "preview", "nonsense"])
    assert unknown.exit_code == 1
    assert unknown.output.strip().startswith("parflow: There is no message kind 'nonsense'.")
    assert len(unknown.output.strip().splitlines()) == 1
    assert runner.invoke(app, ["notifications", "preview", "reminder", "--lang", "fr"]).exit_code == 1
    assert runner.invoke(app, ["notifications", "preview", "reminder", "--sample", "9"]).exit_code == 1
    assert runner.invoke(app, ["notifications", "preview", "reminder", "--format", "pdf"]).exit_code == 2


def test_deliver_sends_what_is_due(
    runner: CliRunner, mail_rt: Runtime, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_reminders(mail_rt, people(mail_rt)[:3])
    s = mail_rt.settings
    for name, value in {
        "PARFLOW_DATA_DIR": str(s.data_dir),
        "PARFLOW_DATABASE_URL": s.effective_database_url,
        "PARFLOW_SMTP_HOST": s.smtp_host,
        "PARFLOW_SMTP_PORT": str(s.smtp_port),
        "PARFLOW_SMTP_SECURITY": "none",
        "PARFLOW_MAIL_FROM": s.mail_from,
    }.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("e-mail: 3 sent")
    assert len(smtp_server.handler.received) == 3 and all(r.status == "sent" for r in rows(mail_rt))
    smtp_server.stop()
    queue_reminders(mail_rt, people(mail_rt)[3:4], tag="later")
    down = runner.invoke(app, ["notifications", "deliver"])
    assert down.exit_code == 1 and "could not be reached" in down.output
