// The roster page: start a solve and follow it, preview and save edits, publish.
// Every call goes to the JSON API with the HttpOnly token cookie; text from the server is
// only ever set as textContent.
"use strict";

const roster = document.getElementById("roster");
const statusLine = document.getElementById("status");
const POLL_MS = 500;

async function api(method, url, body) {
  // The header marks the call as the page's own (the API refuses cookie writes without it).
  const options = { method, credentials: "same-origin", headers: { "X-Homevisit-Page": "1" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  if (response.status === 401) {
    location.assign("/app/login");
    throw new Error("logged out");
  }
  const data = await response.json();
  if (!response.ok) {
    const fields = (data.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    throw new Error(fields ? `${data.detail} (${fields})` : data.detail);
  }
  return data;
}

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function openPlan(planId) {
  location.assign(`/app/roster?plan=${planId}`);
}

async function follow(planId, limitS) {
  const box = document.getElementById("progress-box");
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  box.hidden = false;
  bar.max = limitS || 1;
  document.getElementById("cancel-solve").onclick = async () => {
    await api("DELETE", `/plans/${planId}`);
    openPlan(planId);
  };
  for (;;) {
    const plan = await api("GET", `/plans/${planId}`);
    if (plan.status !== "solving") {
      openPlan(planId);
      return;
    }
    const progress = plan.progress;
    if (progress) {
      bar.value = Math.min(progress.elapsed_s, bar.max);
      const cost = progress.best_cost === null ? "none yet" : progress.best_cost;
      text.textContent = `${progress.elapsed_s.toFixed(1)} s, ` +
        `${progress.solutions_found} solutions, best cost ${cost}`;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

document.getElementById("solve-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const limitS = Number(event.target.elements.time_limit_s.value);
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    say("Starting the solve…");
    const body = { date: roster.dataset.date, options: { time_limit_s: limitS } };
    const plan = await api("POST", "/plans", body);
    say(`Solving version ${plan.version}…`);
    await follow(plan.id, limitS);
  } catch (error) {
    say(`Could not solve: ${error.message}`, true);
    button.disabled = false;
  }
});

const publishButton = document.getElementById("publish");
if (publishButton) {
  publishButton.addEventListener("click", async () => {
    publishButton.disabled = true;
    try {
      await api("POST", `/plans/${roster.dataset.plan}/publish`);
      openPlan(roster.dataset.plan);
    } catch (error) {
      say(`Not published: ${error.message}`, true);
      publishButton.disabled = false;
    }
  });
}

// Edits: the first call is a dry run that shows what the change breaks; Save repeats it.
let pendingEdit = null;
const editResult = document.getElementById("edit-result");

function editBody(form) {
  const values = Object.fromEntries(new FormData(form));
  const body = {};
  for (const [name, value] of Object.entries(values)) {
    body[name] = name === "locked" ? value === "true" : Number(value);
  }
  if ("position" in body) {
    body.position -= 1; // the form counts stops from 1, the API from 0
  }
  return body;
}

function showPreview(kind, result) {
  const summary = document.getElementById("edit-summary");
  const list = document.getElementById("edit-list");
  list.replaceChildren();
  if (result.broken.length === 0) {
    summary.textContent = result.ok
      ? `This ${kind} breaks no rule.`
      : `This ${kind} breaks no new rule; the draft still breaks ${result.violations.length}.`;
  } else {
    summary.textContent = `This ${kind} breaks ${result.broken.length} rule(s):`;
    for (const message of result.broken) {
      const item = document.createElement("li");
      item.textContent = message;
      list.append(item);
    }
  }
  editResult.classList.toggle("breaks", result.broken.length > 0);
  document.getElementById("edit-save").textContent =
    result.broken.length ? `Save this ${kind} anyway` : `Save this ${kind}`;
  editResult.hidden = false;
  editResult.scrollIntoView({ block: "nearest" });
}

for (const form of document.querySelectorAll("form[data-edit]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = form.dataset.edit;
    const body = editBody(form);
    try {
      const url = `/plans/${roster.dataset.plan}/${kind}`;
      const result = await api("POST", url, { ...body, dry_run: true });
      pendingEdit = { url, body };
      form.after(editResult); // the answer right below the form that asked
      showPreview(kind, result);
    } catch (error) {
      say(`Cannot ${kind}: ${error.message}`, true);
    }
  });
}

if (editResult) {
  document.getElementById("edit-save").addEventListener("click", async () => {
    try {
      await api("POST", pendingEdit.url, { ...pendingEdit.body, dry_run: false });
      openPlan(roster.dataset.plan);
    } catch (error) {
      say(`Not saved: ${error.message}`, true);
    }
  });
  document.getElementById("edit-discard").addEventListener("click", () => {
    pendingEdit = null;
    editResult.hidden = true;
  });
}

if (roster.dataset.status === "solving") {
  follow(roster.dataset.plan, Number(roster.dataset.timeLimit)).catch((error) => {
    say(`Lost track of the solve: ${error.message}`, true);
  });
}
