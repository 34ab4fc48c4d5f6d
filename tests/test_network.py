"""Your network: LinkedIn Connections.csv quirks, the profile model, the `widen network` commands."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import widen

from crawlers.network import (
    Connection,
    NetworkError,
    current_profile,
    employer_key,
    load_profile_db,
    profile_from_connections,
    profile_from_yaml,
    read_connections,
    save_profile,
)

NOTES = (
    'Notes:\n'
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed their connections to see or '
    'download their email address using this setting https://www.linkedin.com/psettings/privacy/email. '
    'You can learn more here https://www.linkedin.com/help/linkedin/answer/261"\n'
    '\n'
)
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
ROWS = (
    "Ada,Lovelace,https://www.linkedin.com/in/ada,,Acme Analytics,Senior Software Engineer,07 Dec 2025\n"
    'Grace,Hopper,https://www.linkedin.com/in/grace,,"Acme Analytics, Inc.","Data Scientist, Growth",01 Jan 2024\n'
    "Ida,Wells,https://www.linkedin.com/in/ida,ida@example.org,Lakeview Food Pantry,Volunteer Coordinator,03 Mar 2023\n"
    ",,,,,,\n"
    "\n"
    "Sam,Nobody,https://www.linkedin.com/in/sam,,,,05 May 2022\n"
)


def write(tmp_path: Path, text: str, name: str = "Connections.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_reads_real_shaped_export_with_notes_blank_rows_and_quoted_commas(tmp_path):
    conns = read_connections(write(tmp_path, NOTES + HEADER + ROWS))
    assert conns == [
        Connection("Acme Analytics", "Senior Software Engineer"),
        Connection("Acme Analytics, Inc.", "Data Scientist, Growth"),  # quoted commas stay in the field
        Connection("Lakeview Food Pantry", "Volunteer Coordinator"),
        Connection("", ""),  # a real connection with nothing filled in still counts
    ]


def test_bom_is_tolerated(tmp_path):
    conns = read_connections(write(tmp_path, HEADER + ROWS, encoding="utf-8-sig"))
    assert len(conns) == 4 and conns[0].company == "Acme Analytics"


def test_older_export_without_url_column(tmp_path):
    old = ("First Name,Last Name,Email Address,Company,Position,Connected On\n"
           "Ada,Lovelace,,Acme Analytics,Software Engineer,07 Dec 2015\n")
    assert read_connections(write(tmp_path, NOTES + old)) == [Connection("Acme Analytics", "Software Engineer")]


def test_zip_export(tmp_path):
    z = tmp_path / "Basic_LinkedInDataExport_11-28-2026.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Invitations.csv", "From,To\n")
        zf.writestr("Connections.csv", NOTES + HEADER + ROWS)
    assert len(read_connections(z)) == 4


def test_zip_without_connections_and_non_export_are_clear_errors(tmp_path):
    z = tmp_path / "other.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Messages.csv", "a,b\n")
    with pytest.raises(NetworkError, match="no Connections.csv"):
        read_connections(z)
    with pytest.raises(NetworkError, match="First Name"):
        read_connections(write(tmp_path, "name,email\nx,y\n", "people.csv"))


def test_line_breaks_inside_a_quoted_field(tmp_path):
    text = HEADER + 'Ada,L,,,"Acme\nAnalytics","Software\nEngineer",07 Dec 2025\n'
    assert read_connections(write(tmp_path, text)) == [Connection("Acme\nAnalytics", "Software\nEngineer")]


def test_employer_key_merges_legal_suffixes():
    assert employer_key("Acme Analytics, Inc.") == employer_key("ACME Analytics") == "acme analytics"


def test_profile_clusters_and_shared_employer_ties():
    conns = [Connection("Acme Widgets", "Senior Software Engineer"),
             Connection("Acme Widgets, Inc.", "Data Scientist"),
             Connection("Lakeview Food Pantry", "Volunteer Coordinator"),
             Connection("", "")]
    p = profile_from_connections(conns)
    assert p.total == 4 and p.other == 1
    assert p.contacts["software_development"] == 1 and p.contacts["data"] == 1
    assert p.contacts["tech"] == 2  # the engineer by position, the data scientist by position term
    # Same employer ties the two people's clusters; the engineer alone ties tech and software_development.
    assert p.ties[("data", "software_development")] == 1
    assert p.ties[("software_development", "tech")] == 1
    assert p.ties[("data", "tech")] == 1
    assert ("hunger", "tech") not in p.ties
    assert p.ties[("hunger", "nonprofit_sector")] == 1
    assert any("volunteer coordinator" in e for e in p.examples["nonprofit_sector"])


def test_profile_is_stored_without_personal_data(tmp_path):
    p = profile_from_connections(read_connections(write(tmp_path, NOTES + HEADER + ROWS)), source="Connections.csv")
    conn = sqlite3.connect(tmp_path / "w.db")
    save_profile(conn, p)
    dump = "\n".join(conn.iterdump())
    for personal in ("Lovelace", "Hopper", "ida@example.org", "linkedin.com/in", "Dec 2025"):
        assert personal not in dump
    back = load_profile_db(conn)
    assert back is not None and back.weights == p.weights and back.ties == p.ties and back.other == p.other


def test_yaml_profile_validates_slugs_and_ties(tmp_path):
    good = write(tmp_path, "audiences: {tech: 10, women: 3}\nties: [[women, tech, 2]]\nother: 4\n", "n.yml")
    p = profile_from_yaml(good)
    assert p.weights == {"tech": 10.0, "women": 3.0} and p.ties == {("tech", "women"): 2.0} and p.other == 4
    with pytest.raises(NetworkError, match="unknown audience"):
        profile_from_yaml(write(tmp_path, "audiences: {techies: 1}\n", "bad.yml"))
    with pytest.raises(NetworkError, match="tie"):
        profile_from_yaml(write(tmp_path, "audiences: {tech: 1}\nties: [[tech, women, 1]]\n", "bad2.yml"))


def test_example_profile_loads():
    p = profile_from_yaml(Path(__file__).resolve().parent.parent / "config" / "network.yml")
    assert len(p.audiences) >= 3


def test_imported_profile_wins_over_network_yml(tmp_path):
    db = tmp_path / "w.db"
    conn = sqlite3.connect(db)
    save_profile(conn, profile_from_connections([Connection("Lakeview Food Pantry", "Volunteer")]))
    conn.close()
    assert current_profile(db).audiences == {"hunger"}
    assert "tech" in current_profile(tmp_path / "missing.db").audiences  # falls back to config/network.yml


def test_cli_import_and_show(tmp_path):
    csv_path = write(tmp_path, NOTES + HEADER + ROWS)
    db = tmp_path / "w.db"
    r = widen("network", "import", str(csv_path), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "4 connections, 3 mapped" in r.stdout
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT audience, contacts FROM network_audiences").fetchall())
    assert rows["software_development"] == 1 and rows["hunger"] == 1
    r = widen("network", "show", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "software_development" in r.stdout and "effective size" in r.stdout and "constraint" in r.stdout
    assert "(unclassified)" in r.stdout
    # where the constraint stands, and the audiences that would open the network most, best first
    assert "equal, unconnected groups" in r.stdout
    opening = r.stdout.split("would open your network most")[1]
    rows = [ln for ln in opening.splitlines() if ln.startswith("│")]
    scores = [float(ln.split("│")[-2]) for ln in rows]
    assert len(rows) == 8 and scores == sorted(scores, reverse=True) and scores[0] > 50
    assert "software_development" not in opening.split("audiences you don't reach yet")[0]


def test_cli_import_rejects_a_non_export(tmp_path):
    r = widen("network", "import", str(write(tmp_path, "a,b\n1,2\n", "x.csv")), "--db", str(tmp_path / "w.db"))
    assert r.returncode == 2 and "First Name" in r.stderr
    assert "re-scored" not in r.stdout
