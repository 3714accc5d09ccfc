"""The reports site in a real browser: headless Chromium driven by Selenium.

The site is built as ``make report`` builds it on a fresh clone (the
committed notebooks and figures, both editions) into a temporary folder, then
every page of both editions is opened at 1280 px, then laid out again at 390 px (a phone), once
per test run in one browser (``browse``): the tests read what it saw.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run``
installs them). Outside CI, without them, these tests are skipped; in CI
(``CI=true``) a missing browser is a failure. Screenshots of the index and one
report, at both widths and in both editions, go to ``tests/output/``.
"""

from __future__ import annotations

import csv
import functools
import html
import importlib.util
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from civicstats import paths, site
from tests.conftest import made_once

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUTPUT = Path(__file__).parent / "output"
WIDTHS = (1280, 390)
HOW = ("run them with headless Chromium: `apt-get install chromium chromium-driver` (Debian; "
       "`.ci/run` does it), `pip install -e '.[test]'` for selenium, then `make test`")
NOTEBOOKS = sorted(p.stem for p in paths.SOURCES_DIR.glob("*.ipynb"))
DEFAULT_ALT = "No description has been provided for this image"
#: Every rule runs as by default; only violations are detailed (axe-core's ``resultTypes``: passes and the rest are
#: counted, not described, which is most of axe's time on pages of many nodes). The tests read violations only.
AXE_OPTIONS = '{"resultTypes": ["violations"]}'
#: The folded code of every report is the same markup in the same colours (nbconvert's, Pygments'): axe-core reads it
#: on the first French report, and it is removed from the other reports before axe-core runs, being two thirds of
#: their nodes and half of axe's time (left in but excluded, axe still walks it).
AXE_CODE_PAGE = f"fr/{NOTEBOOKS[0]}"
#: Colour contrast, axe's costliest rule, depends on the styles, not on the words: the English reports are the French
#: ones' cells with the same styles, so it is read on every French page and on the English index and table.
AXE_WITHOUT_CONTRAST = '{"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": false}}}'


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(f"{reason}; {HOW}")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium driven by Selenium: the system's, never a downloaded one."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-extensions", "--no-first-run", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager (which downloads browsers) is never used
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def reports(shipped_build: Path) -> Path:
    """The site as a build of every notebook in every edition writes it (the session's shared build)."""
    return shipped_build / "reports"


def edition_dir(reports: Path, lang: str) -> Path:
    return reports if lang == site.EDITIONS[0] else reports / lang


def pages(reports: Path) -> list[Path]:
    return [edition_dir(reports, lang) / f"{name}.html" for lang in site.EDITIONS
            for name in ["index", *NOTEBOOKS, "collectivities"]]


def set_width(driver, width: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})


def open_page(driver, url: str) -> list[str]:
    """Load ``url``; return the console errors it logged."""
    driver.get_log("browser")  # forget the previous page's messages
    driver.get(url)
    driver.execute_script("return document.readyState")
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


OVERFLOW = """
const width = document.documentElement.clientWidth, problems = [];
if (document.documentElement.scrollWidth > width + 1)
  problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
for (const element of document.querySelectorAll('table, img, figure, pre')) {
  let box = element.parentElement;   // the box that holds it: the nearest one that scrolls sideways
  while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX))
    box = box.parentElement;
  const rect = (box && box !== document.body ? box : element).getBoundingClientRect();
  if (rect.width && (rect.right > width + 1 || rect.left < -1))
    problems.push(element.tagName + ' from ' + rect.left + ' to ' + rect.right + ' px');
}
return problems;
"""

#: What the tests read of a page at 1280 px (the overflow is read at every width).
SEEN = """
const lang = document.querySelector('a.cs-lang');
return {
  images: Array.from(document.images, i => [i.naturalWidth, i.getAttribute('alt') || '', i.src.slice(0, 60)]),
  sources: Array.from(document.images, i => i.src),
  links: Array.from(document.links, a => a.href),
  switch: lang ? lang.href : null,
  lang: document.documentElement.lang,
  text: document.body.innerText,  // folded code is not shown
};
"""


