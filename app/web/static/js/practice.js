// Practice page: send a line to the peer and show the reply as it streams in.
//
// Progressive enhancement: without this script the form posts to /practice/{id}/say and the
// page reloads. With it, the line goes to the JSON API (POST .../turns?stream=true, with the
// login cookie) and the server-sent events are read from the fetch body:
//   learner -> the saved learner turn (with its live hint)
//   delta   -> a chunk of the peer's reply
//   done    -> the saved exchange (peer turn with the peer's openness)
//   error   -> the reply failed; the learner's line is saved, "Try again" resends it
// Every send carries an Idempotency-Key, reused on retry, so a line is never saved twice.
"use strict";

(function () {
  const root = document.getElementById("practice");
  if (!root) return;

  const form = document.getElementById("say-form");
  const textarea = document.getElementById("say-text");
  const sendButton = document.getElementById("send");
  const transcript = document.getElementById("transcript");
  const errorBox = document.getElementById("chat-error");
  const retryButton = document.getElementById("retry");
  const finishedNotice = document.getElementById("peer-finished");
  const peerName = root.dataset.peerName || "Peer";
  const turnsUrl = root.dataset.turnsUrl;
  let pending = null; // {text, key} of a line whose reply has not arrived

  function newKey() {
    // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function showError(message, canRetry) {
    errorBox.querySelector(".message").textContent = message;
    retryButton.hidden = !canRetry;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    retryButton.hidden = true;
  }

  function setBusy(busy) {
    sendButton.disabled = busy;
    textarea.setAttribute("aria-busy", busy ? "true" : "false");
    sendButton.textContent = busy ? "Sending…" : "Send";
  }

  function turnElement(index, speaker) {
    const id = "turn-" + index;
    let item = document.getElementById(id);
    if (item) return item;
    item = document.createElement("li");
    item.id = id;
    item.className = "turn " + speaker;
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker === "peer" ? peerName : "You";
    const text = document.createElement("p");
    text.className = "text";
    item.append(who, text);
    transcript.append(item);
    return item;
  }

  function scrollToLatest(item) {
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function showHint(hint) {
    const box = document.getElementById("hint-box");
    if (!box || root.dataset.hints !== "on") return;
    const text = box.querySelector(".hint-text");
    const cardSlot = document.getElementById("hint-card");
    if (!hint) {
      text.textContent = "No hint this time: keep going.";
      text.classList.add("muted");
      cardSlot.replaceChildren();
      return;
    }
    text.textContent = hint.text;
    text.classList.remove("muted");
    cardSlot.replaceChildren();
    if (hint.card_id) loadCard(cardSlot, hint.card_id, hint.card_title || hint.card_id);
  }

  async function loadCard(slot, cardId, title) {
    const details = document.createElement("details");
    details.className = "card-details";
    const summary = document.createElement("summary");
    summary.textContent = "Technique card: " + title;
    const link = document.createElement("a");
    link.href = "/techniques/" + encodeURIComponent(cardId);
    link.textContent = "Open the card";
    details.append(summary, link);
    slot.append(details);
    try {
      const response = await fetch(link.href + "/fragment", { credentials: "same-origin" });
      if (!response.ok) return;
      const holder = document.createElement("div");
      // The fragment is our own server-rendered, escaped template output.
      holder.innerHTML = await response.text();
      link.replaceWith(holder);
    } catch (_) {
      // Offline or interrupted: the link to the card page stays.
    }
  }

  function showOpenness(persona) {
    if (!persona || typeof persona.trust !== "number") return;
    const meter = document.getElementById("trust-meter");
    const value = document.getElementById("trust-value");
    if (meter) {
      meter.value = persona.trust;
      meter.textContent = persona.trust.toFixed(2);
    }
    if (value) value.textContent = persona.trust.toFixed(2);
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return { event, data: data.length ? JSON.parse(data.join("\n")) : null };
  }

  function handleEvent(message, state) {
    const { event, data } = message;
    if (event === "learner") {
      const item = turnElement(data.index, "learner");
      item.querySelector(".text").textContent = data.text;
      state.peerIndex = data.index + 1;
      textarea.value = "";
      const counter = document.getElementById("turn-count");
      if (counter) counter.textContent = String(transcript.querySelectorAll(".turn.learner").length + 1);
      showHint(data.hint);
      scrollToLatest(item);
    } else if (event === "delta") {
      const item = turnElement(state.peerIndex, "peer");
      item.classList.add("streaming");
      item.dataset.streamed = "true";
      item.querySelector(".text").textContent += data.text;
      scrollToLatest(item);
    } else if (event === "done") {
      const item = turnElement(data.peer.index, "peer");
      item.classList.remove("streaming");
      item.querySelector(".text").textContent = data.peer.text;
      showOpenness(data.peer.persona);
      if (data.peer_finished) finishedNotice.hidden = false;
      state.done = true;
    } else if (event === "error") {
      state.error = data.message || "The peer could not reply.";
    }
  }

  async function readStream(response, state) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.trim()) handleEvent(parseEvent(block), state);
      }
    }
  }

  async function send(line) {
    clearError();
    setBusy(true);
    const state = { peerIndex: null, done: false, error: null };
    try {
      const response = await fetch(turnsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "text/event-stream",
          "Idempotency-Key": line.key,
        },
        body: JSON.stringify({ text: line.text }),
      });
      if (response.status === 401) {
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
        return;
      }
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        const message = (body && body.error && body.error.message) || "The server answered " + response.status + ".";
        // 4xx: the line itself was refused (nothing saved), so there is nothing to retry.
        showError(message, response.status >= 500);
        pending = response.status >= 500 ? line : null;
        return;
      }
      await readStream(response, state);
      if (state.error || !state.done) {
        pending = line;
        showError(state.error || "The reply was cut off. Your line is saved.", true);
      } else {
        pending = null;
      }
    } catch (_) {
      pending = line;
      showError("Could not reach the server. Check the connection and try again.", true);
    } finally {
      setBusy(false);
      textarea.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) {
      showError("Say something to your peer first.", false);
      textarea.focus();
      return;
    }
    if (sendButton.disabled) return;
    send({ text, key: newKey() });
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  retryButton.addEventListener("click", () => {
    if (pending) send(pending);
  });
})();
