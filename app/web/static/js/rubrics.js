// Custom rubric editor against the JSON API (/api/v1/custom-rubrics), with the login cookie:
// GET list, GET /{id}, POST {name, yaml} -> 201, PUT /{id} {name, yaml} -> a new version.
// A 422 names the field; errors are listed one per field next to the form.
"use strict";

(function () {
  const app = document.getElementById("rubric-app");
  if (!app) return;
  const api = app.dataset.api;
  const list = document.getElementById("rubric-list");
  const listStatus = document.getElementById("rubric-list-status");
  const form = document.getElementById("rubric-form");
  const nameInput = document.getElementById("rubric-name");
  const yamlInput = document.getElementById("rubric-yaml");
  const heading = document.getElementById("rubric-form-heading");
  const notice = document.getElementById("rubric-notice");
  const errors = document.getElementById("rubric-errors");
  let editing = null; // id of the rubric being edited, or null for a new one

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => null);
    return { response, data };
  }

  function fieldErrors(data) {
    const error = (data && data.error) || {};
    if (Array.isArray(error.details) && error.details.length) {
      return error.details.map((d) => [d.field || "rubric", d.message || ""]);
    }
    const message = (error.message || (data && data.detail && JSON.stringify(data.detail)) || "not saved")
      .replace(/^rubric '[^']*': /, ""); // the API names the rubric first, then the field
    return message.split(/; (?=[\w.()\[\]-]+: )/).map((part) => {
      const at = part.indexOf(": ");
      const field = at > 0 ? part.slice(0, at) : "";
      return field && !field.includes(" ") ? [field, part.slice(at + 2)] : ["rubric", part];
    });
  }

  function showErrors(pairs) {
    const ul = errors.querySelector("ul");
    ul.replaceChildren(
      ...pairs.map(([field, message]) => {
        const li = document.createElement("li");
        const code = document.createElement("code");
        code.className = "field-name";
        code.textContent = field;
        li.append(code, ": " + message);
        return li;
      })
    );
    errors.hidden = false;
    yamlInput.setAttribute("aria-invalid", "true");
  }

  function clearMessages() {
    errors.hidden = true;
    notice.hidden = true;
    yamlInput.removeAttribute("aria-invalid");
  }

  function startNew() {
    editing = null;
    form.reset();
    nameInput.readOnly = false;
    heading.textContent = "New rubric";
    clearMessages();
  }

  async function edit(id) {
    clearMessages();
    const { response, data } = await call("GET", api + "/" + encodeURIComponent(id));
    if (!response.ok || !data) return showErrors(fieldErrors(data));
    editing = id;
    nameInput.value = data.name || "";
    nameInput.readOnly = true;
    yamlInput.value = data.yaml || data.source_yaml || "";
    heading.textContent = "Edit " + (data.name || "rubric") + (data.version ? " (version " + data.version + ")" : "");
    yamlInput.focus();
  }

  async function refresh() {
    const { response, data } = await call("GET", api);
    if (!response.ok || !Array.isArray(data)) {
      listStatus.textContent = "Could not load the rubrics (" + response.status + ").";
      return;
    }
    listStatus.textContent = data.length ? data.length + " rubric(s)" : "No custom rubrics yet.";
    list.replaceChildren(
      ...data.map((rubric) => {
        const li = document.createElement("li");
        li.className = "row-item";
        const label = document.createElement("span");
        label.textContent = rubric.name + (rubric.version ? " v" + rubric.version : "") + (rubric.skill ? " · " + rubric.skill : "");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "Edit";
        button.setAttribute("aria-label", "Edit " + rubric.name);
        button.addEventListener("click", () => edit(rubric.id));
        li.append(label, button);
        return li;
      })
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessages();
    const body = editing === null ? { name: nameInput.value.trim(), yaml: yamlInput.value } : { yaml: yamlInput.value };
    const url = editing === null ? api : api + "/" + encodeURIComponent(editing);
    const { response, data } = await call(editing === null ? "POST" : "PUT", url, body);
    if (!response.ok) return showErrors(fieldErrors(data));
    notice.textContent = "Saved " + ((data && data.name) || nameInput.value) + (data && data.version ? " version " + data.version : "") + ".";
    notice.hidden = false;
    if (data && data.id !== undefined) {
      editing = data.id;
      nameInput.readOnly = true;
    }
    refresh();
  });

  document.getElementById("rubric-new").addEventListener("click", startNew);
  refresh();
})();
