"""Generated bet slips for the tests and the bench: Pillow draws sportsbook-style slips (team, market, line,
odds, stake) in the machine's TrueType fonts at varied sizes, with noise, slight rotation, JPEG artefacts and
light or dark themes. Each slip carries the legs and stake it shows, so a read can be scored exactly.

Nothing is downloaded: the fonts are the Debian ones (fonts-dejavu, fonts-liberation) found on disk.
"""

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRECTORIES = [Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype")]
# Display fonts that a sportsbook app would plausibly use; math and extra-light faces are left out.
FONT_EXCLUDED = ("Math", "ExtraLight", "Oblique", "Italic")

# (team, league key, sport key): the catalogue a test or the bench seeds before reading slips.
TEAMS: list[tuple[str, str, str]] = [
    ("Boston Celtics", "nba", "basketball"),
    ("Miami Heat", "nba", "basketball"),
    ("Denver Nuggets", "nba", "basketball"),
    ("Golden State Warriors", "nba", "basketball"),
    ("Milwaukee Bucks", "nba", "basketball"),
    ("Phoenix Suns", "nba", "basketball"),
    ("Dallas Mavericks", "nba", "basketball"),
    ("Chicago Bulls", "nba", "basketball"),
    ("Kansas City Chiefs", "nfl", "football"),
    ("Buffalo Bills", "nfl", "football"),
    ("Philadelphia Eagles", "nfl", "football"),
    ("San Francisco 49ers", "nfl", "football"),
    ("Dallas Cowboys", "nfl", "football"),
    ("Green Bay Packers", "nfl", "football"),
    ("Detroit Lions", "nfl", "football"),
    ("Baltimore Ravens", "nfl", "football"),
    ("New York Yankees", "mlb", "baseball"),
    ("Los Angeles Dodgers", "mlb", "baseball"),
    ("Atlanta Braves", "mlb", "baseball"),
    ("Houston Astros", "mlb", "baseball"),
    ("Toronto Maple Leafs", "nhl", "hockey"),
    ("Edmonton Oilers", "nhl", "hockey"),
    ("Colorado Avalanche", "nhl", "hockey"),
    ("Vegas Golden Knights", "nhl", "hockey"),
]
TOTAL_RANGES = {"nba": (195, 240), "nfl": (37, 55), "mlb": (7, 11), "nhl": (5, 7)}
SPREAD_RANGES = {"nba": 12, "nfl": 10, "mlb": 2, "nhl": 2}


@dataclass(frozen=True)
class SlipLeg:
    team: str
    market: str  # moneyline | spread | total
    selection: str  # the team for moneyline/spread, "over"/"under" for a total
    line: str | None
    american_odds: int


@dataclass
class Slip:
    legs: list[SlipLeg]
    stake_units: str
    lines: list[str] = field(default_factory=list)  # the text drawn, top to bottom
    image: bytes = b""  # PNG or JPEG
    description: str = ""  # font, size, theme, noise, rotation: for a failure's message


def fonts_available() -> list[Path]:
    """The regular and bold TrueType faces installed on this machine."""
    found = []
    for directory in FONT_DIRECTORIES:
        if directory.is_dir():
            found.extend(path for path in directory.rglob("*.ttf") if not any(x in path.name for x in FONT_EXCLUDED))
    return sorted(found)


def _odds(rng: random.Random, *, favourite_bias: bool = True) -> int:
    if rng.random() < 0.55 and favourite_bias:
        return -rng.choice(range(100, 260, 5))
    return rng.choice(range(100, 320, 5))


def _half_line(rng: random.Random, low: float, high: float) -> str:
    value = rng.randint(int(low * 2), int(high * 2)) / 2
    return f"{value:.1f}" if value % 1 else f"{int(value)}"


def _leg(rng: random.Random, used: set[str]) -> SlipLeg:
    team, league, _ = rng.choice([row for row in TEAMS if row[0] not in used])
    used.add(team)
    market = rng.choice(["moneyline", "spread", "total"])
    if market == "moneyline":
        return SlipLeg(team, market, team, None, _odds(rng))
    if market == "spread":
        points = _half_line(rng, 0.5, SPREAD_RANGES[league])
        line = f"{rng.choice(['-', '+'])}{points}"
        return SlipLeg(team, market, team, line, rng.choice([-115, -110, -105, 100, -120]))
    low, high = TOTAL_RANGES[league]
    return SlipLeg(
        team, market, rng.choice(["over", "under"]), _half_line(rng, low, high), rng.choice([-115, -110, -105])
    )


def _format_odds(odds: int, rng: random.Random) -> str:
    text = f"+{odds}" if odds > 0 else f"-{abs(odds)}"
    return f"({text})" if rng.random() < 0.5 else text


def _leg_text(leg: SlipLeg, rng: random.Random) -> str:
    odds = _format_odds(leg.american_odds, rng)
    if leg.market == "moneyline":
        return f"{leg.team} ML {odds}"
    if leg.market == "spread":
        return f"{leg.team} {leg.line} {odds}"
    return f"{leg.team} {leg.selection.capitalize()} {leg.line} {odds}"


def _stake_text(units: str, rng: random.Random) -> str:
    return rng.choice([f"Stake: {units}u", f"Risk {units}u", f"{units} units", f"Stake {units} units"])


def slip_content(rng: random.Random) -> Slip:
    """The legs, stake and text lines of one slip (one to three legs)."""
    used: set[str] = set()
    count = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
    legs = [_leg(rng, used) for _ in range(count)]
    units = rng.choice(["0.5", "1", "1.5", "2", "2.5", "3", "5"])
    header = rng.choice(["BET SLIP", "Bet Slip", "MY BETS", "Sportsbook"])
    kind = "SINGLE" if count == 1 else f"PARLAY - {count} PICKS"
    lines = [header, kind, *(_leg_text(leg, rng) for leg in legs), _stake_text(units, rng)]
    return Slip(legs=legs, stake_units=units, lines=lines)


def slip_render(slip: Slip, rng: random.Random, *, fonts: list[Path] | None = None) -> Slip:
    """Draw the slip's lines into `slip.image` with a random font, size, theme, noise and rotation."""
    fonts = fonts or fonts_available()
    font_path = rng.choice(fonts)
    size = rng.randint(16, 30)
    font = ImageFont.truetype(str(font_path), size)
    dark = rng.random() < 0.25
    background = (rng.randint(20, 45),) * 3 if dark else (rng.randint(235, 255),) * 3
    ink = (rng.randint(215, 250),) * 3 if dark else (rng.randint(0, 50),) * 3
    spacing = int(size * rng.uniform(0.45, 0.9))
    margin = rng.randint(16, 40)
    widths = [font.getbbox(line)[2] for line in slip.lines]
    width = max(widths) + 2 * margin + rng.randint(0, 120)
    height = 2 * margin + len(slip.lines) * (size + spacing) + spacing
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    y = margin
    accent = (rng.randint(0, 60), rng.randint(110, 190), rng.randint(40, 90))
    for index, line in enumerate(slip.lines):
        # the header in an accent colour, like a sportsbook's brand bar; the picks in the ink colour
        draw.text((margin, y), line, font=font, fill=accent if index == 0 else ink)
        y += size + spacing
        if index == 1 or index == len(slip.lines) - 2:
            draw.line((margin, y - spacing // 2, width - margin, y - spacing // 2), fill=(150, 150, 150), width=1)
    angle = rng.uniform(-3.0, 3.0)
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background)
    sigma = rng.choice([0, 0, 4, 8, 12])
    if sigma:
        pixels = np.asarray(image, dtype=np.int16)
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, sigma, pixels.shape)
        image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    jpeg_quality = rng.choice([None, None, 70, 85])
    if jpeg_quality:
        image.save(buffer, format="JPEG", quality=jpeg_quality)
    else:
        image.save(buffer, format="PNG")
    slip.image = buffer.getvalue()
    slip.description = (
        f"{font_path.name} {size}px {'dark' if dark else 'light'} noise={sigma} angle={angle:.1f} "
        f"jpeg={jpeg_quality or '-'}"
    )
    return slip


def slips_generate(count: int, *, seed: int = 16) -> list[Slip]:
    """`count` rendered slips, the same ones for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - test images must be reproducible, not secret
    fonts = fonts_available()
    return [slip_render(slip_content(rng), rng, fonts=fonts) for _ in range(count)]


def slip_read_mistakes(slip: Slip, parsed: dict) -> list[str]:
    """What a read got wrong against the slip drawn (empty when fully correct): one bet, every leg's team,
    market, line and odds in order, the over/under of totals, and the stake in units."""
    bets = parsed.get("bets", [])
    if len(bets) != 1:
        return [f"{len(bets)} bets read, 1 drawn"]
    bet = bets[0]
    mistakes = []
    if bet["stake_units"] is None or Decimal(bet["stake_units"]) != Decimal(slip.stake_units):
        mistakes.append(f"stake {bet['stake_units']} read, {slip.stake_units} drawn")
    legs = bet["legs"]
    if len(legs) != len(slip.legs):
        return [*mistakes, f"{len(legs)} legs read, {len(slip.legs)} drawn"]
    for number, (drawn, read) in enumerate(zip(slip.legs, legs, strict=True), start=1):
        expected = {
            "team": drawn.team,
            "market": drawn.market,
            "line": drawn.line,
            "american_odds": drawn.american_odds,
        }
        if drawn.market == "total":
            expected["selection"] = drawn.selection
        for key, value in expected.items():
            got = read.get(key)
            if key == "line" and got is not None and value is not None:
                equal = Decimal(got) == Decimal(value)
            else:
                equal = got == value
            if not equal:
                mistakes.append(f"leg {number} {key}: {got!r} read, {value!r} drawn")
    return mistakes
