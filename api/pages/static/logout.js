// Logging out is a write with the login cookie: like every other one it must carry the
// page header, which a plain form cannot send and another site cannot add.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest('form[action="/app/logout"]');
  if (!form) {
    return;
  }
  event.preventDefault();
  form.querySelector("button").disabled = true;
  try {
    await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Homevisit-Page": "1" },
    });
  } finally {
    location.assign("/app/login");
  }
});
