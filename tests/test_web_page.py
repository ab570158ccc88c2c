"""The web page at `/` in a real browser (Debian's chromium, headless, driven by Playwright) against a real
server: paste, submit, read the highlighted sentences; an API error shows in words.

Screenshots go to test-artifacts/ at the repository root.
"""

import re
import shutil
from pathlib import Path

import httpx
import pytest

from model.labels import LABELS
from model.predictor import Predictor
from parley.config import Settings
from serve.app import create_app
from tests.live_server import live_server
from tests.tiny_model import build_tiny_model

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (dev extra)")
expect = sync_api.expect
CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# The emoji is one code point but two UTF-16 units: the page must place what follows it by the API's offsets.
ARTICLE = (
    "Accueil  Monde  Économie  Sport\n"
    "Grève des contrôleurs : la direction propose une prime\n"
    "La direction a proposé mardi une prime de 900 euros, à condition que le préavis soit levé. "
    "« Le compte n'y est pas », a répondu le secrétaire général du syndicat.\n"
    "Le ministre s'est dit prêt à recevoir les syndicats dès vendredi.\n"
    "👉 Lire aussi\n"
    "Partager sur Facebook\n"
    "Publicité\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose tiny model gives different labels to different sentences."""
    model_dir = build_tiny_model(tmp_path_factory.mktemp("varied-tiny-model"), seed=4, initializer_range=1.0)
    settings = Settings.model_validate({"model": {"path": str(model_dir)}, "inference": {"device": "cpu"}})
    with live_server(create_app(settings, Predictor.from_pretrained(model_dir, device="cpu"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto(server)
    yield page
    page.close()
    assert not script_errors, "the page's script failed"


def submit(page, text: str) -> None:
    page.get_by_label("Article text").fill(text)
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Label the sentences").click()


def test_every_sentence_is_shown_with_the_labels_and_scores_the_api_gives(page, server):
    answer = httpx.post(f"{server}/v1/classify", json={"text": ARTICLE, "language": "fr"}, timeout=20).json()
    sentences = answer["sentences"]
    labels = [["boilerplate"] if sentence["boilerplate"] else sentence["acts"] for sentence in sentences]
    boilerplate = sum(sentence["boilerplate"] for sentence in sentences)
    assert 0 < boilerplate < len(sentences), "the test needs both boilerplate and content sentences"
    assert any(len(acts) > 1 for acts in labels), "the test needs a sentence with several acts"

    submit(page, ARTICLE)
    segments = page.locator("#article .segment")
    expect(segments).to_have_count(len(sentences))
    expect(page.get_by_role("status")).to_have_text(f"{len(sentences)} sentences labelled by tiny-test-model 0.0.1.")
    page.screenshot(path=ARTIFACTS / "web-page.png", full_page=True)

    for index, (sentence, expected) in enumerate(zip(sentences, labels, strict=True)):
        segment = segments.nth(index)
        assert segment.get_attribute("data-labels") == " ".join(expected)
        assert segment.locator(".tag").all_text_contents() == expected
        assert segment.locator(".text").text_content() == sentence["text"]
        tooltip = segment.get_attribute("title")
        assert all(f"{label}: {sentence['scores'][label]:.2f}" in tooltip for label in LABELS)
        striped = segment.evaluate("node => getComputedStyle(node).backgroundImage").startswith("repeating")
        assert striped == (len(expected) > 1)
    shown = page.evaluate(
        """[...document.querySelectorAll("#article .unit")].map((unit) => [...unit.childNodes].map(
             (node) => node.nodeType === Node.TEXT_NODE ? node.textContent : node.querySelector(".text").textContent
           ).join("")).join("")"""
    )
    assert shown == ARTICLE.rstrip("\n")

    for label in LABELS:
        count = sum(label in expected for expected in labels)
        expect(page.locator(f"#counts [data-label={label}] .count")).to_have_text(str(count))

    page.get_by_label("Hide boilerplate").check()
    expect(page.locator("#article .segment:visible")).to_have_count(len(sentences) - boilerplate)
    expect(page.locator("#article .segment.boilerplate").first).to_be_hidden()
    page.get_by_label("Hide boilerplate").uncheck()
    expect(page.locator("#article .segment:visible")).to_have_count(len(sentences))


def test_an_empty_article_shows_the_api_error_in_words(page):
    submit(page, ARTICLE)
    expect(page.locator("#results")).to_be_visible()

    submit(page, "  \n ")
    message = r"Parley could not label this article: text holds no sentence to classify \(HTTP 422, request \w+\)\."
    expect(page.get_by_role("alert")).to_have_text(re.compile(message))
    expect(page.locator("#results")).to_be_hidden()
    expect(page.get_by_role("status")).to_be_empty()
    page.screenshot(path=ARTIFACTS / "web-page-error.png", full_page=True)
