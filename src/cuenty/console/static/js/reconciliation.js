// Reconciliation page: a form with data-busy shows a busy state until the server responds,
// and the statement upload warns about a file above its data-max-bytes before sending it.
// Without this script the forms still work and the page still shows the API's messages.
(function () {
  "use strict";

  function statusOf(form) {
    return form.querySelector(".busy-status");
  }

  function tooLarge(form) {
    var input = form.querySelector("input[type=file][data-max-bytes]");
    if (!input || !input.files || input.files.length === 0) { return null; }
    var limit = Number(input.getAttribute("data-max-bytes"));
    return input.files[0].size > limit ? input.getAttribute("data-too-large") : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // console.js shows the data-confirm question first, and a cancelled form stays idle.
    if (!form.hasAttribute("data-busy") || event.defaultPrevented) { return; }
    var status = statusOf(form);
    var problem = tooLarge(form);
    if (problem) {
      event.preventDefault();
      if (status) { status.textContent = problem; }
      return;
    }
    var button = form.querySelector("button[type=submit]");
    var busyText = form.getAttribute("data-busy");
    form.setAttribute("aria-busy", "true");
    if (status) { status.textContent = busyText; }
    if (button) {
      button.setAttribute("data-idle-text", button.textContent);
      button.textContent = busyText;
      // Disabled after this event, so the browser still sends the form it belongs to.
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // A page restored with the Back button shows its forms ready again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    var forms = document.querySelectorAll("form[data-busy][aria-busy]");
    Array.prototype.forEach.call(forms, function (form) {
      form.removeAttribute("aria-busy");
      var status = statusOf(form);
      if (status) { status.textContent = ""; }
      var button = form.querySelector("button[type=submit]");
      if (button && button.hasAttribute("data-idle-text")) {
        button.textContent = button.getAttribute("data-idle-text");
        button.disabled = false;
      }
    });
  });
})();
