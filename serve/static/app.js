// Posts the pasted text to /v1/classify and shows it back, one highlighted span per sentence. Clicking a
// sentence opens its labels as toggles; "Save" posts the correction to /v1/feedback. A file written by
// `parley suggest` opens as a labelling queue, each sentence shown in its page.
// Article text only ever goes into the page through textContent, never as HTML.
"use strict";

const LABELS = ["boilerplate", "proposal", "acceptance", "refusal", "condition"];
const ACTS = LABELS.slice(1);

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
const editor = document.getElementById("editor");
const editorForm = document.getElementById("editor-form");
const editorSentence = document.getElementById("editor-sentence");
const editorError = document.getElementById("editor-error");
const editorSave = document.getElementById("editor-save");
const labelBoxes = [...editorForm.querySelectorAll("input[name=label]")];
const tokenInput = document.getElementById("feedback-token");
const queueFile = document.getElementById("queue-file");
const queueStatus = document.getElementById("queue-status");
const queueList = document.getElementById("queue");

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

// The span of one sentence: its tags, its text, its scores in the tooltip. Clicking it (or Enter) opens the
// correction editor for `item` (see openEditor).
function segmentNode(sentence, item) {
  const labels = labelsOf(sentence);
  const segment = element("span", ["segment", ...labels, ...(item.corrected ? ["corrected"] : [])].join(" "));
  segment.dataset.labels = labels.join(" ");
  segment.title = scoresTooltip(sentence);
  segment.tabIndex = 0;
  segment.setAttribute("role", "button");
  if (labels.length > 1) segment.style.backgroundImage = stripes(labels);
  for (const label of labels) segment.append(element("span", `tag ${label}`, label), " ");
  segment.append(element("span", "text", sentence.text));
  if (item.corrected) segment.append(" ", element("span", "corrected-mark", "✓ corrected"));
  const open = () => openEditor(item);
  segment.addEventListener("click", open);
  segment.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open();
    }
  });
  item.node = segment;
  return segment;
}

// `gap` is the whitespace before the sentence in the posted text; it goes with the sentence so that hidden
// boilerplate leaves no blank lines behind.
function sentenceNode(sentence, gap, item) {
  const unit = element("span", sentence.boilerplate ? "unit is-boilerplate" : "unit", gap);
  unit.append(segmentNode(sentence, item));
  return unit;
}

