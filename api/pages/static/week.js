// The week page: pick out a care plan's visits without a reload (the select, or a visit's
// link), and follow a week that is solving until it is over. Without this script the
// select's form and the visits' links do the same through ?care_plan= on the server.
// Text from the server is only ever set as textContent.
"use strict";

const week = document.getElementById("week");
const select = document.getElementById("care-plan");
const highlightStatus = document.getElementById("highlight-status");
const POLL_MS = 1000;

// The sentence api/pages/week_view.py writes for the same choice.
function sentence(carePlan, shown, without) {
  if (!shown && !without) return `Care plan ${carePlan}: no visit in this week plan.`;
  const text = `Care plan ${carePlan}: ${shown} ${shown === 1 ? "visit" : "visits"} highlighted`;
  return text + (without ? `, ${without} without a date.` : ".");
}

function highlight(carePlan) {
  for (const element of week.querySelectorAll("[data-care-plan]")) {
    element.classList.toggle("highlight", carePlan !== "" && element.dataset.carePlan === carePlan);
  }
  for (const cell of week.querySelectorAll("td.day")) {
    cell.classList.toggle("highlight", cell.querySelector(".visit.highlight") !== null);
  }
  if (select) select.value = [...select.options].some((o) => o.value === carePlan) ? carePlan : "";
  const shown = week.querySelectorAll(".week-grid .visit.highlight").length;
  const without = week.querySelectorAll(".unplaced tr.highlight").length;
  highlightStatus.textContent = carePlan ? sentence(carePlan, shown, without) : "";
  const url = new URL(location.href);
  if (carePlan) url.searchParams.set("care_plan", carePlan);
  else url.searchParams.delete("care_plan");
  history.replaceState(null, "", url);
}

if (select) {
  document.getElementById("highlight-submit").hidden = true;
  select.addEventListener("change", () => highlight(select.value));
}

week.addEventListener("click", (event) => {
  const link = event.target.closest("a.visit[data-care-plan]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const carePlan = link.dataset.carePlan;
  // A second click on the care plan already picked out clears it.
  highlight(select && select.value === carePlan ? "" : carePlan);
});

async function follow() {
  const response = await fetch(`/weeks/${week.dataset.week}`, { credentials: "same-origin" });
  if (response.status === 401) {
    location.assign("/app/login");
    return;
  }
  const data = await response.json();
  if (!response.ok || data.status !== "solving") {
    location.reload();
    return;
  }
  const progress = document.getElementById("week-progress");
  if (data.progress && progress) {
    progress.max = data.progress.time_limit_s;
    progress.value = data.progress.elapsed_s;
    const { elapsed_s: elapsed, time_limit_s: limit, attempt } = data.progress;
    document.getElementById("week-status").textContent =
      `Solving: ${Math.round(elapsed)} s of at most ${limit} s` +
      (attempt > 1 ? ` (attempt ${attempt}).` : ".");
  }
  setTimeout(keepFollowing, POLL_MS);
}

function keepFollowing() {
  // A lost connection: try again, less often.
  follow().catch(() => setTimeout(keepFollowing, 5 * POLL_MS));
}

if (week.dataset.status === "solving") setTimeout(keepFollowing, POLL_MS);
