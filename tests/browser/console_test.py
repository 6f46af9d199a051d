"""The web console in a real browser (Debian's Chromium through chromedriver, driven by
Selenium) against the local stack that `make test` runs (API_ENDPOINT, API_KEY): every view is
opened and the seeds' scenarios followed in it (seed 003's item appears, changes and disappears;
seed 004's balance, as of a version and as of a time; a stream paged both ways; its snapshots;
the live tail of a stream and of the store; seed 000's complete and partial cycles; the list of
read models; a rebuild run to completion with its bar; a stopped replay found in the list of
replays and resumed; searches by event, correlation and user id), the keyboard reaches the
views, a warm load fetches no file again, a page whose scripts cannot load asks for a reload
(and the reload recovers), the browser's console logs no error, and a screenshot of each view
is written (at 1280 x 800, and the streams view at a phone's width, where the stream,
transactions and replays views must fit too) to
CONSOLE_SCREENSHOTS (target/console-screenshots)."""

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
import time
import uuid
from datetime import datetime, timezone

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["API_ENDPOINT"].rstrip("/")
KEY = os.environ["API_KEY"]
LAMBDA = os.environ["LAMBDA_ENDPOINT"].rstrip("/")
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS", "target/console-screenshots")
RUN = uuid.uuid4().hex[:12]
WAIT_SECONDS = 30


def api(method, path, body=None):
    """The API's answer to one request (with the key), as JSON."""
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-api-key": KEY},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}") from error


def invoke(function, payload):
    """The answer of one function, invoked through the local Lambda Invoke API."""
    request = urllib.request.Request(
        f"{LAMBDA}/2015-03-31/functions/{function}/invocations",
        method="POST",
        data=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def now():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
        "--window-size=1280,800",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Console:
    def __init__(self, driver):
        self.driver = driver
        self.wait = WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.2)

    def open(self, hash_):
        self.driver.execute_script("window.location.hash = arguments[0]", hash_)

    def main_text(self):
        return self.driver.find_element(By.ID, "view").text

    def error(self):
        banner = self.driver.find_element(By.ID, "error")
        return banner.text if banner.is_displayed() else ""

    def until_main_shows(self, *texts, reload_hash=None):
        """Waits until the view shows every text; with `reload_hash` (a read model or a timeline,
        eventually consistent) the view is opened again each time a page of it has rendered
        without them (its paging buttons come after its answer)."""

        def shown(_):
            text = self.main_text()
            if all(t in text for t in texts):
                return True
            if reload_hash and "Previous page" in text:
                self.reopen(reload_hash)
            return False

        self.wait.until(shown, f"the view to show {texts}")

    def until_main_lacks(self, text, reload_hash):
        def gone(_):
            shown = self.main_text()
            if "Previous page" not in shown:
                return False
            if text not in shown:
                return True
            self.reopen(reload_hash)
            return False

        try:
            self.wait.until(gone, f"the view to stop showing {text}")
        except Exception as error:
            raise AssertionError(f"the view still shows {text}: {self.main_text()[:2000]}") from error

    def reopen(self, hash_):
        """Renders `hash_` anew (leaving it for the transactions view, which asks nothing, first)."""
        self.open("#/transactions")
        self.open(hash_)

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))

    def fill(self, name, value):
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def press(self, text):
        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{text}' or starts-with(normalize-space(), '{text}')]").click()

    def browser_errors(self):
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]


def seed_003_item(console):
    """Seed 003: an item appears in read model testItems, its amount changes, it is deleted."""
    # A key that sorts before every other test's (the view shows the model's first page).
    stream, item = f"seed-003-{RUN}", f"0-{RUN}"
    view = "#/read-models/testItems"
    api("POST", "/addEvent", {"streamId": stream, "type": "ITEM_CREATED", "data": {"itemId": item, "amount": 225}})
    console.open(view)
    console.until_main_shows(item, '"amount": 225', reload_hash=view)
    console.screenshot("read-models")
    api("POST", "/addEvent", {"streamId": stream, "type": "ITEM_AMOUNT_CHANGED", "data": {"itemId": item, "amount": 500}})
    console.until_main_shows(item, '"amount": 500', reload_hash=view)
    api("POST", "/addEvent", {"streamId": stream, "type": "ITEM_DELETED", "data": {"itemId": item}})
    console.until_main_lacks(item, view)