def browse(reports: Path, copy: Path) -> dict:
    """A copy of ``reports`` served over HTTP from 127.0.0.1, every page opened once and laid out at each width.

    ``{"base": URL, "status": {link: HTTP status}, "pages": {page: {"1280": {"errors", "overflow", "images",
    "links", "switch", "lang", "text", "violations"}, "390": {...}}}}``, pages named by their path in
    ``reports``; axe-core runs at 1280 px, after the collectivities page is used as a reader would
    (``use_collectivities``: ``"use"``). Screenshots of the index, the first report and the collectivities page,
    in each edition and at each width, go to ``OUTPUT``.
    """
    import shutil

    from axe_selenium_python import Axe

    OUTPUT.mkdir(exist_ok=True)
    shutil.copytree(reports, copy)
    seen: dict[str, dict] = {str(page): {} for page in pages(reports)}
    with served(copy) as base, chromium() as driver:
        for page in pages(reports):
            url, lang = base + page.relative_to(reports).as_posix(), "en" if page.parent == reports else page.parent.name
            set_width(driver, WIDTHS[0])
            view = {"errors": open_page(driver, url), "overflow": driver.execute_script(OVERFLOW),
                    **driver.execute_script(SEEN)}
            # each narrower width lays the loaded page out again, as a phone turned or a window narrowed does (the
            # same layout as a load at that width); the console errors are those of the load
            for width in WIDTHS:
                set_width(driver, width)
                seen[str(page)][str(width)] = view if width == WIDTHS[0] else {
                    "errors": view["errors"], "overflow": driver.execute_script(OVERFLOW)}
                if page.stem in ("index", NOTEBOOKS[0], "collectivities"):
                    driver.save_screenshot(str(OUTPUT / f"{lang}-{page.stem}-{width}px.png"))
            set_width(driver, WIDTHS[0])
            if page.stem == "collectivities":  # axe-core then reads the page as the reader left it
                view["use"] = use_collectivities(driver, lookups())
                # the rows no reader sees until asked (past the first ones) are the same markup as the rows
                # checked: without them axe-core runs in seconds, not minutes
                driver.execute_script("document.querySelectorAll('#cs-coll tbody tr[hidden]').forEach(row => row.remove())")
            axe = Axe(driver)
            axe.inject()
            options = AXE_OPTIONS
            if page.stem not in ("index", "collectivities") and f"{lang}/{page.stem}" != AXE_CODE_PAGE:
                driver.execute_script("document.querySelectorAll('details').forEach(code => code.remove())")
                options = AXE_WITHOUT_CONTRAST if lang == "en" else AXE_OPTIONS
            view["violations"] = [(v["id"], v["impact"], len(v["nodes"])) for v in axe.run(options=options)["violations"]]
        statuses = link_statuses(base, [view for views in seen.values() for view in views.values()])
    return {"base": base, "pages": seen, "status": statuses}


