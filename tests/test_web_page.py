"""The web page at `/` in a real browser (Debian's chromium, headless, driven by Playwright) against a real
server: paste, submit, read the highlighted sentences; an API error shows in words; correct a sentence's
labels and save them; open a labelling queue from `parley suggest` and label from it.

Screenshots go to test-artifacts/ at the repository root.
"""

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from feedback.store import FeedbackStore
from model.labels import ACTS, LABELS
from model.predictor import Predictor
from parley.cli import app as cli_app
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
def model_dir(tmp_path_factory):
    """A tiny model that gives different labels to different sentences."""
    return build_tiny_model(tmp_path_factory.mktemp("varied-tiny-model"), seed=4, initializer_range=1.0)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('web-feedback') / 'feedback.sqlite3'}"


@pytest.fixture(scope="module")
def server(model_dir, database_url):
    settings = Settings.model_validate(
        {"model": {"path": str(model_dir)}, "inference": {"device": "cpu"}, "feedback": {"database_url": database_url}}
    )
    with live_server(create_app(settings, Predictor.from_pretrained(model_dir, device="cpu"))) as url:
        yield url


def stored(database_url) -> list:
    store = FeedbackStore(database_url)
    try:
        return list(store.corrections())
    finally:
        store.close()


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
    expect(page.locator("#status")).to_have_text(f"{len(sentences)} sentences labelled by tiny-test-model 0.0.1.")
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
    expect(page.locator("#status")).to_be_empty()
    page.screenshot(path=ARTIFACTS / "web-page-error.png", full_page=True)


def test_a_sentence_is_corrected_with_toggles_and_the_page_marks_it(page, server, database_url):
    submit(page, ARTICLE)
    answer = httpx.post(f"{server}/v1/classify", json={"text": ARTICLE, "language": "fr"}, timeout=20).json()
    sentences = answer["sentences"]
    index = next(i for i, sentence in enumerate(sentences) if not sentence["boilerplate"])
    before = len(stored(database_url))

    page.locator("#article .segment").nth(index).click()
    editor = page.get_by_role("dialog")
    expect(editor).to_be_visible()
    expect(editor.locator("#editor-sentence")).to_have_text(sentences[index]["text"])
    for act in ACTS:  # the toggles start as the model's labels
        expect(editor.get_by_label(act)).to_be_checked(checked=act in sentences[index]["acts"])
    editor.get_by_label("boilerplate").check()  # boilerplate has no acts: they are cleared and disabled
    expect(editor.get_by_label("refusal")).to_be_disabled()
    editor.get_by_label("boilerplate").uncheck()
    for act in ACTS:
        editor.get_by_label(act).set_checked(act in ("refusal", "condition"))
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()

    corrected = page.locator("#article .segment").nth(index)
    expect(corrected).to_have_class(re.compile(r"\bcorrected\b"))
    expect(corrected.locator(".corrected-mark")).to_have_text("✓ corrected")
    assert corrected.locator(".tag").all_text_contents() == ["refusal", "condition"]
    expect(page.locator("#counts [data-label=refusal] .count")).to_have_text(
        str(sum("refusal" in s["acts"] for i, s in enumerate(sentences) if i != index) + 1)
    )
    page.screenshot(path=ARTIFACTS / "web-page-corrected.png", full_page=True)

    rows = stored(database_url)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.text, row.boilerplate, row.acts) == (sentences[index]["text"], False, ["refusal", "condition"])
    assert row.context == [sentence["text"] for sentence in sentences]
    assert row.scores == sentences[index]["scores"]
    assert (row.model_name, row.model_version) == ("tiny-test-model", "0.0.1")
    assert row.request_id is not None and row.language == "fr"


def test_a_queue_from_parley_suggest_opens_and_its_sentences_are_labelled_in_place(
    page, model_dir, database_url, tmp_path
):
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        "\n".join(json.dumps({"id": f"page-{n}", "text": ARTICLE}, ensure_ascii=False) for n in range(2)),
        encoding="utf-8",
    )
    queue = tmp_path / "to_label.jsonl"
    result = CliRunner().invoke(
        cli_app,
        ["suggest", "--input", str(pages), "--n", "4", "--out", str(queue), "--model", str(model_dir)],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]
    before = len(stored(database_url))

    page.locator("#queue-file").set_input_files(str(queue))
    items = page.locator("#queue .queue-item")
    expect(items).to_have_count(len(records))
    expect(page.locator("#queue-status")).to_have_text(f"{len(records)} sentences to label, from to_label.jsonl.")
    expect(items.first.locator(".segment .text")).to_have_text(records[0]["text"])

    items.first.locator(".segment").click()
    editor = page.get_by_role("dialog")
    editor.get_by_label("boilerplate").set_checked(True)
    editor.get_by_role("button", name="Save").click()
    expect(items.first).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#queue-status")).to_have_text(f"1 of {len(records)} labelled.")
    page.screenshot(path=ARTIFACTS / "web-page-queue.png", full_page=True)

    row = stored(database_url)[-1]
    assert len(stored(database_url)) == before + 1
    assert (row.text, row.boilerplate, row.acts) == (records[0]["text"], True, [])
    assert row.context == records[0]["context"] and row.scores == records[0]["scores"]
