"""In-process HTTP for tests: a WSGI application that hands each request to Django's test handler.

httpx's ``WSGITransport`` over it lets an adapter and a simulator (or a simulator and the province's own
endpoints) talk real HTTP to each other inside the test process, on the test's database connection.
"""

from __future__ import annotations

from django.test.client import ClientHandler


def wsgi_app(environ, start_response):
    handler = ClientHandler(enforce_csrf_checks=True)
    response = handler(environ)
    headers = [(k, v) for k, v in response.items()]
    for cookie in response.cookies.values():
        headers.append(("Set-Cookie", cookie.output(header="")))
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    if response.streaming:
        return response.streaming_content
    return [response.content]


# Browser tests drive Debian's chromium (never a downloaded browser) with these switches.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_chromium(playwright):
    """Headless chromium for a browser test."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
