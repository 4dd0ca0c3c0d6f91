"""Feed runs and feed sources: every state change of the results feed.

A run: take the source's lease (one UPDATE: two runs of one source never overlap), log the run as started,
fetch every page (client.py; no transaction is open during network calls), then write it all in ONE
transaction per run: games through `game_upsert`, final scores through `game_record_result` (which enqueues
the grading of the game's pending legs after commit), the source's validators and cursor, the run's counts.
Per run and not per page because a feed page's cursor and the next run's conditional request describe the
whole listing: half a listing written with the validators of none would be re-read wrongly. A page that fails
(garbage, time-out, an HTTP error) fails the run before anything is written.

An item the betting services refuse (a final game posted again with another score: a staff correction; a
final score for a game that has not started; odds that are malformed or that the odds service refuses) is
rejected alone, in its own savepoint — the game, its odds and its result together: never half a game — and
named in the run's errors: the rest of the listing is still written.

Odds go through `odds_quotes_upsert` after the fixture and before the result (a game the item makes final
takes the quotes stated before it closed); a quote without a bookmaker is labelled with the source's name.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record, field_changes
from apps.betting.choices import GameStatus
from apps.betting.models import Game
from apps.betting.services import OddsQuoteInput, game_record_result, game_upsert, odds_quotes_upsert
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.outbound import OutboundBlocked, OutboundError
from apps.integration.feeds.client import FeedFetch, feed_fetch
from apps.integration.feeds.payload import FeedGame
from apps.integration.models import FeedRunStatus, FeedSource, FeedSyncRun

logger = logging.getLogger(__name__)
FINAL_STATUSES = (GameStatus.FINAL, GameStatus.CANCELLED)
SOURCE_FIELDS = ("name", "base_urls", "mirror_weights", "strategy", "is_enabled", "interval_seconds")


@dataclass
class RunCounts:
    games_seen: int = 0
    games_created: int = 0
    games_updated: int = 0
    results_posted: int = 0
    items_rejected: int = 0
    odds_seen: int = 0
    odds_created: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class ItemOutcome:
    created: bool = False
    updated: bool = False
    posted: bool = False
    odds_created: int = 0


def feed_source_lease(*, source_id: int, now: datetime) -> str | None:
    """Take the source's run lock until now + FEED_RUN_LEASE_SECONDS; its token, or None when a run holds it."""
    token = uuid.uuid4().hex
    taken = (
        FeedSource.objects.filter(pk=source_id)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(
            lease_expires_at=now + timedelta(seconds=settings.FEED_RUN_LEASE_SECONDS),
            lease_token=token,
            last_run_at=now,
        )
    )
    return token if taken else None


def feed_source_release(*, source_id: int, token: str) -> None:
    FeedSource.objects.filter(pk=source_id, lease_token=token).update(lease_expires_at=None, lease_token="")


def feed_source_sync(*, source_id: int, actor: Actor | None = None) -> FeedSyncRun | None:
    """Pull the source once and write what changed; None when another run of it holds the lock."""
    started = timezone.now()
    token = feed_source_lease(source_id=source_id, now=started)
    if token is None:
        logger.info("feed source %s: a run is in progress, skipped", source_id)
        return None
    try:
        source = FeedSource.objects.get(pk=source_id)
        run = FeedSyncRun.objects.create(source=source, started_at=started)
        try:
            fetched = feed_fetch(source)
        except (OutboundError, OutboundBlocked) as error:
            return _finish(run, status=FeedRunStatus.FAILED, errors=[str(error)])
        except Exception as error:  # a bug must not leave the run "running": logged, then shown on the run
            logger.exception("feed source %s: fetching failed", source.pk)
            return _finish(run, status=FeedRunStatus.FAILED, errors=[f"{type(error).__name__}: {error}"])
        if fetched.is_not_modified:
            return _finish(run, status=FeedRunStatus.NOT_MODIFIED, endpoint=fetched.endpoint)
        return _apply(source, run, fetched, actor=actor or Actor.system(f"feed:{source.name}"))
    finally:
        feed_source_release(source_id=source_id, token=token)


def _finish(run: FeedSyncRun, *, status: str, errors: list[str] | None = None, **values) -> FeedSyncRun:
    run.status, run.errors = status, errors or []
    run.finished_at = values.pop("finished_at", None) or timezone.now()
    for name, value in values.items():
        setattr(run, name, value)
    run.save()
    return run