def seed_004_balance(console):
    """Seed 004: an account opened and credited 100.50 shows its events and a balance of 100.5."""
    stream = f"account-{RUN}"
    metadata = {"correlationId": f"corr-{RUN}", "userId": f"user-{RUN}"}
    api("POST", "/events", {"streamId": stream, "events": [
        {"eventId": f"opened-{RUN}", "eventType": "AccountCreated", "aggregateType": "Account",
         "data": {"accountId": stream, "customerId": "customer-456", "accountType": "checking"}, "metadata": metadata},
        {"eventType": "TransactionProcessed", "aggregateType": "Account",
         "data": {"transactionId": "tx-789", "amount": 100.50, "type": "deposit"}, "metadata": metadata},
    ]})
    # The live tail step appends a withdrawal later: the state as of this time stays at 100.5.
    MOMENTS["credited"] = now()
    console.open(f"#/stream/{stream}")
    console.until_main_shows("TransactionProcessed", '"balance": 100.5', "State as loaded (version 2)")
    console.fill("atVersion", "1")
    console.press("Load state")
    console.until_main_shows("State as of 1 (version 1)", '"balance": 0')
    console.screenshot("stream")


def state_as_of_time(console):
    """After the live tail's withdrawal (version 3), the state as of a time before it is version 2."""
    stream = f"account-{RUN}"
    console.open(f"#/stream/{stream}")
    console.until_main_shows("State as loaded (version 3)", '"balance": 80.5')
    console.fill("atTime", MOMENTS["credited"])
    console.press("Load state")
    console.until_main_shows(f"State as of {MOMENTS['credited']} (version 2)", '"balance": 100.5')


def snapshots(console):
    """A stream of 110 events: the projector snapshots it at 100, and the stream view lists it."""
    stream = f"snapped-{RUN}"
    for first in (1, 41, 81):
        api("POST", "/events", {"streamId": stream, "events": [
            {"eventType": "Ticked", "data": {"n": n}} for n in range(first, min(first + 40, 111))]})
    view = f"#/stream/{stream}"
    console.open(view)

    def listed(_):
        shown = console.driver.find_elements(By.ID, "snapshots")
        text = shown[0].text if shown else ""
        if "No snapshots" in text:
            console.reopen(view)
            return False
        return "Snapshots of" in text and '"n": 100' in text

    console.wait.until(listed, "the snapshot at 100 to be listed")
    rows = console.driver.execute_script(
        "return [...document.querySelectorAll('#snapshots tbody tr')].map((r) => r.cells[0].textContent)")
    assert rows == ["100"], rows
    console.driver.execute_script("document.getElementById('snapshots').scrollIntoView()")
    console.screenshot("snapshots")


def read_model_list(console):
    """The list of read models names the settings', code's and the store's; a name opens its documents."""
    console.open("#/read-models")
    console.until_main_shows("Every read model", "testItems", "accountBalances", "$streams", "$replays",
                             "ITEM_CREATED")
    console.screenshot("read-model-list")
    console.driver.find_element(By.LINK_TEXT, "customers").click()
    console.until_main_shows("Documents of customers")


def stop_a_replay():
    """A republish of the paged stream run for 5 of its 25 events only, its chain not carried on:
    a replay in progress that has stopped (the resume step finds it once it is stale)."""
    answer = invoke("replay", {"op": "republish", "filter": {"streamId": f"paged-{RUN}"}, "maxEvents": 5})
    assert answer.get("status") == "inProgress", answer
    MOMENTS["stopped"] = answer["replayId"]
    MOMENTS["stopped_at"] = time.monotonic()


def resume(console):
    """The stopped replay shows as stopped in the list of replays; opened, Resume carries it to the end."""
    replay_id = MOMENTS["stopped"]
    # The console calls a replay stopped when its progress has not moved for 30 s.
    time.sleep(max(0.0, 31 - (time.monotonic() - MOMENTS["stopped_at"])))
    console.open("#/replays")
    console.until_main_shows("Every replay", replay_id)
    row = console.driver.find_element(By.XPATH, f"//tr[td/a[normalize-space()='{replay_id}']]").text
    assert "stopped? open it to resume" in row, row
    console.screenshot("replay-list")
    console.driver.find_element(By.LINK_TEXT, replay_id).click()
    console.until_main_shows(f"Replay {replay_id}: inProgress", "Resume")
    console.press("Resume")
    WebDriverWait(console.driver, 120, poll_frequency=0.5).until(
        lambda _: f"Replay {replay_id}: complete" in console.main_text(), "the resumed replay to complete")
    assert "25 events" in console.main_text(), console.main_text()


