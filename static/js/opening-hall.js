/* The live opening hall (bids/templates/bids/opening_hall.html, docs/opening.md).
 *
 * Polls GET /api/v1/tenders/<id>/opening every few seconds and updates the page from what the
 * read model (bids/hall.py) lets this viewer see; the decryption countdown ticks every second
 * from the last `seconds_left`. Every control posts JSON to the hall API with the CSRF token;
 * the server checks every permission again. Words come translated from the page (JSON script
 * elements), so this file holds no user-facing text. No dependency.
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
  var rules = readJson("opening-hall-controls", {});
  var faults = readJson("opening-hall-faults", []);
  var hallUrl = root.dataset.hallUrl;
  var role = root.dataset.role;
  var pollMilliseconds = 1000 * Number(root.dataset.pollSeconds || 3);
  var windowEndsAt = null; // this browser's clock time at which the decryption window closes
  var finalised = false;

  // ---- formatting (the same as bids/templatetags/opening_hall.py) -----------------------

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function yuan(fen) {
    if (fen === null || fen === undefined) {
      return "";
    }
    var whole = Math.floor(fen / 100);
    var cents = fen - whole * 100;
    return whole.toLocaleString("en-US") + "." + String(cents).padStart(2, "0");
  }

  var shanghaiClock = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
  });

  function shanghai(iso) {
    return iso ? shanghaiClock.format(new Date(iso)) : "";
  }

  function countdown(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return hours + ":" + String(minutes).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== "") {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function setField(name, value) {
    document.querySelectorAll('[data-field="' + name + '"]').forEach(function (node) {
      node.textContent = value === null || value === undefined || value === "" ? "—" : value;
    });
  }

  // ---- what shows (the same table as bids.views.HALL_CONTROLS) --------------------------

  function sessionState(hall) {
    return hall.session ? hall.session.state : "none";
  }

  function ownHolds(condition, hall) {
    var own = hall.bidders.filter(function (row) { return row.own; });
    if (condition === "not_signed_in") {
      return !own.some(function (row) { return row.signed_in; });
    }
    if (condition === "waiting") {
      return own.some(function (row) { return row.decryption === "waiting"; });
    }
    if (condition === "not_confirmed") {
      return own.some(function (row) { return !row.confirmed; });
    }
    return true;
  }

  function controlShows(rule, hall) {
    return rule.roles.indexOf(role) !== -1 &&
      rule.states.indexOf(sessionState(hall)) !== -1 &&
      (!rule.escrow || hall.escrow !== null) &&
      ownHolds(rule.own, hall);
  }

  function rowAction(hall, row) {
    var state = sessionState(hall);
    if (role !== "host") {
      return "";
    }
    if (state === "decrypting" && hall.escrow !== null && row.decryption === "waiting" &&
        !row.escrow_requested) {
      return "escrow-request";
    }
    if ((state === "decrypting" || state === "reading") && row.decryption === "failed" &&
        !row.fault) {
      return "fault";
    }
    return "";
  }

  // ---- rendering --------------------------------------------------------------------------

  function renderSession(hall) {
    var session = hall.session;
    setField("tender_state", hall.tender.state_label);
    setField("state_label", session ? session.state_label : text.not_started);
    setField("signed_in", session ? String(session.signed_in) : "0");
    setField("ceiling_price", session && session.ceiling_price_fen !== null ?
      format(text.yuan, {yuan: yuan(session.ceiling_price_fen)}) : "");
    setField("decryption_ends_at", session ? shanghai(session.decryption_ends_at) : "");
    setField("confirmation_ends_at", session ? shanghai(session.confirmation_ends_at) : "");
    setField("outcome", session && session.outcome ?
      (text.outcome[session.outcome] || session.outcome) + " · " + shanghai(session.finalised_at) :
      "");
    var escrowRow = document.querySelector("[data-escrow-row]");
    if (escrowRow) {
      escrowRow.hidden = hall.escrow === null;
      if (hall.escrow !== null) {
        setField("escrow_shares", String(hall.escrow.shares_submitted));
        setField("escrow_threshold", String(hall.escrow.threshold));
      }
    }
    var secondsLeft = session ? session.seconds_left : null;
    windowEndsAt = secondsLeft === null || secondsLeft === undefined ? null :
      Date.now() + 1000 * secondsLeft;
    tick();
    document.querySelectorAll("[data-control]").forEach(function (node) {
      var rule = rules[node.dataset.control];
      node.hidden = !(rule && controlShows(rule, hall));
    });
    finalised = sessionState(hall) === "finalised";
  }

  function tick() {
    var node = document.querySelector('[data-field="countdown"]');
    if (!node) {
      return;
    }
    if (windowEndsAt === null) {
      node.textContent = "—";
      return;
    }
    node.textContent = countdown(Math.max(0, Math.round((windowEndsAt - Date.now()) / 1000)));
  }

  function actionForm(action, row) {
    var base = hallUrl + "/bids/" + row.bid + "/" + action;
    var children = [];
    if (action === "fault") {
      var select = element("select", {name: "fault"});
      faults.forEach(function (choice) {
        select.appendChild(element("option", {value: choice[0]}, [choice[1]]));
      });
      children.push(select, " ");
    }
    children.push(element("input", {name: "reason", required: "", placeholder: text.reason}), " ",
      element("button", {type: "submit"},
        [action === "fault" ? text.record_fault : text.request_escrow]),
      element("span", {"class": "hall-error error", role: "alert"}));
    return element("form", {method: "post", action: base, "data-hall-form": ""}, children);
  }

  function fillRow(tr, hall, row) {
    var reading = ["reading", "finalised"].indexOf(sessionState(hall)) !== -1;
    var cells = {};
    tr.querySelectorAll("[data-cell]").forEach(function (cell) {
      cells[cell.dataset.cell] = cell;
    });
    cells.bidder.replaceChildren(row.bidder,
      row.uscc ? " " : "", row.uscc ? element("span", {"class": "muted"}, [row.uscc]) : "",
      row.own ? " " : "", row.own ? element("strong", {}, ["(" + text.you + ")"]) : "");
    cells.signed_in.textContent = row.signed_in ? text.signed_in : text.not_signed_in;
    var decryption = row.decryption_label || "";
    if (row.decryption === "decrypting") {
      decryption += " " + row.progress_percent + "%";
    }
    if (row.key_source === "escrow") {
      decryption += " · " + text.escrow_key;
    } else if (row.escrow_requested && row.decryption === "waiting") {
      decryption += " · " + text.escrow_requested;
    }
    if (row.wrong_key_attempts) {
      decryption += " · " + format(text.wrong_key_attempts, {count: row.wrong_key_attempts});
    }
    cells.decryption.textContent = decryption;
    var reason = row.failure || (row.decryption === "waiting" && row.last_refusal) || "";
    if (row.fault) {
      reason += " " + (text.fault[row.fault] || row.fault) +
        (row.fault_reason ? ": " + row.fault_reason : "");
    }
    cells.reason.textContent = reason.trim();
    cells.price.textContent = row.total_price_fen === null || row.total_price_fen === undefined ?
      "" : yuan(row.total_price_fen);
    cells.terms.textContent = row.duration_days === null || row.duration_days === undefined ?
      "" : row.duration_days + " · " + (row.quality || "");
    cells.confirmed.textContent = row.confirmed ? text.confirmed :
      (reading ? text.not_confirmed : "");
    if (cells.action) {
      var action = rowAction(hall, row);
      if (tr.dataset.action !== action) { // rebuilt only when it changes: keeps typed text
        tr.dataset.action = action;
        cells.action.replaceChildren(action ? actionForm(action, row) : "");
      }
    }
  }

  function newRow(key) {
    var names = ["bidder", "signed_in", "decryption", "reason", "price", "terms", "confirmed"];
    if (role === "host") {
      names.push("action");
    }
    var tr = element("tr", {"data-row": key, "data-action": ""}, [element("td")]);
    names.forEach(function (name) {
      tr.appendChild(element("td", {"data-cell": name}));
    });
    return tr;
  }

  function renderBidders(hall) {
    var body = document.getElementById("hall-bidders");
    var existing = {};
    body.querySelectorAll("tr[data-row]").forEach(function (tr) {
      existing[tr.dataset.row] = tr;
    });
    body.querySelectorAll("tr.empty").forEach(function (tr) { tr.remove(); });
    hall.bidders.forEach(function (row, index) {
      var key = row.bid || row.bidder;
      var tr = existing[key] || newRow(key);
      delete existing[key];
      if (body.children[index] !== tr) { // moved only when out of place: keeps focus
        body.insertBefore(tr, body.children[index] || null);
      }
      tr.firstElementChild.textContent = String(index + 1);
      fillRow(tr, hall, row);
    });
    Object.keys(existing).forEach(function (key) { existing[key].remove(); });
    if (!hall.bidders.length) {
      body.appendChild(element("tr", {"class": "empty"}, [element("td", {
        colspan: role === "host" ? "9" : "8", "class": "muted"}, [text.no_bidders])]));
    }
  }

  function answerForm(item) {
    return element("form", {method: "post", action: hallUrl + "/objections/" + item.id + "/answer",
      "data-hall-form": ""}, [
      element("textarea", {name: "answer", rows: "2", cols: "60", required: "",
        placeholder: text.answer}), " ",
      element("button", {type: "submit"}, [text.send_answer]),
      element("span", {"class": "hall-error error", role: "alert"})]);
  }

  function renderObjections(hall) {
    var list = document.getElementById("hall-objections");
    var existing = {};
    list.querySelectorAll("li[data-objection]").forEach(function (li) {
      existing[li.dataset.objection] = li;
    });
    list.querySelectorAll("li.empty").forEach(function (li) { li.remove(); });
    var answerable = role === "host" && sessionState(hall) === "reading";
    hall.objections.forEach(function (item) {
      var li = existing[item.id];
      delete existing[item.id];
      if (!li) {
        li = element("li", {"data-objection": item.id}, [
          element("strong", {}, [item.bidder]), " ",
          element("span", {"class": "muted"}, [shanghai(item.raised_at)]),
          element("p", {"data-cell": "text"}, [item.text]),
          element("p", {"data-cell": "answer"})]);
        list.appendChild(li);
      }
      li.querySelector('[data-cell="answer"]').replaceChildren.apply(
        li.querySelector('[data-cell="answer"]'), item.answer ?
          [text.answer + ": " + item.answer + " ",
            element("span", {"class": "muted"}, [shanghai(item.answered_at)])] :
          [element("span", {"class": "muted"}, [text.awaiting_answer])]);
      var form = li.querySelector("form");
      if (answerable && !item.answer && !form) {
        li.appendChild(answerForm(item));
      } else if (form && (item.answer || !answerable)) {
        form.remove();
      }
    });
    Object.keys(existing).forEach(function (key) { existing[key].remove(); });
    if (!hall.objections.length) {
      list.appendChild(element("li", {"class": "muted empty"}, [text.no_objections]));
    }
  }

  function render(hall) {
    renderSession(hall);
    renderBidders(hall);
    renderObjections(hall);
  }

  // ---- polling and posting ----------------------------------------------------------------

  function status(message) {
    var node = document.getElementById("hall-status");
    if (node) {
      node.textContent = message;
    }
  }

  function refresh() {
    return fetch(hallUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (hall) {
        render(hall);
        status(format(text.updated, {time: shanghai(hall.now)}));
      })
      .catch(function () {
        status(text.offline);
      });
  }

  function schedule() {
    window.setTimeout(function () {
      var next = document.hidden ? Promise.resolve() : refresh();
      next.then(function () {
        if (!finalised) { // a finalised record does not change any more
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
    if (!document.hidden && !finalised) {
      refresh();
    }
  });

  var initial = readJson("opening-hall-state", null);
  if (initial) {
    render(initial);
  }
  window.setInterval(tick, 1000);
  schedule();
}());
