"""What the demo data is made of: leagues with their teams and scoring, tenants, capper names."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LeagueSpec:
    """A league and how its games score and are priced.

    `kind` picks the score model: "points" (normal margin and total: basketball, football) or
    "goals" (Poisson per side: baseball, hockey, soccer). `total` is the average combined score,
    `margin_sd` the spread of the home margin, `spread_step` the lines books use (0.5: half and
    whole lines, as in the NBA/NFL; 1.5 fixed run/puck lines have their own `fixed_spread`).
    """

    sport_key: str
    sport_name: str
    key: str
    name: str
    kind: str
    total: float
    margin_sd: float
    home_edge: float
    games_per_day: float
    kickoff_hours_utc: tuple[float, ...]
    teams: tuple[str, ...]
    popularity: int
    fixed_spread: Decimal | None = None
    draws_allowed: bool = False


def _teams(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


LEAGUES = (
    LeagueSpec(
        "basketball",
        "Basketball",
        "nba",
        "NBA",
        "points",
        226.0,
        13.0,
        2.5,
        7.0,
        (23.5, 0.0, 0.5, 2.0, 2.5),
        _teams(
            "Atlanta Hawks, Boston Celtics, Brooklyn Nets, Charlotte Hornets, Chicago Bulls, Cleveland Cavaliers, "
            "Dallas Mavericks, Denver Nuggets, Detroit Pistons, Golden State Warriors, Houston Rockets, "
            "Indiana Pacers, LA Clippers, Los Angeles Lakers, Memphis Grizzlies, Miami Heat, Milwaukee Bucks, "
            "Minnesota Timberwolves, New Orleans Pelicans, New York Knicks, Oklahoma City Thunder, Orlando Magic, "
            "Philadelphia 76ers, Phoenix Suns, Portland Trail Blazers, Sacramento Kings, San Antonio Spurs, "
            "Toronto Raptors, Utah Jazz, Washington Wizards"
        ),
        popularity=30,
    ),
    LeagueSpec(
        "american-football",
        "American Football",
        "nfl",
        "NFL",
        "points",
        44.0,
        13.5,
        1.8,
        2.3,
        (17.0, 20.25, 21.0, 0.25, 1.25),
        _teams(
            "Arizona Cardinals, Atlanta Falcons, Baltimore Ravens, Buffalo Bills, Carolina Panthers, "
            "Chicago Bears, Cincinnati Bengals, Cleveland Browns, Dallas Cowboys, Denver Broncos, Detroit Lions, "
            "Green Bay Packers, Houston Texans, Indianapolis Colts, Jacksonville Jaguars, Kansas City Chiefs, "
            "Las Vegas Raiders, Los Angeles Chargers, Los Angeles Rams, Miami Dolphins, Minnesota Vikings, "
            "New England Patriots, New Orleans Saints, New York Giants, New York Jets, Philadelphia Eagles, "
            "Pittsburgh Steelers, San Francisco 49ers, Seattle Seahawks, Tampa Bay Buccaneers, Tennessee Titans, "
            "Washington Commanders"
        ),
        popularity=25,
    ),
    LeagueSpec(
        "baseball",
        "Baseball",
        "mlb",
        "MLB",
        "goals",
        8.8,
        0.0,
        0.15,
        13.0,
        (17.0, 23.0, 23.2, 0.0, 2.0),
        _teams(
            "Arizona Diamondbacks, Athletics, Atlanta Braves, Baltimore Orioles, Boston Red Sox, Chicago Cubs, "
            "Chicago White Sox, Cincinnati Reds, Cleveland Guardians, Colorado Rockies, Detroit Tigers, "
            "Houston Astros, Kansas City Royals, Los Angeles Angels, Los Angeles Dodgers, Miami Marlins, "
            "Milwaukee Brewers, Minnesota Twins, New York Mets, New York Yankees, Philadelphia Phillies, "
            "Pittsburgh Pirates, San Diego Padres, San Francisco Giants, Seattle Mariners, St. Louis Cardinals, "
            "Tampa Bay Rays, Texas Rangers, Toronto Blue Jays, Washington Nationals"
        ),
        popularity=15,
        fixed_spread=Decimal("1.5"),
    ),
    LeagueSpec(
        "ice-hockey",
        "Ice Hockey",
        "nhl",
        "NHL",
        "goals",
        6.1,
        0.0,
        0.15,
        6.0,
        (23.0, 0.0, 1.0, 2.5),
        _teams(
            "Anaheim Ducks, Boston Bruins, Buffalo Sabres, Calgary Flames, Carolina Hurricanes, "
            "Chicago Blackhawks, Colorado Avalanche, Columbus Blue Jackets, Dallas Stars, Detroit Red Wings, "
            "Edmonton Oilers, Florida Panthers, Los Angeles Kings, Minnesota Wild, Montreal Canadiens, "
            "Nashville Predators, New Jersey Devils, New York Islanders, New York Rangers, Ottawa Senators, "
            "Philadelphia Flyers, Pittsburgh Penguins, San Jose Sharks, Seattle Kraken, St. Louis Blues, "
            "Tampa Bay Lightning, Toronto Maple Leafs, Utah Mammoth, Vancouver Canucks, Vegas Golden Knights, "
            "Washington Capitals, Winnipeg Jets"
        ),
        popularity=12,
        fixed_spread=Decimal("1.5"),
    ),
    LeagueSpec(
        "soccer",
        "Soccer",
        "epl",
        "Premier League",
        "goals",
        2.8,
        0.0,
        0.25,
        1.4,
        (12.5, 15.0, 17.5, 20.0),
        _teams(
            "Arsenal, Aston Villa, Bournemouth, Brentford, Brighton & Hove Albion, Burnley, Chelsea, "
            "Crystal Palace, Everton, Fulham, Leeds United, Liverpool, Manchester City, Manchester United, "
            "Newcastle United, Nottingham Forest, Sunderland, Tottenham Hotspur, West Ham United, "
            "Wolverhampton Wanderers"
        ),
        popularity=18,
        draws_allowed=True,
    ),
)

# (name, plan, time zone, unit_min, unit_max): the first two are the `make run` demo guilds.
TENANTS = (
    ("Demo Sharps", "premium", "America/New_York", Decimal("0.50"), Decimal("5.00")),
    ("Demo Parlay Club", "free", "Europe/London", Decimal("0.10"), Decimal("10.00")),
    ("Vegas Insiders", "enterprise", "America/Los_Angeles", Decimal("1.00"), Decimal("25.00")),
    ("Chalk Eaters", "platinum", "America/Chicago", Decimal("0.25"), Decimal("5.00")),
    ("Underdog Union", "premium", "America/Denver", Decimal("0.50"), Decimal("10.00")),
    ("Sunday Scaries", "free", "America/New_York", Decimal("0.10"), Decimal("3.00")),
    ("Puck Line Pros", "platinum", "America/Toronto", Decimal("0.50"), Decimal("5.00")),
    ("Totals Lab", "enterprise", "Europe/Berlin", Decimal("0.10"), Decimal("10.00")),
    ("Aussie Punters", "premium", "Australia/Sydney", Decimal("0.50"), Decimal("20.00")),
    ("Late Line Club", "free", "America/Phoenix", Decimal("0.10"), Decimal("5.00")),
)

FIRST_NAMES = _teams(
    "Joe, Ann, Marcus, Priya, Diego, Sam, Kenji, Olivia, Tariq, Mia, Lucas, Zoe, Andre, Hana, Victor, Leah, "
    "Omar, Nina, Felix, Rosa, Colin, Ivy, Malik, Tess"
)
HANDLES = _teams(
    "Locks, Sharp, Fade, Chalk, Dog, Units, Steam, Closer, Value, Juice, Hammer, Sweat, Teaser, Middle, Hook"
)
