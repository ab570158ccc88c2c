// Posts the pasted text to /v1/classify and shows it back, one highlighted span per sentence.
// Article text only ever goes into the page through textContent, never as HTML.
"use strict";

const LABELS = ["boilerplate", "proposal", "acceptance", "refusal", "condition"];

const form = document.getElementById("classify-form");
const textInput = document.getElementById("text");
const languageInput = document.getElementById("language");
const submitButton = form.querySelector("button[type=submit]");
const statusLine = document.getElementById("status");
const errorLine = document.getElementById("error");
const results = document.getElementById("results");
const counts = document.getElementById("counts");
const article = document.getElementById("article");
const hideBoilerplate = document.getElementById("hide-boilerplate");

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function classify(text, language) {
  const body = language ? { text, language } : { text };
  let response;
  try {
    response = await fetch("v1/classify", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`Could not reach the Parley service (${error.message}).`);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = answer?.error?.message ?? response.statusText;
    const request = answer?.request_id ? `, request ${answer.request_id}` : "";
    throw new Error(`Parley could not label this article: ${reason} (HTTP ${response.status}${request}).`);
  }
  return answer;
}

function labelsOf(sentence) {
  return sentence.boilerplate ? ["boilerplate"] : sentence.acts;
}

function scoresTooltip(sentence) {
  const lines = [`Sentence ${sentence.index + 1}: ${labelsOf(sentence).join(", ") || "neutral"}`];
  for (const label of LABELS) lines.push(`${label}: ${sentence.scores[label].toFixed(2)}`);
  if (sentence.truncated) lines.push("(too long: the model read only its beginning)");
  return lines.join("\n");
}

function stripes(acts) {
  const width = 0.5;
  const bands = acts.map((act, i) => `var(--${act}-bg) ${i * width}em ${(i + 1) * width}em`);
  return `repeating-linear-gradient(135deg, ${bands.join(", ")})`;
}

// `gap` is the whitespace before the sentence in the posted text; it goes with the sentence so that hidden
// boilerplate leaves no blank lines behind.
function sentenceNode(sentence, gap) {
  const unit = element("span", sentence.boilerplate ? "unit is-boilerplate" : "unit", gap);
  const labels = labelsOf(sentence);
  const segment = element("span", ["segment", ...labels].join(" "));
  segment.dataset.labels = labels.join(" ");
  segment.title = scoresTooltip(sentence);
  if (labels.length > 1) segment.style.backgroundImage = stripes(labels);
  for (const label of labels) segment.append(element("span", `tag ${label}`, label), " ");
  segment.append(element("span", "text", sentence.text));
  unit.append(segment);
  return unit;
}

// Offsets count code points (Python's str), not UTF-16 units: slice an array of characters.
function renderArticle(text, sentences) {
  const characters = Array.from(text);
  let previousEnd = 0;
  article.replaceChildren(
    ...sentences.map((sentence) => {
      const gap = characters.slice(previousEnd, sentence.start).join("");
      previousEnd = sentence.end;
      return sentenceNode(sentence, gap);
    }),
  );
}

function renderCounts(sentences) {
  const items = [element("li", "total", `${sentences.length} sentences`)];
  for (const label of LABELS) {
    const count = sentences.filter((sentence) => labelsOf(sentence).includes(label)).length;
    const item = element("li");
    item.dataset.label = label;
    item.append(element("span", `tag ${label}`, label), " ", element("strong", "count", String(count)));
    items.push(item);
  }
  counts.replaceChildren(...items);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = textInput.value;
  errorLine.textContent = "";
  statusLine.textContent = "Labelling…";
  submitButton.disabled = true;
  try {
    const answer = await classify(text, languageInput.value);
    renderCounts(answer.sentences);
    renderArticle(text, answer.sentences);
    results.hidden = false;
    const model = answer.model;
    statusLine.textContent = `${answer.sentences.length} sentences labelled by ${model.name} ${model.version}.`;
  } catch (error) {
    errorLine.textContent = error.message;
    statusLine.textContent = "";
    results.hidden = true;
  } finally {
    submitButton.disabled = false;
  }
});

hideBoilerplate.addEventListener("change", () => {
  article.classList.toggle("hide-boilerplate", hideBoilerplate.checked);
});
