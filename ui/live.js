// GenVault's live view in the browser (served same-origin at live/live.js, see ui/livestream.py).
// Reads a generation's render steps as Server-Sent Events and applies them: finished blocks are
// appended once, the open block is replaced. The HTML was sanitized on the server
// (ui/safe_markdown.py: nothing in it loads anything); stats arrive as plain text.
// It follows the growing answer unless the reader scrolled up, and asks Streamlit for a rerun
// (a hidden button) when the status changes or the generation ends, so the finished view
// replaces this one.
(function () {
  "use strict";

  function scrollBox(el) {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowY;
      if (overflow === "auto" || overflow === "scroll") return p;
    }
    return document.scrollingElement || document.documentElement;
  }

  function follower(root) {
    const box = scrollBox(root);
    const viewBottom = () => (box === document.scrollingElement || box === document.documentElement)
      ? window.innerHeight : box.getBoundingClientRect().bottom;
    const state = { on: true, ours: -1 };
    const atBottom = () => root.getBoundingClientRect().bottom - viewBottom() < 80;
    const stop = () => { state.on = false; };
    const onWheel = (e) => { if (e.deltaY < 0) stop(); };
    const onKey = (e) => { if (["PageUp", "ArrowUp", "Home"].includes(e.key)) stop(); };
    const onScroll = () => {
      if (Math.abs(box.scrollTop - state.ours) > 2) state.on = atBottom();  // the reader scrolled
    };
    box.addEventListener("wheel", onWheel, { passive: true });
    box.addEventListener("touchmove", stop, { passive: true });
    box.addEventListener("scroll", onScroll, { passive: true });
    window.addEventListener("keydown", onKey);
    return {
      update() {
        if (!state.on) return;
        const over = root.getBoundingClientRect().bottom - viewBottom() + 24;
        if (over > 0) {
          box.scrollTop += over;
          state.ours = box.scrollTop;
        }
      },
      close() {
        box.removeEventListener("wheel", onWheel);
        box.removeEventListener("touchmove", stop);
        box.removeEventListener("scroll", onScroll);
        window.removeEventListener("keydown", onKey);
      },
    };
  }

  function rerun() {
    const button = document.querySelector(".st-key-live_refresh button");
    if (button) button.click();
    return Boolean(button);
  }

  function start(root) {
    if (root.dataset.gvStarted) return;
    root.dataset.gvStarted = "1";
    const blocks = root.querySelector(".gv-live-blocks");
    const tail = root.querySelector(".gv-live-tail");
    const limit = Number(root.dataset.limit) || 10000;
    const follow = follower(root);
    const source = new EventSource(root.dataset.src);
    let asked = root.dataset.status;  // the status the page was drawn with, then the last one asked for
    let ended = false;

    const trim = () => {  // keep about `limit` characters on screen however long it grows
      let total = tail.textContent.length;
      for (const block of blocks.children) total += Number(block.dataset.n);
      while (total > limit && blocks.firstChild) {
        total -= Number(blocks.firstChild.dataset.n);
        blocks.firstChild.remove();
      }
    };
    const apply = (ev) => {
      if (ev.t === "reset") {
        blocks.replaceChildren();
        tail.replaceChildren();
      } else if (ev.t === "block") {
        const block = document.createElement("div");
        block.className = "gv-live-block";
        block.dataset.n = String(ev.n);
        block.innerHTML = ev.html;
        blocks.append(block);
      } else if (ev.t === "tail") {
        if (ev.html) tail.innerHTML = ev.html;
        else tail.replaceChildren();  // empty: the stylesheet says "Waiting…" while nothing has come
      }
    };
    const setText = (selector, text) => {
      const el = document.querySelector(selector);
      if (el) el.textContent = text;
    };
    const handOver = () => {  // until the finished view replaces this block, keep asking
      if (root.isConnected) {
        rerun();
        setTimeout(handOver, 2000);
      }
    };

    source.onmessage = (e) => {
      if (!root.isConnected) {
        source.close();
        follow.close();
        return;
      }
      const msg = JSON.parse(e.data);
      if (msg.ev && msg.ev.length) {
        msg.ev.forEach(apply);
        trim();
        follow.update();
      }
      if (msg.stats !== undefined) setText(".gv-live-stats", msg.stats);
      if (msg.note !== undefined) setText(".gv-live-note", msg.note);
      if (msg.status && msg.status !== asked && !ended) {
        asked = msg.status;
        rerun();  // e.g. pending -> streaming: redraw the badge
      }
      if (msg.end && !ended) {
        ended = true;
        source.close();
        follow.close();
        handOver();
      }
    };
  }

  document.querySelectorAll(".gv-live").forEach(start);
})();
