// gatehouse.js adds what needs a script to the hosted pages; every page
// works without it. It is served from the binary, and the pages that load
// it allow script-src 'self' only: no inline script, no inline handlers.
//
//   <button data-copy="text" data-status="id" data-done="…" data-failed="…" hidden>
//     copies text to the clipboard and says so in the element #id.
//   <input data-select readonly> selects its whole value when it gets the
//     focus, ready to copy.
//   <button data-print hidden> prints the page (the print stylesheet shows
//     only the .printable part).
//   <button data-countdown="25" data-status="id" data-done="…"> stays
//     disabled for 25 seconds, showing m:ss in its .countdown, then is
//     enabled and #id says data-done.
"use strict";

(function () {
  function say(id, text) {
    var el = id && document.getElementById(id);
    if (el && text) {
      el.textContent = text;
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      return; // the text stays on the page to select by hand
    }
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(b.dataset.copy).then(
        function () { say(b.dataset.status, b.dataset.done); },
        function () { say(b.dataset.status, b.dataset.failed); }
      );
    });
  });

  document.querySelectorAll("input[data-select]").forEach(function (i) {
    i.addEventListener("focus", function () { i.select(); });
  });

  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("button[data-countdown]").forEach(function (b) {
    var end = Date.now() + Number(b.dataset.countdown) * 1000;
    var clock = b.querySelector(".countdown");
    function tick() {
      var left = Math.ceil((end - Date.now()) / 1000);
      if (!(left > 0)) {
        b.disabled = false;
        if (clock) {
          clock.textContent = "";
        }
        say(b.dataset.status, b.dataset.done);
        return;
      }
      b.disabled = true;
      if (clock) {
        clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      }
      setTimeout(tick, ((end - Date.now()) % 1000) || 1000);
    }
    tick();
  });
})();
