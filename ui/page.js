// GenVault's helper on the Generate pages (served same-origin at live/page.js, see ui/pagescript.py).
// - form: the typed prompt is kept in this tab's session storage, so a reload doesn't lose it;
//   it is forgotten once a generation started from it has opened.
// - generation: "Copy id" buttons copy their id; the sidebar's Generate link opens a new form
//   (Streamlit ignores a click on the current page's link, which this page is, with ?id=).
(function () {
  "use strict";
  const DRAFT = "genvault-draft";

  function setTextareaValue(box, value) {
    // React owns the textarea: set it through the native setter, then tell React it changed.
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
    setter.call(box, value);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  const PROMPT = 'textarea[aria-label="Prompt"]';

  function saveDraft(e) {
    if (e.target.matches && e.target.matches(PROMPT)) sessionStorage.setItem(DRAFT, e.target.value);
  }

  function restoreDraft(tries, settled) {
    // Streamlit may draw (or redraw) the form's textarea after this runs, slowly on a busy machine:
    // keep trying until the box has held a value for two checks in a row, and only ever fill an
    // empty box the reader hasn't typed in.
    const box = document.querySelector(PROMPT);
    const saved = sessionStorage.getItem(DRAFT);
    if (box && saved && !box.value && !box.dataset.gvTyped) setTextareaValue(box, saved);
    const holds = Boolean(box && (box.value || !saved));
    if (tries > 0 && !(holds && settled)) setTimeout(() => restoreDraft(tries - 1, holds), 150);
  }

  function copy(button) {
    const text = button.dataset.copy || "";
    const done = () => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = button.dataset.label || "Copy id"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    } else {
      fallbackCopy(text, done);
    }
  }

  function fallbackCopy(text, done) {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    done();
  }

  function onClick(e) {
    const button = e.target.closest && e.target.closest(".gv-copy-id");
    if (button) {
      copy(button);
      return;
    }
    const link = e.target.closest && e.target.closest('[data-testid="stSidebarNav"] a, [data-testid="stSidebar"] a');
    if (!link || !new URLSearchParams(location.search).has("id")) return;
    if (new URL(link.href, location.href).pathname !== location.pathname) return;
    const fresh = document.querySelector(".st-key-new_generation button");
    if (fresh) {
      e.preventDefault();
      e.stopPropagation();
      fresh.click();
    }
  }

  if (!window.__gvPageWired) {
    window.__gvPageWired = true;
    document.addEventListener("click", onClick, true);
    document.addEventListener("input", saveDraft, true);
    document.addEventListener("keydown", (e) => {
      if (e.target.matches && e.target.matches(PROMPT)) e.target.dataset.gvTyped = "1";
    }, true);
  }
  document.querySelectorAll(".gv-page:not([data-gv-done])").forEach((el) => {
    el.dataset.gvDone = "1";
    if (el.dataset.role === "form") restoreDraft(100, false);
    if (el.dataset.role === "generation" && el.dataset.started === "1") sessionStorage.removeItem(DRAFT);
  });
})();