def _apply(source: FeedSource, run: FeedSyncRun, fetched: FeedFetch, *, actor: Actor) -> FeedSyncRun:
    counts = RunCounts()
    games = [game for page in fetched.pages for game in page.games]
    newest = max((game.updated_at for game in games), default=None)
    try:
        with transaction.atomic():
            for item in games:
                _apply_item(item, counts, actor=actor, source=source)
            source.etag, source.last_modified = fetched.etag[:256], fetched.last_modified[:64]
            source.cursor = (fetched.pages[-1].cursor or "")[:512]
            if newest is not None and (source.newest_item_at is None or newest > source.newest_item_at):
                source.newest_item_at = newest
            source.save(update_fields=["etag", "last_modified", "cursor", "newest_item_at", "updated_at"])
            finished = timezone.now()
            lag = (finished - newest).total_seconds() if newest is not None else None
            return _finish(
                run,
                status=FeedRunStatus.OK,
                errors=counts.errors,
                endpoint=fetched.endpoint,
                pages=len(fetched.pages),
                newest_item_at=newest,
                lag_seconds=lag,
                finished_at=finished,  # the instant the lag is measured at
                games_seen=counts.games_seen,
                games_created=counts.games_created,
                games_updated=counts.games_updated,
                results_posted=counts.results_posted,
                items_rejected=counts.items_rejected,
                odds_seen=counts.odds_seen,
                odds_created=counts.odds_created,
            )
    except Exception as error:  # a database fault mid-run: all of it rolled back, the run says why
        logger.exception("feed source %s: writing the run failed", source.pk)
        return _finish(run, status=FeedRunStatus.FAILED, errors=[f"Writing failed, nothing kept: {error}"])


def _apply_item(item: FeedGame, counts: RunCounts, *, actor: Actor, source: FeedSource) -> None:
    counts.games_seen += 1
    counts.odds_seen += len(item.odds)
    try:
        if item.odds_error is not None:
            raise ApplicationError(item.odds_error)
        with transaction.atomic():  # a savepoint: a refused item is undone alone (and not counted)
            outcome = _upsert(item, actor=actor, source=source)
    except ApplicationError as error:
        counts.items_rejected += 1
        counts.errors.append(f"{item.external_id}: {error.message}")
        return
    counts.games_created += outcome.created
    counts.games_updated += outcome.updated
    counts.results_posted += outcome.posted
    counts.odds_created += outcome.odds_created


def _odds(item: FeedGame, game: Game, *, actor: Actor, source: FeedSource) -> int:
    """The item's quotes through the betting service (which checks them); how many rows it created."""
    if not item.odds:
        return 0
    quotes = [
        OddsQuoteInput(
            market=quote.market,
            selection=quote.selection,
            line=quote.line,
            american_odds=quote.american_odds,
            bookmaker=quote.bookmaker or source.name,
            quoted_at=quote.quoted_at,
        )
        for quote in item.odds
    ]
    return odds_quotes_upsert(actor=actor, game=game, quotes=quotes, source=f"feed:{source.name}").created


def _upsert(item: FeedGame, *, actor: Actor, source: FeedSource) -> ItemOutcome:
    """What one item did (game created, changed, result posted, odds created), through the betting services."""
    existing = Game.objects.filter(external_id=item.external_id).first()
    if existing is not None and existing.status == item.status == GameStatus.CANCELLED:
        # a cancellation repeated: nothing to do but its odds (normally unchanged)
        return ItemOutcome(odds_created=_odds(item, existing, actor=actor, source=source))
    if existing is not None and existing.status == GameStatus.FINAL:
        same_score = (existing.home_score, existing.away_score) == (item.home_score, item.away_score)
        if item.status != GameStatus.FINAL or not same_score:
            raise ApplicationError(
                f"is final at {existing.home_score}-{existing.away_score}; the feed now says {item.status} "
                f"{item.home_score}-{item.away_score}. A corrected score is a staff correction (admin: Games).",
            )
        # a final game repeated as it is: nothing to do but its odds (a quote after the final is refused)
        return ItemOutcome(odds_created=_odds(item, existing, actor=actor, source=source))
    # game_upsert takes the fixture; a final score or a cancellation then goes through game_record_result
    fixture_status = item.status
    if item.status in FINAL_STATUSES:
        fixture_status = existing.status if existing is not None else GameStatus.LIVE
    game, created = game_upsert(
        actor=actor,
        external_id=item.external_id,
        sport=item.sport,
        league=item.league,
        home_team=item.home_team,
        away_team=item.away_team,
        starts_at=item.starts_at,
        status=fixture_status,
    )
    updated = not created and existing is not None and game.updated_at != existing.updated_at
    odds_created = _odds(item, game, actor=actor, source=source)  # before the result: the market then closes
    if item.status in FINAL_STATUSES:
        game_record_result(
            actor=actor,
            external_id=item.external_id,
            home_score=item.home_score or 0,  # a cancelled game may come without scores
            away_score=item.away_score or 0,
            status=item.status,
        )
    return ItemOutcome(
        created=created, updated=updated, posted=item.status in FINAL_STATUSES, odds_created=odds_created
    )


@transaction.atomic
def feed_source_save(*, actor: Actor, source: FeedSource | None = None, **values) -> FeedSource:
    """Create or change a feed source (the admin's form checked the URLs with the SSRF guard); audited."""
    before = {name: getattr(source, name) for name in SOURCE_FIELDS} if source else {}
    source = source or FeedSource()
    for name in SOURCE_FIELDS:
        if name in values:
            setattr(source, name, values[name])
    is_new = source.pk is None
    source.save()
    changes = field_changes(before, {name: getattr(source, name) for name in SOURCE_FIELDS})
    action = "integration.feed_source_created" if is_new else "integration.feed_source_updated"
    audit_record(actor=actor, action=action, target=source, changes=changes)
    return source
