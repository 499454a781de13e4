"""Collusion rings (团伙欺诈): insured persons who cycle through the same providers on the same days.

1. Events (共同就诊事件): a provider and a day — a practitioner (``fee_list.bilg_dr_codg``, else
   ``mdtrt.chfpdr_code``) or a pharmacy (``fixmedins_type`` 2 / pharmacy ``med_type``) — with the
   insured persons served. Events with more than ``collusion.max_persons_per_event`` persons are
   ignored (a busy clinic day is not a ring).
2. Pairs: two insured persons are linked when they share at least ``collusion.min_shared_days``
   events involving at least ``collusion.min_shared_providers`` different providers (two patients
   of one doctor's regular clinic day are not a ring); the weight is the number of shared events.
3. Graph (tripartite): linked insured persons, the practitioners / pharmacies of their shared
   events and those providers' institutions; edge weights are shared visits. Communities come
   from leidenalg (RBConfiguration, ``collusion.leiden_resolution``, seed ``risk.random_seed``).
4. A ring is a community with at least ``collusion.min_ring_persons`` insured persons.

What it cannot see: rings that use different providers each time, or that spread visits over
different days; persons sharing one household doctor legitimately but often (tune the profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import igraph as ig
import leidenalg
import pandas as pd

from fundguard.profiles import get_profile


@dataclass
class RingResult:
    rings: pd.DataFrame  # ring_id, persons, providers, shared_events, total_amount
    members: pd.DataFrame  # ring_id, node, kind (insured|practitioner|pharmacy|institution)
    edges: pd.DataFrame  # ring_id, source, target, weight
    events: pd.DataFrame  # ring_id, provider, day, persons (list)
    person_strength: dict[str, float] = field(default_factory=dict)  # psn_no -> shared events in ring


def _events(con: duckdb.DuckDBPyConnection) -> None:
    prof = get_profile()
    pharmacy = "(" + ", ".join(f"'{c}'" for c in prof["rule.pharmacy_med_types"]) + ")"
    cap = int(prof["collusion.max_persons_per_event"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _an_event AS
        WITH dr AS (
            SELECT DISTINCT l.psn_no, l.bilg_dr_codg AS provider, 'practitioner' AS kind,
                   l.fixmedins_code AS institution, l.fee_ocur_time::DATE AS day
            FROM fee_list l WHERE l.bilg_dr_codg IS NOT NULL AND l.bilg_dr_codg <> ''
            UNION
            SELECT DISTINCT m.psn_no, m.chfpdr_code, 'practitioner', m.fixmedins_code, m.begntime::DATE
            FROM mdtrt m WHERE m.chfpdr_code IS NOT NULL AND m.chfpdr_code <> ''
        ), ph AS (
            SELECT DISTINCT m.psn_no, m.fixmedins_code AS provider, 'pharmacy' AS kind,
                   m.fixmedins_code AS institution, m.begntime::DATE AS day
            FROM mdtrt m LEFT JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
            WHERE m.med_type IN {pharmacy} OR f.fixmedins_type = '2'
        ), e AS (SELECT * FROM dr UNION SELECT * FROM ph)
        SELECT e.* FROM e
        JOIN (SELECT provider, day FROM e GROUP BY ALL HAVING count(DISTINCT psn_no) BETWEEN 2 AND {cap}) ok
          USING (provider, day)
    """)


