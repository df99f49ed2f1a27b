#!/usr/bin/env python3
"""A stand-in for the user's browser, used as $BROWSER by tests/oauth.

Called with the sign-in URL, it does what a person would: loads Kintone's consent page,
signs in and clicks Allow (or Deny), then follows the redirect to the driver's loopback
callback and keeps the page it got. Standard library only.

Environment:
  FAKE_BROWSER_LOG      a file to which one JSON line per run is appended
  FAKE_BROWSER_CONSENT  allow (default) or deny
  FAKE_BROWSER_MODE     normal (default); none (open nothing, as with no usable browser);
                        stray (first a favicon request and a callback with a wrong state,
                        as a reload of an old tab would send, then the real one)
  FAKE_BROWSER_USER     login name and password (default: demo)
"""

import html.parser
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a.get("name")] = a.get("value", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log(entry):
    path = os.environ.get("FAKE_BROWSER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def main():
    url = sys.argv[1]
    mode = os.environ.get("FAKE_BROWSER_MODE", "normal")
    if mode == "none":
        log({"opened": url, "did": "nothing"})
        return
    status, page = get(url)
    form = Form()
    form.feed(page)
    user = os.environ.get("FAKE_BROWSER_USER", "demo")
    form.fields.update({
        "login": user,
        "password": user,
        "consent": os.environ.get("FAKE_BROWSER_CONSENT", "allow"),
    })
    auth = urllib.parse.urlsplit(url)
    post = urllib.parse.urlunsplit((auth.scheme, auth.netloc, auth.path, "", ""))
    opener = urllib.request.build_opener(NoRedirect)
    data = urllib.parse.urlencode(form.fields).encode()
    try:
        opener.open(urllib.request.Request(post, data=data), timeout=10)
        log({"opened": url, "error": "no redirect after consent"})
        return
    except urllib.error.HTTPError as e:
        location = e.headers.get("Location")
    stray = []
    if mode == "stray":
        cb = urllib.parse.urlsplit(location)
        base = urllib.parse.urlunsplit((cb.scheme, cb.netloc, "", "", ""))
        stray.append(get(base + "/favicon.ico")[0])
        stray.append(get(base + cb.path + "?code=forged&state=not-the-one")[0])
    status, page = get(location, timeout=30)
    log({"opened": url, "consent_page": form.fields.get("client_id") is not None,
         "callback_status": status, "callback_page": page, "stray": stray})


if __name__ == "__main__":
    main()
