"""Pages of a list: the one page count, the 0-based page a selector reads, and the storefront's
page numbers."""

from dataclasses import dataclass


def page_count(total: int, size: int) -> int:
    """How many pages of `size` items hold `total` items (0 when there are none)."""
    return -(-total // size)


@dataclass(frozen=True)
class PageParams:
    """A 0-based page, as selectors and the API read it."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return self.page * self.size


@dataclass(frozen=True)
class StorefrontPage:
    """A storefront page as its URL numbers it. Each page declares `first`, the number of its
    first page, because the URLs differ and stay as they are: the catalog counts from 0
    (`?page=0`, like the API), the order list and the balance history from 1."""

    number: int
    first: int
    size: int

    @classmethod
    def from_query(cls, raw: str | None, *, first: int, size: int) -> "StorefrontPage":
        """Where a person may type anything: a non-number or one below `first` is the first page."""
        if raw and raw.isascii() and raw.isdigit() and len(raw) <= 6:
            return cls(number=max(int(raw), first), first=first, size=size)
        return cls(number=first, first=first, size=size)

    @property
    def params(self) -> PageParams:
        return PageParams(page=self.number - self.first, size=self.size)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > self.first else None

    def pages(self, total: int) -> int:
        """How many pages there are to show: at least one, the empty first page."""
        return max(page_count(total, self.size), 1)

    def last(self, total: int) -> int:
        return self.first + self.pages(total) - 1

    def next(self, total: int) -> int | None:
        return self.number + 1 if self.number < self.last(total) else None