@pytest.fixture(scope="module")
def seen(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every page of both editions, served from a copy of ``reports/`` and opened in one headless Chromium,
    once per test run (``browse``; shared by the xdist workers: ``made_once``)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file():
            _unavailable(f"{path} not found")
    if importlib.util.find_spec("selenium") is None or importlib.util.find_spec("axe_selenium_python") is None:
        _unavailable("selenium or axe-selenium-python is not installed")
    folder = made_once(tmp_path_factory, "browser",
                       lambda folder: (folder / "seen.json").write_text(json.dumps(browse(reports, folder / "site"))))
    return json.loads((folder / "seen.json").read_text())


def desktop(seen: dict, page: Path) -> dict:
    return seen["pages"][str(page)][str(WIDTHS[0])]


def test_every_page_loads_without_console_errors_and_with_its_images(seen, reports: Path) -> None:
    for page in pages(reports):
        assert page.is_file(), page
        assert desktop(seen, page)["errors"] == [], page
        images = desktop(seen, page)["images"]
        assert images or page.stem == "collectivities", f"{page.name}: every page but the table shows charts"
        for natural_width, alt, src in images:
            assert natural_width > 0, (page, src)
            assert len(alt) > 10 and alt != DEFAULT_ALT, (page, alt)


def test_a_served_copy_of_reports_has_every_link_and_anchor(seen, reports: Path) -> None:
    """Issue 21: reports/ is publishable as it is: copied elsewhere and served, every link inside it answers."""
    for page in pages(reports):
        for link in desktop(seen, page)["links"]:
            assert link.startswith(seen["base"]) or link.startswith(("http://", "https://")), (page, link)
    assert len(seen["status"]) > 50
    assert {href: status for href, status in seen["status"].items() if status != 200} == {}


def test_no_page_has_a_serious_or_critical_accessibility_violation(seen, reports: Path) -> None:
    serious = {page.name: [v for v in desktop(seen, page)["violations"] if v[1] in ("serious", "critical")]
               for page in pages(reports)}
    assert {name: found for name, found in serious.items() if found} == {}


def test_nothing_overflows_at_desktop_and_phone_widths(seen, reports: Path) -> None:
    for width in WIDTHS:
        for page in pages(reports):
            assert seen["pages"][str(page)][str(width)]["overflow"] == [], (page, width)
    print(f"screenshots in {OUTPUT}")
    assert len(list(OUTPUT.glob("*px.png"))) >= 8


def test_the_index_of_each_edition_links_every_report_and_the_other_edition(seen, reports: Path) -> None:
    for lang in site.EDITIONS:
        index = desktop(seen, edition_dir(reports, lang) / "index.html")
        names = {Path(urlparse(h).path).stem for h in index["links"] if h.endswith(".html")}
        assert set(NOTEBOOKS) <= names, lang
        other = next(e for e in site.EDITIONS if e != lang)
        switch = (edition_dir(reports, other) / "index.html").relative_to(reports).as_posix()
        assert urlparse(index["switch"]).path == "/" + switch
        assert index["lang"] == lang


def _codes() -> list[str]:
    """Level codes a reader must never see (those that are not also ordinary words)."""
    with (paths.DATA_DIR / "levels.csv").open(encoding="utf-8") as handle:
        codes = [row["level"] for row in csv.DictReader(handle)]
    return [c for c in codes if "_" in c or c in ("departement", "epci")]


def test_no_page_shows_codes_missing_markers_or_raw_fractions(seen, reports: Path) -> None:
    codes = _codes()
    problems = []
    for page in pages(reports):
        text = desktop(seen, page)["text"]  # the body's innerText: folded code is not shown
        for code in codes:
            if re.search(rf"\b{re.escape(code)}\b", text):
                problems.append(f"{page.parent.name}/{page.name}: level code {code}")
        for marker in ("<NA>", "NaN"):
            if marker in text:
                problems.append(f"{page.parent.name}/{page.name}: {marker}")
        for fraction in re.findall(r"(?<![\d.,])0\.\d{4,}\b", text)[:3]:
            problems.append(f"{page.parent.name}/{page.name}: raw fraction {fraction}")
    assert problems == []


# --------------------------------------------------------------------------
# A published copy: reports/ copied elsewhere and served over HTTP from 127.0.0.1 (issue 21)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``python -m http.server`` on ``folder``, bound to 127.0.0.1; its base URL, until the block ends."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):  # at most 10 s for the server to answer
            try:
                urllib.request.urlopen(base, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def link_statuses(base: str, views: list[dict]) -> dict[str, object]:
    """The HTTP status of every link and image inside the site, and whether each anchor exists."""
    import urllib.error
    import urllib.request

    statuses: dict[str, object] = {}
    targets = {href for view in views for href in [*view.get("links", []), *view.get("sources", [])]}
    for href in sorted(t for t in targets if t.startswith(base)):
        address, _, anchor = href.partition("#")
        try:
            with urllib.request.urlopen(address, timeout=10) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, b""
        if anchor and status == 200:
            ids = {html.unescape(i) for i in re.findall(r'\bid="([^"]*)"', body.decode("utf-8", "replace"))}
            status = 200 if anchor in ids or unquote(anchor) in ids else f"no anchor #{anchor}"
        statuses[href] = status
    return statuses


# --------------------------------------------------------------------------
# The collectivities page, used as a reader would: typed into, filtered with the keyboard, sorted (issue 21)


@functools.cache
def lookups() -> dict[str, str]:
    """What the browser looks up: a département, and a collectivity of the universe the export does not list
    (computed when a test needs it, not when the module is collected)."""
    import civicstats as cs

    table = cs.collectivities()
    silent = table[table["in_universe"] & ~table["publishes"] & (table["kind"] == "commune")
                   & (table["departement_code"] == "05")]
    return {"departement": "05", "silent_code": str(silent.iloc[0]["code"])}


ROWS_SHOWN = """
return Array.from(document.querySelectorAll('#cs-coll tbody tr')).filter(r => !r.hidden)
  .map(r => Array.from(r.cells, c => c.textContent));
"""


def use_collectivities(driver, lookups: dict[str, str]) -> dict:
    """Type "Arvieux", then a collectivity's INSEE code; pick a département with the keyboard; sort by population."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def count() -> str:
        return driver.find_element(By.ID, "cs-count").text

    def clear(field) -> None:
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.BACKSPACE)

    used: dict[str, object] = {"total_count": count()}
    search = driver.find_element(By.ID, "cs-q")
    search.send_keys("Arvieux")
    used["arvieux"] = driver.execute_script(ROWS_SHOWN)
    clear(search)
    search.send_keys(lookups["silent_code"])
    used["silent"] = driver.execute_script(ROWS_SHOWN)
    clear(search)
    search.send_keys(Keys.TAB)  # the keyboard moves on to the département filter, and types the code's digits
    focused = driver.switch_to.active_element
    used["focused"] = focused.get_attribute("id")
    focused.send_keys(lookups["departement"])
    used["departement"] = {"value": focused.get_attribute("value"), "rows": len(driver.execute_script(ROWS_SHOWN)),
                           "count": count()}
    focused.send_keys(Keys.HOME)  # back to "All"
    used["reset_count"] = count()
    population = driver.find_element(By.XPATH, "//table[@id='cs-coll']//th[7]/button")
    population.send_keys(Keys.ENTER)  # a header's button, from the keyboard: largest last, then first
    population.send_keys(Keys.ENTER)
    used["sorted"] = {"order": driver.find_element(By.XPATH, "//table[@id='cs-coll']//th[7]").get_attribute(
        "aria-sort"), "first": driver.execute_script(ROWS_SHOWN)[0][0]}
    return used


def _used(seen: dict, reports: Path, lang: str) -> dict:
    return desktop(seen, edition_dir(reports, lang) / "collectivities.html")["use"]


@pytest.mark.parametrize("lang", site.EDITIONS)
def test_typing_arvieux_shows_its_official_departement_and_region(seen, reports: Path, lang: str) -> None:
    rows = _used(seen, reports, lang)["arvieux"]
    assert len(rows) == 1
    name, _, siren, code, departement, region = rows[0][:6]
    assert (name, siren, code, region) == ("Arvieux", "210500070", "05007", "Provence-Alpes-Côte d'Azur")
    assert departement.startswith("05 ")


@pytest.mark.parametrize("lang", site.EDITIONS)
def test_a_departement_picked_with_the_keyboard_shows_as_many_rows_as_the_data_hold(seen, reports: Path,
                                                                                     lang: str) -> None:
    import civicstats as cs

    table = cs.collectivities()
    expected = int((table["departement_code"] == lookups()["departement"]).sum())
    used = _used(seen, reports, lang)
    assert used["focused"] == "cs-dep"
    assert used["departement"]["value"] == lookups()["departement"]
    assert used["departement"]["rows"] == expected and str(expected) in used["departement"]["count"]
    assert used["reset_count"].replace(",", "").replace("\u202f", "").startswith(str(len(table)))
    assert used["sorted"] == {"order": "descending", "first": table.loc[table["population"].idxmax(), "name"]}


@pytest.mark.parametrize("lang", site.EDITIONS)
def test_a_collectivity_of_the_universe_the_export_does_not_list_shows_as_not_publishing(seen, reports: Path,
                                                                                         lang: str) -> None:
    rows = [row for row in _used(seen, reports, lang)["silent"] if row[3] == lookups()["silent_code"]]
    assert len(rows) == 1
    universe, publishes = rows[0][7:9]
    assert (universe, publishes) == (("yes", "no") if lang == "en" else ("oui", "non"))
