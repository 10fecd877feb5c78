"""The towns a generated day can be set in: where patients cluster and how the land lies.

Four shapes, so that a benchmark does not only prove the solver suits one:

- ``leeds`` (city): neighbourhood centres around one city centre; the day's size sets how far
  out it reaches.
- ``andorra`` (valley): villages strung along the roads of a mountain valley, from Sant Julià
  de Lòria up to Pas de la Casa, with the side valleys to Ordino and Arinsal.
- ``riviera`` (coast): a strip along the shore from Nice to Menton through Monaco; the sea
  bounds it on one side and the hills on the other.
- ``ryedale`` (rural): market towns of North Yorkshire 4-15 km apart with villages 3-8 km
  apart between them; therapists live in the villages too, so drives are long and a day
  holds fewer visits.

Coordinates are real and rounded (to about 10-50 m); weights roughly follow population. The
Riviera shore is drawn by hand a little inland of the waterline (along the coast road) and
cuts across the capes and harbours, so a point on its land side is on land.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Point = tuple[float, float]  # (lat, lon), WGS84
Shape = Literal["city", "valley", "coast", "rural"]


@dataclass(frozen=True)
class Centre:
    """A neighbourhood, village or town that patients cluster around."""

    name: str
    lat: float
    lon: float
    weight: float  # relative share of patients


@dataclass(frozen=True)
class Box:
    """A bounding box; every generated point of the town lies inside it."""

    south: float
    west: float
    north: float
    east: float

    def holds(self, point: Point) -> bool:
        return self.south <= point[0] <= self.north and self.west <= point[1] <= self.east


@dataclass(frozen=True)
class Workload:
    """What a therapist's day holds: ``max_visits`` choices for a full day, and a half day's.

    Demand is aimed at 85-95 % of the sum of ``max_visits``, so where drives are long the
    limits are lower and the day books ``visit_share`` of the size's visits.
    """

    full_day_visits: tuple[int, ...] = (7, 8, 8, 9)
    half_day_visits: int = 4
    visit_share: float = 1.0


@dataclass(frozen=True)
class Town:
    """A place to generate days in; the fields after ``spread_km`` belong to some shapes only."""

    name: str
    timezone: str
    shape: Shape
    centres: tuple[Centre, ...]
    box: Box
    spread_km: float  # how far patients live from their centre (a standard deviation)
    workload: Workload = Workload()
    anchor: Point | None = None  # city: the centre of the day's disc
    roads: tuple[tuple[str, ...], ...] = ()  # valley: centre names in order along each road
    shore: tuple[Point, ...] = ()  # coast: west to east, the land to the north (left)
    strip_km: float = 0.0  # coast: how far inland of the shore patients live

    def centre(self, name: str) -> Centre:
        return next(centre for centre in self.centres if centre.name == name)


LEEDS = Town(
    name="leeds",
    timezone="Europe/London",
    shape="city",
    anchor=(53.7997, -1.5492),  # Leeds Town Hall
    spread_km=1.2,
    box=Box(south=53.50, west=-2.05, north=54.10, east=-1.05),
    centres=(
        Centre("Headingley", 53.8198, -1.5776, 2),
        Centre("Chapel Allerton", 53.8294, -1.5370, 2),
        Centre("Harehills", 53.8148, -1.5150, 3),
        Centre("Armley", 53.7980, -1.5900, 3),
        Centre("Beeston", 53.7790, -1.5640, 3),
        Centre("Kirkstall", 53.8160, -1.6040, 2),
        Centre("Roundhay", 53.8390, -1.4960, 2),
        Centre("Seacroft", 53.8180, -1.4580, 3),
        Centre("Cross Gates", 53.8060, -1.4510, 2),
        Centre("Middleton", 53.7440, -1.5480, 2),
        Centre("Bramley", 53.8050, -1.6330, 2),
        Centre("Horsforth", 53.8375, -1.6417, 2),
        Centre("Pudsey", 53.7950, -1.6600, 2),
        Centre("Morley", 53.7400, -1.5980, 3),
        Centre("Rothwell", 53.7485, -1.4790, 2),
        Centre("Garforth", 53.7920, -1.3880, 2),
        Centre("Wakefield", 53.6833, -1.4977, 5),
        Centre("Bradford", 53.7960, -1.7594, 6),
        Centre("Guiseley", 53.8750, -1.7150, 2),
        Centre("Batley", 53.7060, -1.6350, 2),
        Centre("Castleford", 53.7250, -1.3620, 2),
        Centre("Shipley", 53.8330, -1.7700, 2),
        Centre("Otley", 53.9050, -1.6940, 1),
        Centre("Wetherby", 53.9276, -1.3860, 1),
    ),
)

ANDORRA = Town(
    name="andorra",
    timezone="Europe/Andorra",
    shape="valley",
    spread_km=0.8,
    box=Box(south=42.44, west=1.45, north=42.64, east=1.76),
    centres=(
        Centre("Sant Julià de Lòria", 42.4667, 1.4921, 3),
        Centre("Aixovall", 42.4770, 1.4888, 0.5),
        Centre("La Margineda", 42.4870, 1.4914, 0.5),
        Centre("Santa Coloma", 42.4984, 1.5060, 1),
        Centre("Andorra la Vella", 42.5069, 1.5212, 6),
        Centre("Escaldes-Engordany", 42.5090, 1.5404, 4),
        Centre("Encamp", 42.5360, 1.5837, 3),
        Centre("Meritxell", 42.5536, 1.5906, 0.3),
        Centre("Prats", 42.5606, 1.5937, 0.3),
        Centre("Canillo", 42.5668, 1.5978, 1.5),
        Centre("El Tarter", 42.5803, 1.6497, 0.5),
        Centre("Soldeu", 42.5769, 1.6683, 0.7),
        Centre("Les Bordes d'Envalira", 42.5600, 1.6849, 0.2),
        Centre("Grau Roig", 42.5369, 1.7018, 0.2),
        Centre("Pas de la Casa", 42.5447, 1.7335, 1.2),
        Centre("Anyós", 42.5344, 1.5255, 0.5),
        Centre("La Massana", 42.5442, 1.5164, 3),
        Centre("Ordino", 42.5562, 1.5335, 1.5),
        Centre("Ansalonga", 42.5690, 1.5222, 0.3),
        Centre("La Cortinada", 42.5756, 1.5193, 0.4),
        Centre("Llorts", 42.5963, 1.5262, 0.2),
        Centre("El Serrat", 42.6196, 1.5389, 0.2),
        Centre("Erts", 42.5615, 1.4966, 0.3),
        Centre("Arinsal", 42.5721, 1.4844, 0.8),
    ),
    roads=(
        # CG-1 and CG-2: up the Gran Valira and over the Port d'Envalira.
        (
            "Sant Julià de Lòria",
            "Aixovall",
            "La Margineda",
            "Santa Coloma",
            "Andorra la Vella",
            "Escaldes-Engordany",
            "Encamp",
            "Meritxell",
            "Prats",
            "Canillo",
            "El Tarter",
            "Soldeu",
            "Les Bordes d'Envalira",
            "Grau Roig",
            "Pas de la Casa",
        ),
        # CG-3: the Valira del Nord to Ordino and El Serrat.
        (
            "Andorra la Vella",
            "Anyós",
            "La Massana",
            "Ordino",
            "Ansalonga",
            "La Cortinada",
            "Llorts",
            "El Serrat",
        ),
        # CG-4: La Massana to Arinsal.
        ("La Massana", "Erts", "Arinsal"),
    ),
)

RIVIERA = Town(
    name="riviera",
    timezone="Europe/Paris",  # Monaco's Europe/Monaco keeps the same clock
    shape="coast",
    spread_km=0.7,
    strip_km=3.0,
    box=Box(south=43.68, west=7.22, north=43.82, east=7.53),
    centres=(
        Centre("Nice", 43.7034, 7.2663, 6),
        Centre("Nice Cimiez", 43.7190, 7.2750, 3),
        Centre("Nice Riquier", 43.7060, 7.2910, 2),
        Centre("Nice Magnan", 43.6990, 7.2440, 2),
        Centre("Villefranche-sur-Mer", 43.7105, 7.3090, 1.5),
        Centre("Beaulieu-sur-Mer", 43.7130, 7.3290, 1),
        Centre("Èze", 43.7289, 7.3621, 0.7),
        Centre("Cap-d'Ail", 43.7250, 7.3990, 1.5),
        Centre("La Turbie", 43.7453, 7.4011, 1),
        Centre("Monaco Jardin Exotique", 43.7326, 7.4148, 1.5),
        Centre("Monaco Moneghetti", 43.7364, 7.4175, 2),
        Centre("Monte-Carlo", 43.7403, 7.4266, 2),
        Centre("Beausoleil", 43.7483, 7.4220, 3),
        Centre("Roquebrune-Cap-Martin", 43.7641, 7.4566, 1.5),
        Centre("Carnolès", 43.7620, 7.4740, 1.5),
        Centre("Menton", 43.7764, 7.5000, 4),
    ),
    shore=(
        (43.6900, 7.2360),  # Nice: the Promenade des Anglais
        (43.6965, 7.2580),
        (43.6980, 7.2700),
        (43.6985, 7.2790),  # behind the Colline du Château
        (43.7025, 7.2830),  # round the head of the Port Lympia
        (43.7025, 7.2900),
        (43.7060, 7.3060),  # across Mont Boron
        (43.7075, 7.3120),  # Villefranche, along the Basse Corniche
        (43.7090, 7.3200),  # across the neck of Cap Ferrat
        (43.7100, 7.3300),  # Beaulieu
        (43.7115, 7.3380),
        (43.7135, 7.3440),
        (43.7165, 7.3480),
        (43.7210, 7.3530),  # Èze-Bord-de-Mer
        (43.7238, 7.3590),
        (43.7240, 7.3640),
        (43.7232, 7.3700),
        (43.7225, 7.3760),
        (43.7240, 7.3820),
        (43.7245, 7.3880),
        (43.7225, 7.3950),  # Cap-d'Ail
        (43.7222, 7.4030),
        (43.7232, 7.4080),
        (43.7260, 7.4120),
        (43.7272, 7.4155),  # Monaco: behind Fontvieille and the Rock, round the port
        (43.7290, 7.4160),
        (43.7322, 7.4170),
        (43.7350, 7.4185),
        (43.7375, 7.4205),
        (43.7392, 7.4240),
        (43.7395, 7.4285),
        (43.7430, 7.4300),
        (43.7465, 7.4322),
        (43.7490, 7.4375),  # Larvotto
        (43.7522, 7.4410),
        (43.7530, 7.4450),
        (43.7555, 7.4480),
        (43.7580, 7.4505),
        (43.7605, 7.4540),
        (43.7615, 7.4600),  # Carnolès, then across the root of Cap Martin
        (43.7610, 7.4650),
        (43.7590, 7.4700),
        (43.7600, 7.4780),
        (43.7630, 7.4830),
        (43.7655, 7.4870),
        (43.7700, 7.4910),  # Menton
        (43.7725, 7.4960),
        (43.7755, 7.5030),
        (43.7780, 7.5090),
    ),
)

RYEDALE = Town(
    name="ryedale",
    timezone="Europe/London",
    shape="rural",
    spread_km=0.6,
    box=Box(south=54.03, west=-1.17, north=54.35, east=-0.47),
    # Drives of 15-30 minutes between villages leave room for about 6 visits a day.
    workload=Workload(full_day_visits=(5, 6, 6, 7), half_day_visits=3, visit_share=0.75),
    centres=(
        Centre("Malton", 54.1357, -0.7979, 4),
        Centre("Norton-on-Derwent", 54.1316, -0.7851, 5),
        Centre("Pickering", 54.2467, -0.7770, 5),
        Centre("Kirkbymoorside", 54.2700, -0.9304, 3),
        Centre("Helmsley", 54.2465, -1.0609, 2),
        Centre("Thornton-le-Dale", 54.2354, -0.7214, 2),
        Centre("Hovingham", 54.1716, -0.9791, 0.7),
        Centre("Nawton", 54.2563, -1.0061, 1),
        Centre("Ampleforth", 54.2011, -1.1094, 1),
        Centre("Slingsby", 54.1674, -0.9329, 0.7),
        Centre("Amotherby", 54.1481, -0.8574, 0.7),
        Centre("Rillington", 54.1575, -0.6951, 1),
        Centre("Sheriff Hutton", 54.0876, -1.0057, 1),
        Centre("Sherburn", 54.1879, -0.5331, 1),
        Centre("Hutton-le-Hole", 54.2997, -0.9153, 0.3),
        Centre("Sinnington", 54.2651, -0.8582, 0.5),
        Centre("Terrington", 54.1268, -0.9697, 0.5),
        Centre("Gilling East", 54.1852, -1.0611, 0.4),
        Centre("Kirby Misperton", 54.2048, -0.8071, 0.4),
        Centre("Settrington", 54.1236, -0.7250, 0.4),
    ),
)

TOWNS: dict[str, Town] = {town.name: town for town in (LEEDS, ANDORRA, RIVIERA, RYEDALE)}
