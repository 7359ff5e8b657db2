// Score page: offer the speaker names found in the pasted or chosen transcript, so the learner
// can be picked instead of typed. The server checks the name again; this is only a helper.
"use strict";

(function () {
  const content = document.getElementById("content");
  const file = document.getElementById("file");
  const list = document.getElementById("speaker-names");
  const found = document.getElementById("speakers-found");
  const learner = document.getElementById("learner");
  if (!content || !list) return;

  function speakersOf(text) {
    const names = new Set();
    const trimmed = text.replace(/^\uFEFF/, "").trim();
    if (trimmed.startsWith("[")) {
      try {
        for (const turn of JSON.parse(trimmed)) if (turn && turn.speaker) names.add(String(turn.speaker).trim());
        return [...names];
      } catch (_) {
        // Not JSON after all: fall through to the line formats.
      }
    }
    for (const match of trimmed.matchAll(/<v(?:\.[\w.-]+)?\s+([^>]+)>/g)) names.add(match[1].trim());
    for (const line of trimmed.split(/\r?\n/)) {
      if (line.includes("-->") || /^WEBVTT|^NOTE\b/.test(line)) continue;
      const match = /^\s*([^:<>\n]{1,40}?)\s*:\s*\S/.exec(line);
      if (match && match[1].split(/\s+/).length <= 4 && !/^\d+$/.test(match[1])) names.add(match[1].trim());
    }
    return [...names];
  }

  function offer(names) {
    list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
    found.textContent = names.length ? "Speakers found: " + names.join(", ") : "";
    if (!learner.value && names.length === 2) learner.placeholder = names[0];
  }

  content.addEventListener("input", () => offer(speakersOf(content.value)));
  if (file) {
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      if (!chosen) return offer(speakersOf(content.value));
      chosen.text().then((text) => offer(speakersOf(text)), () => offer([]));
    });
  }
  if (content.value) offer(speakersOf(content.value));
})();
