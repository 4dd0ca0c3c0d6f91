"""Fetching one run's pages from a feed source: the first page from a mirror the balancer chooses (another
mirror is tried when that one is down), the following pages from the same mirror (a cursor one mirror
issued need not be valid on another). Every call goes through apps.core.outbound: the SSRF guard pinned to
the checked address, the source's breaker (`feed:<name>`, shared by its mirrors and by every worker), short
time-outs. A page that is not 200 with the documented JSON (or 304 for the first) counts as a failure of the
mirror and of the breaker, like a time-out."""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from django.conf import settings

from apps.core.outbound import Balancer, CircuitOpen, Endpoint, OutboundError, balancer_for, endpoint_request
from apps.integration.feeds.payload import FeedPage, feed_page
from apps.integration.models import FeedSource


@dataclass
class FeedFetch:
    endpoint: str
    is_not_modified: bool = False
    pages: list[FeedPage] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""


def feed_balancer(source: FeedSource) -> Balancer:
    if not source.base_urls:
        raise OutboundError(f"Feed source {source.name} has no mirror URL.")
    return balancer_for(upstream=source.upstream, endpoints=source.mirror_endpoints, strategy=source.strategy)


def first_page_url(base_url: str, cursor: str) -> str:
    """The mirror's URL with `cursor=<cursor>` added to its query (when the last run left a cursor)."""
    if not cursor:
        return base_url
    parts = urlsplit(base_url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != "cursor"] + [("cursor", cursor)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _page(balancer: Balancer, endpoint: Endpoint, url: str, *, number: int, headers: dict[str, str]):
    parsed: list[FeedPage] = []

    def check(response) -> None:
        if response.status == 304 and number == 1:
            return
        if response.status != 200:
            raise OutboundError(f"Page {number}: HTTP {response.status} from {url}", status=response.status)
        parsed.append(feed_page(response.body, page=number))

    response = endpoint_request(balancer, endpoint, "GET", url, headers=headers, check=check)
    return response, (parsed[0] if parsed else None)


def _first_page(source: FeedSource, balancer: Balancer, headers: dict[str, str]):
    tried: list[Endpoint] = []
    error: OutboundError | None = None
    for _ in range(max(1, settings.FEED_ATTEMPTS)):
        endpoint = balancer.choose(key=source.name, exclude=tried)
        if endpoint is None:
            break
        tried.append(endpoint)
        try:
            return endpoint, *_page(
                balancer, endpoint, first_page_url(endpoint.url, source.cursor), number=1, headers=headers
            )
        except CircuitOpen:
            raise
        except OutboundError as failure:
            error = failure
    raise error or OutboundError(f"{source.name} has no mirror to call.")


def feed_fetch(source: FeedSource) -> FeedFetch:
    """All pages of one run, parsed (or the first answer's 304); OutboundError / FeedGarbage / OutboundBlocked
    when any page fails: the run then writes nothing."""
    balancer = feed_balancer(source)
    conditional = {"If-None-Match": source.etag, "If-Modified-Since": source.last_modified}
    headers = {"Accept": "application/json", **{name: value for name, value in conditional.items() if value}}
    endpoint, response, page = _first_page(source, balancer, headers)
    fetched = FeedFetch(endpoint=endpoint.url, etag=response.headers.get("etag", ""))
    fetched.last_modified = response.headers.get("last-modified", "")
    if page is None:
        fetched.is_not_modified = True
        return fetched
    fetched.pages.append(page)
    seen = {response.url}
    while page.next:
        url = urljoin(response.url, page.next)
        if url in seen:
            raise OutboundError(f"Page {len(fetched.pages)} links back to {url}: the feed's paging loops.")
        if len(fetched.pages) >= settings.FEED_MAX_PAGES:
            raise OutboundError(f"More than FEED_MAX_PAGES ({settings.FEED_MAX_PAGES}) pages.")
        seen.add(url)
        response, page = _page(
            balancer, endpoint, url, number=len(fetched.pages) + 1, headers={"Accept": "application/json"}
        )
        fetched.pages.append(page)
    return fetched
