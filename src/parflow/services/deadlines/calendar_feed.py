"""Calendar feeds (iCalendar): the campaign's deadlines, and each agency's own.

Each deadline is an all-day event on its due date (a deadline means the end of that local day).
An agency's feed carries its own dates, extensions included, and is reachable through an
unguessable link (`Agency.calendar_token`) so that calendar applications can subscribe without a
password. Event UIDs are stable, and SEQUENCE grows with each extension, so a subscribed calendar
updates the event in place instead of adding a second one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from parflow.domain.errors import NotFound
from parflow.domain.roles import AGENCY_ROLES
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.plan import CampaignPlan, load_plans
from parflow.store.models import Agency, Campaign, Extension

PRODID = "-//parflow//PAR Index deadlines//VI"


def feed_path(agency: Agency) -> str:
    return f"/api/v1/calendar/{agency.calendar_token}.ics"


def _calendar(name: str, campaign: Campaign) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", campaign.timezone)
    return cal


def _event(
    rt: Runtime,
    plan: CampaignPlan,
    key: str,
    due: date,
    *,
    scope: str,
    stamp: datetime,
    sequence: int = 0,
    who: str | None = None,
    note: str | None = None,
) -> Event:
    label = plan.definition.milestones[key].label
    event = Event()
    event.add("uid", f"{plan.campaign.code}.{key}.{scope}@parflow")
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("sequence", sequence)
    prefix = f"{who}: " if who else ""
    event.add("summary", f"{prefix}{label.vi} / {label.en}")
    lines = [plan.campaign.title, f"Hạn cuối: hết ngày {due:%d/%m/%Y} ({plan.campaign.timezone})."]
    if note:
        lines.append(note)
    lines.append(f"{rt.settings.base_url.rstrip('/')}/campaigns/{plan.campaign.code}")
    event.add("description", "\n".join(lines))
    event.add("categories", ["PAR Index"])
    return event


def _extension_counts(session: Session, campaign: Campaign) -> dict[tuple[int, str], list[Extension]]:
    grants: dict[tuple[int, str], list[Extension]] = {}
    for grant in session.exec(
        select(Extension).where(Extension.campaign_id == campaign.id).order_by(col(Extension.granted_at))
    ):
        grants.setdefault((grant.agency_id, grant.milestone_key), []).append(grant)
    return grants


def _agency_events(
    session: Session, rt: Runtime, plan: CampaignPlan, agency: Agency, cal: Calendar, with_name: bool
) -> None:
    grants = _extension_counts(session, plan.campaign)
    stamp = rt.clock.now()
    dates = plan.dates_for(agency.id or 0)
    for key in plan.definition.milestones:
        if key not in dates:
            continue
        given = grants.get((agency.id or 0, key), [])
        note = None
        if given:
            last = given[-1]
            note = (
                f"Gia hạn / extended: {plan.base[key]:%d/%m/%Y} → {last.new_date:%d/%m/%Y}. {last.reason}"
                if key in plan.base
                else last.reason
            )
        cal.add_component(
            _event(
                rt,
                plan,
                key,
                dates[key],
                scope=agency.code,
                stamp=stamp,
                sequence=len(given),
                who=agency.name if with_name else None,
                note=note,
            )
        )


def agency_feed(session: Session, rt: Runtime, token: str) -> bytes:
    """The feed behind an agency's secret link; unknown token → 404."""
    agency = session.exec(select(Agency).where(Agency.calendar_token == token)).first() if token else None
    if agency is None:
        raise NotFound("calendar.not_found")
    campaign = session.get(Campaign, agency.campaign_id)
    assert campaign is not None
    plan = load_plans(session, rt, [campaign], [])[campaign.id or 0]
    cal = _calendar(f"{agency.name} — {campaign.title}", campaign)
    _agency_events(session, rt, plan, agency, cal, with_name=False)
    return cal.to_ical()


def campaign_feed(session: Session, rt: Runtime, principal: Principal, code: str) -> bytes:
    """The campaign's deadlines as its participant sees them: campaign-wide roles get the plan's
    dates plus one event per extension; agency people get their agency's own dates."""
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    plan = load_plans(session, rt, [campaign], [])[campaign.id or 0]
    cal = _calendar(campaign.title, campaign)
    agency_ids = principal.agency_ids(campaign.id or 0)
    campaign_wide = bool(roles - AGENCY_ROLES)
    if campaign_wide or not agency_ids:
        stamp = rt.clock.now()
        for key in plan.definition.milestones:
            if key in plan.base:
                cal.add_component(_event(rt, plan, key, plan.base[key], scope="campaign", stamp=stamp))
    if campaign_wide and roles & (CAMPAIGN_WIDE_READERS | {"council"}):
        extended = {aid for aid, dates in plan.extensions.items() if dates}
        agencies = session.exec(select(Agency).where(col(Agency.id).in_(list(extended)))).all()
        for agency in sorted(agencies, key=lambda a: a.code):
            sub = Calendar()
            _agency_events(session, rt, plan, agency, sub, with_name=True)
            for event in sub.walk("VEVENT"):
                if int(event.get("sequence", 0)) > 0:
                    cal.add_component(event)
    for agency_id in sorted(agency_ids):
        agency = session.get(Agency, agency_id)
        if agency is not None:
            _agency_events(session, rt, plan, agency, cal, with_name=len(agency_ids) > 1 or campaign_wide)
    return cal.to_ical()
