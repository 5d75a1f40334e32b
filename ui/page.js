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

  function keepDraft(tries) {
    const box = document.querySelector('textarea[aria-label="Prompt"]');
    if (!box) {
      if (tries > 0) setTimeout(() => keepDraft(tries - 1), 100);
      return;
    }
    if (box.dataset.gvDraft) return;
    box.dataset.gvDraft = "1";
    const saved = sessionStorage.getItem(DRAFT);
    if (saved && !box.value) setTextareaValue(box, saved);
    box.addEventListener("input", () => sessionStorage.setItem(DRAFT, box.value));
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
  }
  document.querySelectorAll(".gv-page:not([data-gv-done])").forEach((el) => {
    el.dataset.gvDone = "1";
    if (el.dataset.role === "form") keepDraft(20);
    if (el.dataset.role === "generation" && el.dataset.started === "1") sessionStorage.removeItem(DRAFT);
  });
})();
