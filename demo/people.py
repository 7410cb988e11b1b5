"""Made-up people for the demo: names that follow the fashions of their birth years,
unique mobile numbers, valid resident ID numbers (the ISO 7064 check character of
``owners.validators``), passports, e-mail and correspondence addresses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from demo.texts import texts
from owners.validators import ID_CHECK, ID_WEIGHTS

TEXTS = texts("people")
# Surnames with how common they are; given names by sex and by when the person was born
# (names follow fashions): demo/data/people.json.
SURNAMES: dict[str, float] = TEXTS["surnames"]
_SURNAME_LIST = list(SURNAMES)
_SURNAME_WEIGHTS = list(SURNAMES.values())
GIVEN_NAMES: dict[str, dict[str, list[str]]] = TEXTS["given_names"]

# Where ID cards were issued (the first six digits): mostly Guangdong, then migrants' home regions.
ID_REGIONS: dict[str, float] = {
    "440106": 8, "440104": 6, "440105": 5, "440111": 4, "440113": 6, "440118": 2,  # 广州
    "440303": 2, "441302": 2, "445202": 2, "440511": 2, "440882": 1, "441900": 2,  # 广东其他
    "430102": 2, "430621": 1, "421002": 1, "420106": 1, "360102": 1, "450103": 1,
    "350203": 1, "510107": 1, "410105": 1, "370102": 0.5, "110105": 0.5, "310104": 0.5,
    "230102": 0.5, "610113": 0.5,
}
_REGION_LIST = list(ID_REGIONS)
_REGION_WEIGHTS = list(ID_REGIONS.values())

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
)

OTHER_ADDRESSES: list[list[str]] = TEXTS["other_addresses"]  # district, street, suffix

EMAIL_DOMAINS = ("qq.com", "qq.com", "qq.com", "163.com", "126.com", "139.com", "gmail.com")


@dataclass(frozen=True)
class Person:
    name: str
    surname: str
    given: str
    sex: str  # "m" / "f"
    birth: date


class People:
    """Makes up people: names, unique mobiles, unique valid resident ID numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()

    def person(
        self, *, born: tuple[int, int] | None = None, birth: date | None = None,
        sex: str | None = None, surname: str | None = None,
    ) -> Person:
        """Someone born in a year within ``born`` (inclusive), or on ``birth``."""
        rng = self.rng
        sex = sex or rng.choice("mf")
        if birth is None:
            birth = date(rng.randint(*born), 1, 1) + timedelta(days=rng.randrange(365))
        year = birth.year
        era = "old" if year < 1965 else "mid" if year < 1986 else "young"
        surname = surname or rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0]
        given = rng.choice(GIVEN_NAMES[sex][era])
        if len(surname) > 1:  # 欧阳 + one character: names stay 2–3 characters
            given = given[0]
        return Person(name=surname + given, surname=surname, given=given, sex=sex, birth=birth)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def resident_id(self, person: Person) -> str:
        """18 digits: region, birth date, a sequence whose last digit is odd for men and
        even for women, and the ISO 7064 check character (owners.validators)."""
        rng = self.rng
        while True:
            region = rng.choices(_REGION_LIST, _REGION_WEIGHTS)[0]
            seq = rng.randrange(100) * 10 + rng.choice(
                (1, 3, 5, 7, 9) if person.sex == "m" else (0, 2, 4, 6, 8)
            )
            body = f"{region}{person.birth:%Y%m%d}{seq:03d}"
            total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS))
            number = body + ID_CHECK[total % 11]
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def passport(self) -> str:
        while True:
            number = f"E{self.rng.randrange(10**7):07d}{self.rng.choice('ABCDFGHJKLMNPQRTWXYZ')}"
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def email(self) -> str:
        rng = self.rng
        return f"{rng.randrange(10**5, 10**10)}@{rng.choice(EMAIL_DOMAINS)}"

    def other_address(self) -> str:
        rng = self.rng
        district, street, suffix = rng.choice(OTHER_ADDRESSES)
        room = TEXTS["room"].format(floor=rng.randint(1, 30), door=rng.randint(1, 4))
        return TEXTS["address"].format(district=district, street=street, number=rng.randint(1, 399),
                                       suffix=suffix, room=room)
