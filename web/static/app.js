// kassa dashboard: small progressive enhancements. Every page works
// without this file.
(function () {
  "use strict";

  // Secret complexity rules, ticked as the secret is typed.
  function secretRules(input) {
    var list = document.getElementById(input.getAttribute("aria-describedby"));
    if (!list) return;
    var rules = {
      len: function (s) { var n = Array.from(s).length; return n >= 8 && n <= 25; },
      lower: function (s) { return /\p{Ll}/u.test(s); },
      upper: function (s) { return /\p{Lu}/u.test(s); },
      digit: function (s) { return /\p{Nd}/u.test(s); }
    };
    input.addEventListener("input", function () {
      list.querySelectorAll("[data-rule]").forEach(function (li) {
        var ok = input.value !== "" && rules[li.dataset.rule](input.value);
        li.classList.toggle("met", ok);
      });
    });
  }

  // Forms that must be submitted once: the button is disabled after the
  // first submit (the server's idempotency key is the real guard).
  function once(form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  }

  function confirmSubmit(form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }

  // Price-book upload with a progress bar (XHR upload progress events).
  function upload(form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("#upload-status");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      status.textContent = "Uploading…";
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(e.loaded * 100 / e.total);
          status.textContent = "Uploading… " + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        status.textContent = "Uploaded; checking and importing the prices…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          window.location.assign(xhr.getResponseHeader("X-Kassa-Location") || form.action);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.querySelector("main");
        if (main) {
          document.querySelector("main").replaceWith(main);
          init(main);
          main.focus();
        } else {
          status.textContent = "The upload failed (status " + xhr.status + ").";
          button.disabled = false;
        }
      });
      xhr.addEventListener("error", function () {
        status.textContent = "The upload failed: the connection was lost.";
        button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }

  function copyButton(button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      input.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(function () { button.textContent = "Copied"; });
      }
    });
  }

  // The statement's print button (hidden without this file: the
  // browser's own print command does the same).
  function printButton(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function init(root) {
    root.querySelectorAll("input[data-rules]").forEach(secretRules);
    root.querySelectorAll("form[data-once]").forEach(once);
    root.querySelectorAll("form[data-confirm]").forEach(confirmSubmit);
    root.querySelectorAll("form[data-upload]").forEach(upload);
    root.querySelectorAll("button[data-copy]").forEach(copyButton);
    root.querySelectorAll("button[data-print]").forEach(printButton);
  }

  init(document);
})();