def seed_000_cycles(console):
    """Seed 000: a release cycle that completes, and a maintenance cycle missing a step."""
    stream = f"11{RUN}"
    events = [("CreatedAccount", "08:00"), ("PreparedAccount", "08:03"), ("ReleasedAccount", "08:04"),
              ("ExpiredAccount", "09:00"), ("PreparedAccount", "09:10")]
    api("POST", "/events", {"streamId": stream, "events": [
        {"eventType": t, "eventTime": f"2024-02-01T{at}:00Z", "data": {"accountId": stream}} for t, at in events
    ]})
    view = f"#/transactions/{stream}"
    console.open(view)
    console.until_main_shows("account-release: complete", "account-maintenance: partial",
                             "PurgedAccount missing", reload_hash=view)
    console.screenshot("transactions")


def paging(console):
    """A stream of 25 events pages by 20: Next shows 21 to 25, Previous the first 20 again."""
    stream = f"paged-{RUN}"
    api("POST", "/events", {"streamId": stream, "events": [
        {"eventType": "Ticked", "data": {"n": n}} for n in range(1, 26)]})
    console.open(f"#/stream/{stream}")
    console.until_main_shows("State as loaded (version 25)")
    # Read in one script: the table is replaced as each page arrives.
    versions = lambda: console.driver.execute_script(
        "return [...document.querySelectorAll('main table tbody tr')].map((r) => r.cells[1].textContent)")
    assert versions() == [str(v) for v in range(1, 21)], versions()
    console.press("Next page")
    console.wait.until(lambda _: versions() == [str(v) for v in range(21, 26)], "versions 21 to 25")
    console.press("Previous page")
    console.wait.until(lambda _: versions() == [str(v) for v in range(1, 21)], "versions 1 to 20 again")


def live_tail(console):
    """Following a stream, and the whole store, shows what is appended after the button was pressed."""
    stream = f"account-{RUN}"
    console.open(f"#/stream/{stream}")
    console.until_main_shows("Follow live", "TransactionProcessed")
    console.press("Follow live")
    console.until_main_shows("Following since")
    api("POST", "/events", {"streamId": stream, "events": [
        {"eventType": "TransactionProcessed", "aggregateType": "Account",
         "data": {"transactionId": "tx-790", "amount": 20, "type": "withdrawal"}}]})
    console.until_main_shows("Arrived live (", "tx-790")
    console.screenshot("live-tail")
    console.open("#/streams")
    console.until_main_shows("Recent activity", "Follow live")
    console.press("Follow live")
    console.until_main_shows("Following since")
    other = f"tail-{RUN}"
    api("POST", "/events", {"streamId": other, "events": [{"eventType": "Ticked", "data": {"n": 1}}]})
    console.until_main_shows("Arrived live (", other)


def rebuild(console):
    """A rebuild of testItems: a dry run showing its count, then started and followed to the end."""
    console.open("#/replays")
    console.until_main_shows("Dry run")
    console.fill("models", "testItems")
    console.press("Dry run")
    console.until_main_shows("would cover")
    console.press("Start")
    # A rebuild scans the whole table, which the cargo tests before it filled.
    WebDriverWait(console.driver, 180, poll_frequency=0.5).until(
        lambda _: ": complete" in console.main_text(), "the rebuild to complete")
    bar = console.driver.find_element(By.TAG_NAME, "progress")
    assert bar.get_attribute("value") == bar.get_attribute("max"), (bar.get_attribute("value"), bar.get_attribute("max"))
    console.screenshot("replays")


def streams_and_search(console):
    """Recent activity lists what was just appended; a search by event type finds it; typed errors show."""
    api("POST", "/events", {"streamId": f"account-{RUN}", "events": [
        {"eventType": "TransactionProcessed", "aggregateType": "Account",
         "data": {"transactionId": "tx-791", "amount": 1, "type": "deposit"}}]})
    console.open("#/streams")
    console.until_main_shows("Recent activity", f"account-{RUN}")
    console.screenshot("streams")
    console.fill("eventType", "TransactionProcessed")
    console.press("Search")
    console.until_main_shows("Events found", f"account-{RUN}")
    for field, value in (("correlationId", f"corr-{RUN}"), ("userId", f"user-{RUN}"), ("eventId", f"opened-{RUN}")):
        console.reopen("#/streams")
        console.until_main_shows("Recent activity")
        console.fill(field, value)
        console.press("Search")
        console.until_main_shows("The event" if field == "eventId" else "Events found", "AccountCreated")
        found = console.driver.execute_script(
            "return [...document.querySelectorAll('main table')].pop().querySelectorAll('tbody tr').length")
        assert found == (1 if field == "eventId" else 2), f"{field}: {found} events found"
    console.reopen("#/streams")
    console.until_main_shows("Recent activity")
    console.fill("from", "not a time")
    console.press("Search")
    console.wait.until(lambda _: "Validation (from)" in console.error(), "a typed error")
    console.screenshot("error")
    console.driver.set_window_size(390, 844)
    console.open("#/")
    console.open("#/streams")
    console.until_main_shows("Recent activity")
    width = console.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the streams view is {width}px wide at a phone's 390"
    console.screenshot("streams-phone")
    for view, shows in ((f"#/stream/account-{RUN}", "State as loaded"), ("#/replays", "Dry run"),
                        (f"#/transactions/11{RUN}", "account-release"),
                        ("#/read-models", "Every read model")):
        console.open(view)
        console.until_main_shows(shows)
        width = console.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"{view} is {width}px wide at a phone's 390"
    console.driver.set_window_size(1280, 800)


