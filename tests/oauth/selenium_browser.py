#!/usr/bin/env python3
"""$BROWSER for tests/oauth that is a real browser: headless Chromium through Selenium.

It opens the sign-in URL, types the login name and password into the consent page,
clicks Allow, and waits for the driver's callback page, then appends a JSON line to
$FAKE_BROWSER_LOG with what the page said. Needs Debian's chromium and chromium-driver
and the selenium package (scripts/lib/deps.sh installs them).
"""

import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def log(entry):
    with open(os.environ["FAKE_BROWSER_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def main():
    url = sys.argv[1]
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    profile = tempfile.mkdtemp(prefix="kintone-oauth-chromium-")
    # The closed network here refuses Chromium's background connections; these flags
    # keep it from trying (see the machine notes).
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile):
        opts.add_argument(flag)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    drv = webdriver.Chrome(service=service, options=opts)
    try:
        drv.set_page_load_timeout(30)
        drv.get(url)
        wait = WebDriverWait(drv, 30)
        wait.until(ec.presence_of_element_located((By.NAME, "login"))).send_keys("demo")
        drv.find_element(By.NAME, "password").send_keys("demo")
        drv.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
        result = wait.until(ec.presence_of_element_located((By.ID, "result")))
        log({"browser": "chromium", "final_url": drv.current_url, "callback_text": result.text})
    except Exception as e:  # the test reads the log; a failure must still say what happened
        log({"browser": "chromium", "error": repr(e), "final_url": drv.current_url})
    finally:
        drv.quit()


if __name__ == "__main__":
    main()
