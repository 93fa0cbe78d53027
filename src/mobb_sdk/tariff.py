"""What a run costs: Logius' tariff for the Berichtenbox against the cost of a letter on paper.

Since 2018 Logius charges MijnOverheid use per unit (*prijs maal hoeveelheid*, spec section 11): the first
1000 units a year (letters delivered or logins) are free, then each counts; the 2022 advance tariff was
EUR 0.32 per Berichtenbox delivery, excluding VAT. A letter on paper costs postage and printing instead; that
price is yours to give (it differs per contract), so without it no paper cost is computed::

    >>> from decimal import Decimal
    >>> from mobb_sdk.tariff import Tariff, run_cost
    >>> cost = run_cost(digital=1500, paper=200, tariff=Tariff(paper_per_letter=Decimal("0.95")))
    >>> cost.billable_units, cost.digital_cost, cost.paper_cost
    (500, Decimal('160.00'), Decimal('190.00'))
    >>> cost.all_paper_cost, cost.saving
    (Decimal('1615.00'), Decimal('1265.00'))

``units_used_before`` says how many of the year's units were used before this run (other runs, logins):
only what is left of the free 1000 is free for this run. Amounts are :class:`~decimal.Decimal` euros,
rounded to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import attrs

from mobb_sdk._errors import ConfigurationError

__all__ = ["FREE_UNITS_PER_YEAR", "TARIFF_2022", "Cost", "Tariff", "run_cost"]

#: Units a year Logius does not charge for (spec section 11).
FREE_UNITS_PER_YEAR: Final = 1000
#: EUR per Berichtenbox delivery, the 2022 advance tariff excluding VAT (spec section 11).
TARIFF_2022: Final = Decimal("0.32")
_CENT: Final = Decimal("0.01")


def _money(value: Decimal | str | float | int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise ConfigurationError(f"an amount in euros is a number of at least 0, not {value!r}")
    return amount


def _required_money(value: Decimal | str | float | int) -> Decimal:
    amount = _money(value)
    if amount is None:
        raise ConfigurationError("the tariff per unit is required (euros per Berichtenbox delivery)")
    return amount


def _units(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"a number of units is a whole number of at least 0, not {value!r}")
    return value


@attrs.frozen
class Tariff:
    """The prices: ``per_unit`` euros per Berichtenbox delivery after ``free_units`` a year, and
    ``paper_per_letter`` euros for a letter on paper (postage and printing; ``None``: not known)."""

    per_unit: Decimal = attrs.field(default=TARIFF_2022, converter=_required_money)
    free_units: int = attrs.field(default=FREE_UNITS_PER_YEAR, converter=_units)
    paper_per_letter: Decimal | None = attrs.field(default=None, converter=_money)


@attrs.frozen
class Cost:
    """What a run cost: ``digital`` letters delivered (one unit each), ``paper`` letters to print and post.

    ``free_units`` of the units were free (what was left of the year's allowance), ``billable_units``
    are charged at the tariff: ``digital_cost``. ``paper_cost`` is the paper letters at the paper price,
    ``all_paper_cost`` what every letter on paper would have cost, ``saving`` the difference with the
    run (the three are ``None`` when no paper price is known).
    """

    tariff: Tariff
    digital: int
    paper: int
    units_used_before: int
    free_units: int
    billable_units: int
    digital_cost: Decimal
    paper_cost: Decimal | None
    all_paper_cost: Decimal | None
    saving: Decimal | None

    @property
    def total(self) -> Decimal | None:
        """Digital plus paper; ``None`` without a paper price when there are paper letters."""
        if self.paper_cost is None:
            return self.digital_cost if self.paper == 0 else None
        return self.digital_cost + self.paper_cost

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; euros as strings with two decimals (exact)."""

        def eur(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.2f}"

        return {
            "letters_digital": self.digital,
            "letters_paper": self.paper,
            "units": self.digital,
            "units_used_before": self.units_used_before,
            "free_units": self.free_units,
            "billable_units": self.billable_units,
            "tariff_per_unit_eur": eur(self.tariff.per_unit),
            "free_units_per_year": self.tariff.free_units,
            "paper_per_letter_eur": eur(self.tariff.paper_per_letter),
            "digital_cost_eur": eur(self.digital_cost),
            "paper_cost_eur": eur(self.paper_cost),
            "total_eur": eur(self.total),
            "all_paper_cost_eur": eur(self.all_paper_cost),
            "saving_eur": eur(self.saving),
        }


def run_cost(*, digital: int, paper: int, tariff: Tariff | None = None, units_used_before: int = 0) -> Cost:
    """The cost of ``digital`` delivered letters and ``paper`` letters under ``tariff`` (default: 2022's)."""
    tariff = tariff if tariff is not None else Tariff()
    digital, paper, used = _units(digital), _units(paper), _units(units_used_before)
    free_left = max(tariff.free_units - used, 0)
    free = min(digital, free_left)
    billable = digital - free
    digital_cost = (tariff.per_unit * billable).quantize(_CENT, ROUND_HALF_UP)
    price = tariff.paper_per_letter
    paper_cost = all_paper = saving = None
    if price is not None:
        paper_cost = (price * paper).quantize(_CENT, ROUND_HALF_UP)
        all_paper = (price * (digital + paper)).quantize(_CENT, ROUND_HALF_UP)
        saving = all_paper - (digital_cost + paper_cost)
    return Cost(tariff, digital, paper, used, free, billable, digital_cost, paper_cost, all_paper, saving)
