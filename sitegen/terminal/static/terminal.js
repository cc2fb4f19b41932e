// The workspace terminal view: xterm.js on a WebSocket to the terminal sidecar (subprotocol portal.terminal.v1).
// Client → server: {"type":"data","data":…} and {"type":"resize","cols":N,"rows":M}; server → client: raw output.
// Identity: the portal's proxy sets it on the upgrade request; without one, a token from `portal terminal token`
// may be pasted and is offered as the subprotocol bearer.<token> (never put in a URL).
(function () {
  "use strict";

  var CLOSE_REASONS = {
    1000: "the session ended",
    1001: "the terminal server is shutting down",
    1006: "refused or unreachable: not signed in, not allowed, or this page's origin is not accepted",
    1008: "too much input at once",
    1009: "a message was too large",
    1011: "the terminal server failed",
    4001: "closed after being idle",
    4002: "the session reached its maximum length",
    4003: "your access to this workspace was revoked",
    4004: "the workspace is not available",
    4005: "the terminal program could not be started",
  };

  var page = document.querySelector("[data-terminal-url]");
  var container = document.getElementById("terminal");
  var status = document.getElementById("terminal-status");
  var tokenForm = document.getElementById("terminal-token-form");
  var tokenInput = document.getElementById("terminal-token");

  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function framedElsewhere() {
    if (window.top === window.self) return false;
    try {
      return window.top.location.origin !== window.location.origin;
    } catch (error) {
      return true; // a cross-origin parent cannot even be read
    }
  }

  if (!page || !container || !status) return;
  if (framedElsewhere()) {
    show("refused", "Refused: this terminal does not run inside another site's frame");
    return;
  }
  if (typeof Terminal === "undefined" || typeof FitAddon === "undefined") {
    show("refused", "The terminal could not load xterm.js");
    return;
  }

  function socketUrl() {
    var parts = page.dataset.workspace.split("/");
    var base = new URL(page.dataset.terminalUrl || "/", window.location.href);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    var url = new URL(
      "ws/terminal/workspace/" + encodeURIComponent(parts[0]) + "/" + encodeURIComponent(parts[1]),
      base
    );
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  var term = new Terminal({ cursorBlink: true, scrollback: 5000 });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(container);
  var socket = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function sendResize() {
    send({ type: "resize", cols: term.cols, rows: term.rows });
  }

  function connect(token) {
    var protocols = ["portal.terminal.v1"];
    if (token) protocols.push("bearer." + token);
    var opened = false;
    show("connecting", "Connecting…");
    socket = new WebSocket(socketUrl(), protocols);
    socket.onopen = function () {
      opened = true;
      tokenForm.hidden = true;
      show("connected", "Connected");
      fit.fit();
      sendResize();
      term.focus();
    };
    socket.onmessage = function (event) {
      if (typeof event.data === "string") term.write(event.data);
    };
    socket.onclose = function (event) {
      var why = event.reason || CLOSE_REASONS[event.code] || "closed";
      show("closed", (opened ? "Disconnected: " : "Could not connect: ") + why + " (code " + event.code + ")");
      if (!opened) tokenForm.hidden = false;
      socket = null;
    };
  }

  term.onData(function (data) {
    send({ type: "data", data: data });
  });
  term.onResize(sendResize);
  window.addEventListener("resize", function () {
    fit.fit();
  });
  tokenForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim();
    tokenInput.value = "";
    if (socket) socket.close();
    connect(token);
  });

  fit.fit();
  connect(null);
})();
