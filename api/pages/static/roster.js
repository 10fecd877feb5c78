// The roster page: start a solve and follow it, preview and save edits, publish, re-plan
// the published plan from events.
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
  let data;
  try {
    data = await response.json();
  } catch {
    throw new Error(`the server answered ${response.status} ${response.statusText}`.trim());
  }
  if (!response.ok) {
    const fields = (data.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    const error = new Error(fields ? `${data.detail} (${fields})` : data.detail);
    error.detail = data.detail;
    error.fields = data.errors || [];
    throw error;
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

// Re-plan from now: each event is a row cloned from the page's <template> for its kind
// (the options come escaped from the server); the rows are posted to the published plan,
// the new version is followed like a solve, and its page lists the changes.
const replanForm = document.getElementById("replan-form");
const FIELD_WORDS = { therapist_id: "therapist", visit_id: "visit", from: "from", minutes: "minutes" };

if (replanForm) {
  const rows = document.getElementById("replan-events");
  const errorBox = document.getElementById("replan-errors");
  let added = 0;
  const showNone = () => {
    document.getElementById("replan-none").hidden = rows.children.length > 0;
  };

  for (const button of replanForm.querySelectorAll("[data-add]")) {
    button.addEventListener("click", () => {
      const template = document.getElementById(`replan-${button.dataset.add}`);
      const row = template.content.firstElementChild.cloneNode(true);
      added += 1;
      for (const element of row.querySelectorAll("[id]")) {
        element.id = element.id.replace("EVENT", `replan-event-${added}`);
      }
      for (const label of row.querySelectorAll("label[for]")) {
        label.htmlFor = label.htmlFor.replace("EVENT", `replan-event-${added}`);
      }
      const from = row.querySelector("[name=from]");
      if (from) {
        from.value = replanForm.elements.now.value;
      }
      row.querySelector("[data-remove]").addEventListener("click", () => {
        row.remove();
        showNone();
      });
      rows.append(row);
      showNone();
      row.querySelector("select, input").focus();
    });
  }

  const replanBody = () => ({
    now: replanForm.elements.now.value,
    events: [...rows.children].map((row) => {
      const event = { kind: row.dataset.kind };
      for (const field of row.querySelectorAll("[name]")) {
        event[field.name] = field.type === "number" ? Number(field.value) : field.value;
      }
      return event;
    }),
    options: { time_limit_s: Number(document.getElementById("time-limit").value) },
  });

  // "events[1].minutes" -> the second row's minutes field, named as the coordinator sees it.
  const faultPlace = (field) => {
    const event = /^events\[(\d+)\](?:\.(\w+))?/.exec(field);
    if (event) {
      const row = rows.children[Number(event[1])];
      const control = row && event[2] ? row.querySelector(`[name="${event[2]}"]`) : null;
      const title = row ? ` (${row.querySelector("legend").textContent.toLowerCase()})` : "";
      const part = event[2] ? `, ${FIELD_WORDS[event[2]] || event[2]}` : "";
      return { text: `Event ${Number(event[1]) + 1}${title}${part}`, control };
    }
    if (field === "now") {
      return { text: "Now", control: replanForm.elements.now };
    }
    if (field === "options.time_limit_s") {
      return { text: "Search time", control: document.getElementById("time-limit") };
    }
    return { text: field, control: null };
  };

  const showErrors = (error) => {
    const list = document.getElementById("replan-error-list");
    list.replaceChildren();
    for (const control of document.querySelectorAll("[aria-invalid]")) {
      control.removeAttribute("aria-invalid");
    }
    const faults = error.fields || [];
    for (const fault of faults) {
      const place = faultPlace(fault.field);
      const item = document.createElement("li");
      item.textContent = `${place.text}: ${fault.message}`;
      list.append(item);
      place.control?.setAttribute("aria-invalid", "true");
    }
    const why = faults.length ? error.detail : error.message;
    document.getElementById("replan-error-summary").textContent = `Not re-planned: ${why}.`;
    errorBox.hidden = false;
  };

  replanForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = replanForm.querySelector("button[type=submit]");
    button.disabled = true;
    errorBox.hidden = true;
    try {
      const body = replanBody();
      const plan = await api("POST", `/plans/${replanForm.dataset.plan}/replan`, body);
      say(`Re-planning as version ${plan.version}…`);
      await follow(plan.id, body.options.time_limit_s);
    } catch (error) {
      showErrors(error);
      button.disabled = false;
    }
  });
}

if (roster.dataset.status === "solving") {
  follow(roster.dataset.plan, Number(roster.dataset.timeLimit)).catch((error) => {
    say(`Lost track of the solve: ${error.message}`, true);
  });
}
