// The therapist's day: check in and out through the JSON API, then show the day again
// scrolled to the next stop. The token travels in the HttpOnly cookie.
"use strict";

const notice = document.getElementById("notice");

async function record(button) {
  const url = `/me/visits/${button.dataset.visit}/${button.dataset.check}`;
  button.disabled = true;
  notice.textContent = "Saving…";
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      // Marks the call as the page's own: the API refuses cookie writes without it.
      headers: { "X-Homevisit-Page": "1" },
    });
    if (response.status === 401) {
      location.assign("/app/login");
      return;
    }
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.detail);
    }
    const next = body.next_visit_id;
    const target = new URL(location.href);
    target.searchParams.set("date", document.getElementById("day").dataset.date);
    target.hash = next ? `stop-${next}` : "";
    history.replaceState(null, "", target);
    location.reload();
  } catch (error) {
    notice.textContent = `Not saved: ${error.message}`;
    notice.classList.add("error");
    button.disabled = false;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-check]");
  if (button) {
    record(button);
  }
});
