"""Synthetic school rolls for `bench_mem_web`: the pupil export a MIS (SIMS, Arbor, Bromcom)
produces, as `safeshare roll import` and `PUT /api/v1/roll` read it.

Deterministic from a seed, so a benchmark run can search for pupils it knows are on the roll
without keeping their names anywhere. Names mix the forenames and surnames of English schools
today (some with accents and apostrophes, some double-barrelled), about one pupil in eight has
a preferred forename, dates of birth follow the year groups of a secondary school (7 to 13) in
the current academic year, and every UPN is well formed (check letter, LA code, establishment
number, year of issue, serial). No faker: it is not a dependency and a few lists do.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FORENAMES = _words(
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander "
    "Luca Edward James Joshua Albie Elijah Max Mohammed Reuben Mason Sebastian Rory Jude Louie "
    "Benjamin Ethan Adam Hugo Joseph Reggie Ronnie Louis Frankie Olivia Amelia Isla Ava Ivy "
    "Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace Daisy Sienna Poppy Elsie Emily "
    "Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie Matilda Maya Sophie Alice Emilia "
    "Isabelle Ruby Sara Aisha Zara Amira Fatima Maryam Hannah Chloé Zoë Siân Aoife Niamh Saoirse "
    "Oluwaseun Chidi Kwame Ama Priya Arjun Ananya Rohan Wiktoria Jakub Zuzanna Oskar Mateusz "
    "Ioana Andrei Yusuf Ibrahim Hamza Layla Noor Mei Wei Hiro Kenji Dylan Rhys Cerys Eilidh Callum"
)
SURNAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
    "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker "
    "Fisher Stevens Jenkins Murray Dixon Harvey O'Brien O'Connor O'Neill McDonald MacLeod Nowak "
    "Kowalski Wiśniewska Popescu Okafor Adeyemi Mensah Osei Nguyen Chen Wang Li Zhang Kaur Gill "
    "Sharma Ahmed Rahman Chowdhury Yilmaz Demir Rossi Silva Santos Fernández Müller Dubois "
    "Smith-Jones Hart-Davies Ashworth-Clarke"
)
YEAR_GROUPS = (7, 8, 9, 10, 11, 12, 13)
FORMS = "ABCDEFGH"
COLUMNS = (
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "DOB",
    "Year",
    "Reg Group",
)
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class Pupil:
    upn: str
    surname: str
    forename: str
    preferred: str
    dob: date
    year: int
    reg_group: str

    @property
    def display_name(self) -> str:
        """The name the roll import records and staff search (`services.roll`)."""
        shown = f"{self.preferred or self.forename} {self.surname}"
        legal = f"{self.forename} {self.surname}"
        return shown if shown == legal else f"{shown} ({legal})"


def upn(la: int, establishment: int, issued: int, serial: int) -> str:
    """A unique pupil number as the DfE specifies it: a check letter, then the LA code (3),
    the establishment number (4), the year of issue (2) and a serial (3)."""
    digits = f"{la:03d}{establishment:04d}{issued % 100:02d}{serial:03d}"
    check = sum(int(d) * weight for d, weight in zip(digits, range(2, 14), strict=True)) % 23
    return _UPN_CHECK[check] + digits


def academic_year_start(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def pupils(school_number: int, count: int, today: date, seed: int = 16) -> list[Pupil]:
    """`count` pupils of the school numbered `school_number`, spread over the year groups."""
    rng = random.Random(f"{seed}:{school_number}")
    start = academic_year_start(today)
    la, establishment = 200 + school_number, 4000 + school_number
    made: list[Pupil] = []
    issued: dict[int, int] = {}
    for n in range(count):
        year = YEAR_GROUPS[n * len(YEAR_GROUPS) // count]
        # Year 7 pupils turned 11 by 31 August of the academic year's start.
        born_from = date(start - year - 5, 9, 1)
        dob = born_from + timedelta(days=rng.randrange(365))
        forename = rng.choice(FORENAMES)
        preferred = rng.choice(FORENAMES) if rng.random() < 0.125 else ""
        serial = issued[dob.year] = issued.get(dob.year, 0) + 1
        made.append(
            Pupil(
                upn=upn(la, establishment, dob.year + 5, serial),
                surname=rng.choice(SURNAMES),
                forename=forename,
                preferred="" if preferred == forename else preferred,
                dob=dob,
                year=year,
                reg_group=f"{year}{rng.choice(FORMS)}",
            )
        )
    return made


def roll_csv(roll: list[Pupil]) -> str:
    """The export as SIMS writes it: a header row, dates of birth as dd/mm/yyyy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in roll:
        writer.writerow(
            (
                p.upn,
                p.surname,
                p.forename,
                p.preferred,
                p.dob.strftime("%d/%m/%Y"),
                p.year,
                p.reg_group,
            )
        )
    return out.getvalue()
