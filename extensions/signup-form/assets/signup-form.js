/*
 * Shop Flows signup forms (theme app extension). No dependencies, no third-party requests: it talks only to the
 * shop's own app proxy (/apps/shop-flows/...). One script for the inline block and the popup embed.
 */
(function () {
  "use strict";
  if (window.__sfSignup) return; // both blocks load this file; run once
  window.__sfSignup = true;

  var PROXY = "/apps/shop-flows/";
  var SUBSCRIBED = "sfSignup.subscribed";
  var HIDE_UNTIL = "sfSignup.hideUntil";
  var DAY = 86400000;

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the popup simply shows again next time */
    }
    return null;
  }

  function submissionId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "s" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  var viewed = {};
  /** One view per form per page load, sent as a beacon so it never delays anything. */
  function reportView(root) {
    var id = root.getAttribute("data-form-id");
    if (!id || viewed[id]) return;
    viewed[id] = true;
    var body = new URLSearchParams({ form_id: id, form_name: root.getAttribute("data-form-name") || "", form_kind: root.getAttribute("data-form-kind") || "inline" });
    if (navigator.sendBeacon && navigator.sendBeacon(PROXY + "form-view", body)) return;
    fetch(PROXY + "form-view", { method: "POST", body: body, keepalive: true, credentials: "same-origin" }).catch(function () {});
  }

  function setStatus(form, text, isError) {
    var status = form.querySelector(".sf-signup__status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("sf-signup__status--error", !!isError);
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-sf-form]")) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    var email = form.querySelector("input[name=email]");
    email.removeAttribute("aria-invalid");
    var data = new URLSearchParams(new FormData(form));
    // A retry of this same submit (a flaky connection) must not count twice: one id per press.
    if (!form.__sfId) form.__sfId = submissionId();
    data.set("submission_id", form.__sfId);
    form.setAttribute("aria-busy", "true");
    setStatus(form, form.getAttribute("data-sending") || "", false);
    fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (json) {
          return { ok: response.ok, json: json };
        });
      })
      .then(function (result) {
        form.removeAttribute("aria-busy");
        if (result.ok && result.json.ok) return succeeded(form, result.json.message);
        form.__sfId = null; // a corrected address is a new submission
        var error = result.json.error || {};
        setStatus(form, error.message || form.getAttribute("data-network-error"), true);
        if (/email/.test(error.code || "")) {
          email.setAttribute("aria-invalid", "true");
          email.focus();
        }
      })
      .catch(function () {
        form.removeAttribute("aria-busy");
        setStatus(form, form.getAttribute("data-network-error") || "", true);
      });
  }

  function succeeded(form, message) {
    store(SUBSCRIBED, "1");
    var root = form.closest("[data-sf-signup]");
    // The message takes the form's place at the form's height: nothing below it moves.
    form.style.minHeight = form.getBoundingClientRect().height + "px";
    var fields = form.querySelectorAll(".sf-signup__fields, .sf-signup__consent, .sf-signup__trap");
    for (var i = 0; i < fields.length; i++) fields[i].hidden = true;
    setStatus(form, message, false);
    form.classList.add("sf-signup__form--done");
    var status = form.querySelector(".sf-signup__status");
    status.setAttribute("tabindex", "-1");
    status.focus();
    var teasers = document.querySelectorAll("[data-sf-teaser]");
    for (var t = 0; t < teasers.length; t++) teasers[t].hidden = true;
    if (root && root.__sfClose) setTimeout(function () { root.__sfClose(false); }, 4000);
  }

  // --- Inline forms ------------------------------------------------------------------------------------------

  function watchInline(root) {
    if (!("IntersectionObserver" in window)) return reportView(root);
    var observer = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].isIntersecting) {
          reportView(root);
          observer.disconnect();
        }
      }
    }, { threshold: 0.5 });
    observer.observe(root);
  }

  // --- The popup ---------------------------------------------------------------------------------------------

  var FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]):not([type=hidden]):not([tabindex="-1"]),select,textarea,[tabindex]:not([tabindex="-1"])';

  function setUpPopup(popup) {
    var teaser = document.querySelector("[data-sf-teaser]");
    var dialog = popup.querySelector("[role=dialog]");
    var opened = false;
    var returnFocus = null;
    var hideDays = Number(popup.getAttribute("data-hide-days")) || 14;
    var cleanups = [];

    function visible(el) {
      return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    }

    function onKey(event) {
      if (event.key === "Escape") return close(true);
      if (event.key !== "Tab") return;
      // Focus stays inside the dialog while it is open.
      var items = Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), visible);
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
        event.preventDefault();
        first.focus();
      }
    }

    function open() {
      if (opened) return;
      opened = true;
      stopTriggers();
      returnFocus = document.activeElement;
      popup.hidden = false;
      if (teaser) teaser.hidden = true;
      document.addEventListener("keydown", onKey);
      var input = popup.querySelector("input[name=email]");
      (input || dialog).focus();
      reportView(popup);
    }

    function close(byPerson) {
      if (!opened) return;
      opened = false;
      popup.hidden = true;
      document.removeEventListener("keydown", onKey);
      if (byPerson) store(HIDE_UNTIL, String(Date.now() + hideDays * DAY));
      if (teaser && store(SUBSCRIBED) !== "1") teaser.hidden = false;
      if (returnFocus && returnFocus.focus) returnFocus.focus();
    }
    popup.__sfClose = close;

    popup.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-sf-close]")) close(true);
    });
    if (teaser) teaser.addEventListener("click", open);

    function listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      cleanups.push(function () { target.removeEventListener(type, handler, options); });
    }
    function stopTriggers() {
      while (cleanups.length) cleanups.pop()();
    }

    if (store(SUBSCRIBED) === "1") return;
    if (Number(store(HIDE_UNTIL)) > Date.now()) {
      if (teaser) teaser.hidden = false;
      return;
    }

    var delay = Number(popup.getAttribute("data-delay")) || 0;
    if (delay > 0) {
      var timer = setTimeout(open, delay * 1000);
      cleanups.push(function () { clearTimeout(timer); });
    }
    if (popup.getAttribute("data-exit-intent") === "true" && window.matchMedia && matchMedia("(pointer: fine)").matches) {
      listen(document, "mouseout", function (event) {
        if (!event.relatedTarget && event.clientY <= 0) open();
      });
    }
    var scroll = Number(popup.getAttribute("data-scroll")) || 0;
    if (scroll > 0) {
      listen(window, "scroll", function () {
        var max = document.documentElement.scrollHeight - window.innerHeight;
        if (max > 0 && (window.scrollY / max) * 100 >= scroll) open();
      }, { passive: true });
    }
  }

  function start() {
    document.addEventListener("submit", onSubmit);
    var roots = document.querySelectorAll("[data-sf-signup]");
    for (var i = 0; i < roots.length; i++) {
      if (roots[i].hasAttribute("data-sf-popup")) setUpPopup(roots[i]);
      else watchInline(roots[i]);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
