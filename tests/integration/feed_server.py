"""A results feed served by a real local HTTP server, for the feed tests: pages of games in the documented
shape (apps/integration/feeds/payload.py), an ETag per version of the listing, a cursor on the last page."""

import json
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

NOW = datetime.now(UTC).replace(microsecond=0)


def game_item(external_id: str, *, status: str = "scheduled", score: tuple[int, int] | None = None, **changes) -> dict:
    """One feed item: an NBA game that started 3 hours ago, updated a minute ago."""
    item = {
        "external_id": external_id,
        "sport": "basketball",
        "league": "NBA",
        "home_team": "Celtics",
        "away_team": "Knicks",
        "starts_at": (NOW - timedelta(hours=3)).isoformat(),
        "status": status,
        "home_score": score[0] if score else None,
        "away_score": score[1] if score else None,
        "updated_at": (NOW - timedelta(minutes=1)).isoformat(),
    }
    return {**item, **changes}


class LocalFeed:
    """The listing (`pages`: lists of items) at `path`; `publish` makes a new version (a new ETag). Pages are
    linked by relative `next` links (?page=N); the last page carries the cursor `c<version>`."""

    def __init__(self, server, path: str = "/v1/games") -> None:
        self.path, self.version, self.requests = path, 1, []
        self.pages: list[list[dict] | bytes] = [[]]
        self.url = server.url_for(path)
        server.expect_request(path).respond_with_handler(self.handle)

    def publish(self, *pages: list[dict] | bytes) -> None:
        self.pages, self.version = list(pages), self.version + 1

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    def handle(self, request: Request) -> Response:
        self.requests.append({"args": dict(request.args), "headers": dict(request.headers)})
        if request.headers.get("If-None-Match") == self.etag:
            return Response(status=304, headers={"ETag": self.etag})
        number = int(request.args.get("page", 1))
        page = self.pages[number - 1]
        if isinstance(page, bytes):  # garbage, served as is
            return Response(page, headers={"ETag": self.etag, "Content-Type": "application/json"})
        is_last = number == len(self.pages)
        document = {
            "games": page,
            "next": None if is_last else f"{self.path}?page={number + 1}",
            "cursor": f"c{self.version}" if is_last else None,
        }
        return Response(json.dumps(document), headers={"ETag": self.etag, "Content-Type": "application/json"})
