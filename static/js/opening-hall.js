/* The live opening hall (bids/templates/bids/opening_hall.html, docs/opening.md).
 *
 * The server decides everything the page shows, controls included (bids/opening/hall.py) and
 * renders it (bids/templates/bids/opening_hall_live.html). This script only polls that fragment
 * every few seconds and puts each of its parts (`data-live`) in place when it changed, keeping
 * what the user is typing; ticks the decryption countdown every second from the last
 * `data-seconds-left`; and posts each control's form as JSON to the hall API with the CSRF
 * token, showing the refusal's message next to it. Its few words come translated from the page
 * (JSON script element `opening-hall-text`). No dependency, no inline script.
 */
(function () {
  "use strict";

  var root = document.getElementById("opening-hall");
  if (!root) {
    return;
  }

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  var text = readJson("opening-hall-text", {});
  var liveUrl = root.dataset.liveUrl;
  var pollMilliseconds = 1000 * Number(root.dataset.pollSeconds || 3);
  var windowEndsAt = null; // this browser's clock time at which the decryption window closes
  var received = {}; // the HTML last received for each live part

  function status(message) {
    var node = document.getElementById("hall-status");
    if (node) {
      node.textContent = message;
    }
  }

  // ---- the countdown ----------------------------------------------------------------------

  function countdown(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return hours + ":" + String(minutes).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }

  function startCountdown() {
    var node = root.querySelector('[data-field="countdown"]');
    var seconds = node ? node.dataset.secondsLeft : "";
    windowEndsAt = seconds === "" || seconds === undefined ? null :
      Date.now() + 1000 * Number(seconds);
    tick();
  }

  function tick() {
    var node = root.querySelector('[data-field="countdown"]');
    if (node && windowEndsAt !== null) {
      node.textContent = countdown(Math.max(0, Math.round((windowEndsAt - Date.now()) / 1000)));
    }
  }

  // ---- putting the fragment's parts in place ----------------------------------------------

  function fieldKey(field) {
    var form = field.closest("form");
    return (form ? form.getAttribute("action") : "") + " " + field.name;
  }

  /* Carries what the user typed, the focus and the last answer shown next to a form from
   * the part on the page to its new copy (matched by form action and field name). */
  function carryOver(from, to) {
    var fields = {};
    to.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
      fields[fieldKey(field)] = field;
    });
    from.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
      var copy = fields[fieldKey(field)];
      if (!copy || field.type === "hidden") {
        return;
      }
      copy.value = field.value;
      if (field === document.activeElement) {
        copy.dataset.focus = "1";
        if (typeof field.selectionStart === "number") {
          copy.dataset.selection = field.selectionStart + "," + field.selectionEnd;
        }
      }
    });
    var answers = {};
    to.querySelectorAll("form[data-hall-form]").forEach(function (form) {
      answers[form.getAttribute("action")] = form.querySelector(".hall-error");
    });
    from.querySelectorAll("form[data-hall-form]").forEach(function (form) {
      var shown = form.querySelector(".hall-error");
      var copy = answers[form.getAttribute("action")];
      if (shown && copy && shown.textContent) {
        copy.className = shown.className;
        copy.textContent = shown.textContent;
      }
    });
  }

  function restoreFocus(part) {
    var field = part.querySelector("[data-focus]");
    if (!field) {
      return;
    }
    delete field.dataset.focus;
    field.focus();
    if (field.dataset.selection) {
      var range = field.dataset.selection.split(",");
      field.setSelectionRange(Number(range[0]), Number(range[1]));
      delete field.dataset.selection;
    }
  }

  function place(html) {
    var fragment = document.createElement("template");
    fragment.innerHTML = html;
    fragment.content.querySelectorAll("[data-live]").forEach(function (part) {
      var name = part.dataset.live;
      var current = root.querySelector('[data-live="' + name + '"]');
      if (!current || received[name] === part.outerHTML) {
        return;
      }
      received[name] = part.outerHTML;
      carryOver(current, part);
      current.replaceWith(part);
      restoreFocus(part);
    });
    var state = fragment.content.getElementById("opening-hall-state");
    var shown = document.getElementById("opening-hall-state");
    if (state && shown) {
      shown.replaceWith(state);
    }
    startCountdown();
  }

  /* The record does not change any more once final: no more polling. */
  function finalised() {
    var hall = readJson("opening-hall-state", null);
    return Boolean(hall && hall.session && hall.session.state === "finalised");
  }

  // ---- polling and posting ----------------------------------------------------------------

  function refresh() {
    return fetch(liveUrl, {credentials: "same-origin", headers: {Accept: "text/html"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        place(html);
        status("");
      })
      .catch(function () {
        status(text.offline);
      });
  }

  function schedule() {
    window.setTimeout(function () {
      var next = document.hidden ? Promise.resolve() : refresh();
      next.then(function () {
        if (!finalised()) {
          schedule();
        }
      });
    }, pollMilliseconds);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrfToken;
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-hall-form]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") {
        body[name] = value;
      }
    });
    var feedback = form.querySelector(".hall-error");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    feedback.className = "hall-error muted";
    feedback.textContent = text.sending;
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", Accept: "application/json",
        "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok, data: data};
        });
      })
      .then(function (result) {
        if (result.ok) {
          feedback.className = "hall-error success";
          feedback.textContent = text.done;
          form.reset();
          return refresh();
        }
        feedback.className = "hall-error error";
        feedback.textContent = result.data.message || text.failed;
        return null;
      })
      .catch(function () {
        feedback.className = "hall-error error";
        feedback.textContent = text.failed;
      })
      .then(function () {
        buttons.forEach(function (button) { button.disabled = false; });
      });
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !finalised()) {
      refresh();
    }
  });

  root.querySelectorAll("[data-live]").forEach(function (part) {
    received[part.dataset.live] = part.outerHTML;
  });
  startCountdown();
  window.setInterval(tick, 1000);
  if (!finalised()) {
    schedule();
  }
}());