// Offsets count code points (Python's str), not UTF-16 units: slice an array of characters.
function renderArticle(text, answer, language) {
  const characters = Array.from(text);
  const context = answer.sentences.map((sentence) => sentence.text);
  let previousEnd = 0;
  article.replaceChildren(
    ...answer.sentences.map((sentence) => {
      const gap = characters.slice(previousEnd, sentence.start).join("");
      previousEnd = sentence.end;
      const item = {
        sentence,
        context,
        model: answer.model,
        requestId: answer.request_id,
        language,
        onSaved: (node) => {
          node.parentElement.classList.toggle("is-boilerplate", sentence.boilerplate);
          renderCounts(answer.sentences);
        },
      };
      return sentenceNode(sentence, gap, item);
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
    renderArticle(text, answer, languageInput.value);
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

// Correcting a sentence ------------------------------------------------------------------------------------------

let editing = null; // the item whose labels the editor shows

function openEditor(item) {
  editing = item;
  const labels = labelsOf(item.sentence);
  for (const box of labelBoxes) box.checked = labels.includes(box.value);
  syncBoxes();
  editorSentence.textContent = item.sentence.text;
  editorError.textContent = "";
  editorSave.disabled = false;
  editor.showModal();
}

// Boilerplate has no acts: ticking it clears and disables them.
function syncBoxes() {
  const boilerplate = labelBoxes.find((box) => box.value === "boilerplate").checked;
  for (const box of labelBoxes) {
    if (box.value === "boilerplate") continue;
    if (boilerplate) box.checked = false;
    box.disabled = boilerplate;
  }
}

async function postFeedback(correction) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (tokenInput.value) headers.Authorization = `Bearer ${tokenInput.value}`;
  let response;
  try {
    response = await fetch("v1/feedback", { method: "POST", headers, body: JSON.stringify(correction) });
  } catch (error) {
    throw new Error(`Could not reach the Parley service (${error.message}).`);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = answer?.error?.message ?? response.statusText;
    throw new Error(`The correction was not saved: ${reason} (HTTP ${response.status}).`);
  }
  return answer;
}

async function saveCorrection() {
  const item = editing;
  const ticked = labelBoxes.filter((box) => box.checked).map((box) => box.value);
  const boilerplate = ticked.includes("boilerplate");
  const acts = ACTS.filter((act) => ticked.includes(act));
  const correction = { text: item.sentence.text, boilerplate, acts, context: item.context };
  if (item.sentence.scores) correction.scores = item.sentence.scores;
  if (item.model) correction.model = { name: item.model.name, version: item.model.version };
  if (item.requestId) correction.request_id = item.requestId;
  if (item.language) correction.language = item.language;
  editorSave.disabled = true;
  editorError.textContent = "";
  try {
    await postFeedback(correction);
  } catch (error) {
    editorError.textContent = error.message;
    editorSave.disabled = false;
    return;
  }
  item.sentence.boilerplate = boilerplate;
  item.sentence.acts = acts;
  item.corrected = true;
  editor.close();
  editing = null;
  const shown = item.node;
  shown.replaceWith(segmentNode(item.sentence, item)); // sets item.node to the new span
  if (item.onSaved) item.onSaved(item.node);
}

labelBoxes.find((box) => box.value === "boilerplate").addEventListener("change", syncBoxes);
document.getElementById("editor-cancel").addEventListener("click", () => editor.close());
editorForm.addEventListener("submit", (event) => {
  event.preventDefault();
  saveCorrection();
});

// The labelling queue ---------------------------------------------------------------------------------------------

// One line of `parley suggest`'s file: {doc_id, index, text, context, lang, label, margin, predicted, scores, model}.
function queueItem(record, line) {
  const context = Array.isArray(record.context) ? record.context : [record.text];
  if (typeof record.text !== "string" || !context.includes(record.text)) {
    throw new Error(`line ${line} is not a sentence of parley suggest's file`);
  }
  const predicted = record.predicted ?? { boilerplate: false, acts: [] };
  const sentence = {
    index: Number.isInteger(record.index) ? record.index : context.indexOf(record.text),
    text: record.text,
    boilerplate: Boolean(predicted.boilerplate),
    acts: Array.isArray(predicted.acts) ? predicted.acts.filter((act) => ACTS.includes(act)) : [],
    scores: record.scores,
  };
  return { sentence, context, model: record.model, language: record.lang, record };
}

function renderQueue(items) {
  queueList.replaceChildren(
    ...items.map((item) => {
      const entry = element("li", "queue-item");
      const where = `${item.record.doc_id ?? "page"}, segment ${item.sentence.index + 1}`;
      const why = item.record.label ? ` (nearest its ${item.record.label} threshold)` : "";
      entry.append(element("p", "queue-where", where + why));
      const before = item.context[item.sentence.index - 1];
      const after = item.context[item.sentence.index + 1];
      if (before !== undefined) entry.append(element("p", "queue-context", before));
      const line = element("p", "queue-sentence");
      line.append(segmentNode(item.sentence, item));
      entry.append(line);
      if (after !== undefined) entry.append(element("p", "queue-context", after));
      item.onSaved = () => {
        entry.classList.add("done");
        const done = items.filter((other) => other.corrected).length;
        queueStatus.textContent = `${done} of ${items.length} labelled.`;
      };
      return entry;
    }),
  );
}

queueFile.addEventListener("change", async () => {
  const file = queueFile.files[0];
  if (!file) return;
  queueStatus.textContent = "";
  try {
    const lines = (await file.text()).split("\n");
    const items = [];
    lines.forEach((text, index) => {
      if (!text.trim()) return;
      let record;
      try {
        record = JSON.parse(text);
      } catch {
        throw new Error(`line ${index + 1} is not JSON`);
      }
      items.push(queueItem(record, index + 1));
    });
    renderQueue(items);
    queueStatus.textContent = `${items.length} sentences to label, from ${file.name}.`;
  } catch (error) {
    queueList.replaceChildren();
    queueStatus.textContent = `Could not open ${file.name}: ${error.message}.`;
  }
});