def keyboard(console):
    """From the first nav link, Tab reaches the others in order, then the API key's field;
    Enter on a link opens its view."""
    console.open("#/streams")
    console.until_main_shows("Recent activity")
    first = console.driver.find_element(By.CSS_SELECTOR, "nav a")
    reached = [first.text]
    first.send_keys(Keys.TAB)
    for _ in range(3):
        focused = console.driver.switch_to.active_element
        reached.append(focused.text or focused.get_attribute("id"))
        focused.send_keys(Keys.TAB)
    assert reached == ["Streams", "Read models", "Transactions", "Replays"], f"Tab reaches {reached}"
    assert console.driver.switch_to.active_element.get_attribute("id") == "api-key"
    console.driver.find_element(By.LINK_TEXT, "Replays").send_keys(Keys.ENTER)
    # Focus moves once the view has rendered (its list of replays after the form).
    console.wait.until(lambda _: console.driver.switch_to.active_element.get_attribute("id") == "view",
                       "focus to move into the view")


def warm_load(console):
    """Opened again, the page is the one request: its files come from the browser's cache."""
    console.driver.get(f"{BASE}/console/")
    console.until_main_shows("Recent activity")
    fetched = console.driver.execute_script(
        "return performance.getEntriesByType('resource').filter(r => r.name.includes('/console/v/'))"
        ".map(r => [r.name, r.transferSize])")
    assert len(fetched) >= 13, f"the files of a warm load: {fetched}"
    over_the_network = [name for name, size in fetched if size != 0]
    assert not over_the_network, f"fetched again on a warm load: {over_the_network}"


def scripts_not_run(console):
    """A page whose scripts cannot load (from before a deploy, a file lost) says so and asks
    for a reload, never a blank page; the reload that can load them shows the console."""
    driver = console.driver
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/console.js"]})
    driver.get(f"{BASE}/console/")
    console.wait.until(lambda _: "reload the page" in console.main_text(), "the page to ask for a reload")
    console.screenshot("not-loaded")
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    driver.refresh()
    console.until_main_shows("Recent activity")
    assert "reload the page" not in console.main_text()
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


MOMENTS = {}
STEPS = (seed_003_item, seed_004_balance, paging, live_tail, state_as_of_time, snapshots, seed_000_cycles,
         read_model_list, rebuild, resume, streams_and_search, keyboard, warm_load)


def main():
    driver = browser()
    try:
        driver.get(f"{BASE}/console/#key={KEY}")
        console = Console(driver)
        console.until_main_shows("Recent activity")
        # Every module and the stylesheet came from the build's own path, which browsers keep.
        files = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name)"
            ".filter(n => n.includes('/console/'))")
        unversioned = [f for f in files if "/console/v/" not in f]
        assert len(files) >= 13 and not unversioned, f"files outside the build's path: {files}"
        for step in STEPS:
            if step is live_tail:
                stop_a_replay()
            step(console)
            print(f"console: {step.__name__} passed")
        # The bad search's own 400 is the one error expected.
        errors = [e for e in console.browser_errors() if "from=not+a+time" not in e["message"]]
        assert not errors, f"the browser's console logged errors: {errors}"
        # Last, as the file it blocks is an error the browser logs.
        scripts_not_run(console)
        print("console: scripts_not_run passed")
    finally:
        driver.quit()
    print(f"console: {len(STEPS) + 1} passed, 0 failed; screenshots in {SHOTS}")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"console test failed: {error}", file=sys.stderr)
        sys.exit(1)
