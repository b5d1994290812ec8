"""The ledger of one project + environment: a read-only view over its `LedgerEntry`s and who
owns the names other projects created. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streamt.resources import LedgerEntry, ResourceKind, digest


class Ledger:
    """The ledger entries of one project + environment (read-only view).

    `owners` names, for resources another project or environment of the same ledger topic
    created (`owned` entries), who that is ("project/environment"): such a resource is never
    adopted by this one.
    """

    def __init__(
        self,
        project: str,
        environment: str,
        entries: Iterable[LedgerEntry] = (),
        owners: Mapping[tuple[ResourceKind, str], str] | None = None,
    ) -> None:
        self.project, self.environment = project, environment
        self._by_key: dict[tuple[ResourceKind, str], LedgerEntry] = {
            (e.kind, e.name): e for e in entries
        }
        self.owners: Mapping[tuple[ResourceKind, str], str] = dict(owners or {})

    def get(self, kind: ResourceKind, name: str) -> LedgerEntry | None:
        return self._by_key.get((kind, name))

    def narrowed(self, keys: Iterable[tuple[ResourceKind, str]]) -> Ledger:
        """The same ledger knowing only the owners of `keys` (the project's resources), so
        other projects applying elsewhere on the cluster never make this plan stale."""
        wanted = set(keys)
        owners = {k: o for k, o in self.owners.items() if k in wanted}
        return Ledger(self.project, self.environment, self._by_key.values(), owners)

    def owner(self, kind: ResourceKind, name: str) -> str | None:
        """The other project/environment that created this resource, if one did."""
        return self.owners.get((kind, name))

    def of_kind(self, kind: ResourceKind) -> list[LedgerEntry]:
        return sorted((e for (k, _), e in self._by_key.items() if k is kind), key=lambda e: e.name)

    @property
    def entries(self) -> list[LedgerEntry]:
        return sorted(self._by_key.values(), key=lambda e: (e.kind.value, e.name))

    def as_mapping(self) -> Mapping[tuple[ResourceKind, str], LedgerEntry]:
        return dict(self._by_key)

    def fingerprint(self) -> str:
        mine = [e.content_digest() for e in self.entries]
        if not self.owners:
            return digest(mine)
        others = sorted(f"{k.value}/{n}={o}" for (k, n), o in self.owners.items())
        return digest([mine, others])

    def __len__(self) -> int:
        return len(self._by_key)