def linked_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pairs of insured persons sharing ≥ ``collusion.min_shared_days`` provider-days."""
    _events(con)
    prof = get_profile()
    min_shared = int(prof["collusion.min_shared_days"])
    min_providers = int(prof["collusion.min_shared_providers"])
    return con.execute(f"""
        SELECT a.psn_no AS psn_a, b.psn_no AS psn_b, count(DISTINCT (a.provider, a.day)) AS shared_events,
               count(DISTINCT a.day) AS shared_days, count(DISTINCT a.provider) AS shared_providers
        FROM _an_event a JOIN _an_event b ON a.provider = b.provider AND a.day = b.day AND a.psn_no < b.psn_no
        GROUP BY ALL
        HAVING count(DISTINCT (a.provider, a.day)) >= {min_shared} AND count(DISTINCT a.provider) >= {min_providers}
    """).df()


def find_rings(con: duckdb.DuckDBPyConnection) -> RingResult:
    prof = get_profile()
    pairs = linked_pairs(con)
    empty = RingResult(
        pd.DataFrame(columns=["ring_id", "persons", "providers", "shared_events", "shared_days"]),
        pd.DataFrame(columns=["ring_id", "node", "kind"]),
        pd.DataFrame(columns=["ring_id", "source", "target", "weight"]),
        pd.DataFrame(columns=["ring_id", "provider", "day", "persons"]),
    )
    if pairs.empty:
        return empty
    persons = sorted(set(pairs["psn_a"]) | set(pairs["psn_b"]))
    con.register("_an_linked", pd.DataFrame({"psn_no": persons}))
    prov = con.execute("""
        SELECT e.psn_no, e.provider, any_value(e.kind) AS kind, any_value(e.institution) AS institution,
               count(*) AS visits
        FROM _an_event e JOIN _an_linked USING (psn_no) GROUP BY e.psn_no, e.provider
    """).df()
    con.unregister("_an_linked")
    names: dict[str, int] = {}
    kinds: list[str] = []

    def node(name: str, kind: str) -> int:
        if name not in names:
            names[name] = len(names)
            kinds.append(kind)
        return names[name]

    edge_list, weights = [], []
    for r in pairs.itertuples():
        edge_list.append((node(f"insured:{r.psn_a}", "insured"), node(f"insured:{r.psn_b}", "insured")))
        weights.append(float(r.shared_events))
    for r in prov.itertuples():
        edge_list.append((node(f"insured:{r.psn_no}", "insured"), node(f"{r.kind}:{r.provider}", r.kind)))
        weights.append(float(r.visits))
        if r.kind == "practitioner" and r.institution:
            edge_list.append(
                (node(f"{r.kind}:{r.provider}", r.kind), node(f"institution:{r.institution}", "institution"))
            )
            weights.append(float(r.visits))
    g = ig.Graph(n=len(names), edges=edge_list, directed=False)
    g.vs["name"] = list(names)
    g.vs["kind"] = kinds
    g.es["weight"] = weights
    g = g.simplify(combine_edges={"weight": "sum"})
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=float(prof["collusion.leiden_resolution"]),
        seed=int(prof["risk.random_seed"]),
    )
    return _rings_from_partition(con, g, list(part), pairs, int(prof["collusion.min_ring_persons"]))


def _rings_from_partition(
    con, g: ig.Graph, communities: list[list[int]], pairs: pd.DataFrame, min_persons: int
) -> RingResult:
    rings, members, edges, events = [], [], [], []
    strength: dict[str, float] = {}
    ordered = sorted(communities, key=lambda c: sorted(g.vs[i]["name"] for i in c)[0])
    n = 0
    for comm in ordered:
        names = [g.vs[i]["name"] for i in comm]
        people = sorted(x.split(":", 1)[1] for x in names if x.startswith("insured:"))
        if len(people) < min_persons:
            continue
        n += 1
        ring_id = f"R{n:04d}"
        providers = sorted(x for x in names if x.split(":", 1)[0] in ("practitioner", "pharmacy"))
        for i in comm:
            members.append((ring_id, g.vs[i]["name"].split(":", 1)[1], g.vs[i]["kind"]))
        sub = g.induced_subgraph(comm)
        for e in sub.es:
            edges.append((ring_id, sub.vs[e.source]["name"], sub.vs[e.target]["name"], e["weight"]))
        inside = pairs[pairs["psn_a"].isin(people) & pairs["psn_b"].isin(people)]
        for p in people:
            strength[p] = max(
                strength.get(p, 0.0),
                float(inside.loc[(inside["psn_a"] == p) | (inside["psn_b"] == p), "shared_events"].sum()),
            )
        con.register("_an_ring_people", pd.DataFrame({"psn_no": people}))
        ev = con.execute("""
            SELECT provider, day, list(DISTINCT psn_no ORDER BY psn_no) AS persons
            FROM _an_event JOIN _an_ring_people USING (psn_no)
            GROUP BY provider, day HAVING count(DISTINCT psn_no) >= 2 ORDER BY day, provider
        """).df()
        con.unregister("_an_ring_people")
        for r in ev.itertuples():
            events.append((ring_id, r.provider, r.day, list(r.persons)))
        rings.append((ring_id, len(people), len(providers), len(ev), ev["day"].nunique() if len(ev) else 0))
    return RingResult(
        pd.DataFrame(rings, columns=["ring_id", "persons", "providers", "shared_events", "shared_days"]),
        pd.DataFrame(members, columns=["ring_id", "node", "kind"]),
        pd.DataFrame(edges, columns=["ring_id", "source", "target", "weight"]),
        pd.DataFrame(events, columns=["ring_id", "provider", "day", "persons"]),
        strength,
    )


def ring_view(result: RingResult, ring_id: str) -> dict:
    """Data for one ring's page: members, edges and shared days (JSON-ready)."""
    if ring_id not in set(result.rings["ring_id"]):
        raise KeyError(ring_id)
    head = result.rings[result.rings["ring_id"] == ring_id].iloc[0]
    mem = result.members[result.members["ring_id"] == ring_id]
    edg = result.edges[result.edges["ring_id"] == ring_id]
    ev = result.events[result.events["ring_id"] == ring_id]
    return {
        "ring_id": ring_id,
        "persons": int(head["persons"]),
        "providers": int(head["providers"]),
        "shared_events": int(head["shared_events"]),
        "members": [{"id": r.node, "kind": r.kind} for r in mem.itertuples()],
        "edges": [
            {"source": r.source, "target": r.target, "weight": float(r.weight)} for r in edg.itertuples()
        ],
        "shared_days": [
            {"provider": r.provider, "day": str(pd.Timestamp(r.day).date()), "persons": list(r.persons)}
            for r in ev.itertuples()
        ],
    }
