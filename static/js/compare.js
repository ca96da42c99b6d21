// Compare: every pane zooms and pans together, and videos play and seek together.
// The zoom and the pan are three custom properties on the page's section, which every
// pane's picture reads (studio.css), so the panes cannot drift apart. ← → choose which
// pane is largest. Without this file the page still shows the items side by side.
(() => {
  const root = document.querySelector("[data-compare]");
  if (!root) return;
  const panes = [...root.querySelectorAll("[data-pane]")];
  const videos = [...root.querySelectorAll("video")];
  const level = root.querySelector("[data-zoom-level]");
  const MIN = 1, MAX = 8;
  let zoom = 1, x = 0, y = 0;  // the pan, in percent of a pane's size

  function apply() {
    zoom = Math.min(MAX, Math.max(MIN, zoom));
    // Scaled about its centre, a picture overhangs its pane by (zoom - 1) / 2 on each side.
    const reach = 50 * (zoom - 1);
    x = Math.min(reach, Math.max(-reach, x));
    y = Math.min(reach, Math.max(-reach, y));
    root.style.setProperty("--zoom", zoom);
    root.style.setProperty("--pan-x", `${x / zoom}%`);
    root.style.setProperty("--pan-y", `${y / zoom}%`);
    root.classList.toggle("zoomed", zoom > 1);
    if (level) level.textContent = `${Math.round(zoom * 100)}%`;
  }

  function zoomBy(factor) {
    zoom *= factor;
    x *= factor;
    y *= factor;
    apply();
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    if (button.dataset.zoom === "in") zoomBy(1.25);
    else if (button.dataset.zoom === "out") zoomBy(0.8);
    else { zoom = 1; x = 0; y = 0; apply(); }
  });

  root.addEventListener("wheel", (event) => {
    if (!event.target.closest("[data-stage]")) return;
    event.preventDefault();
    zoomBy(Math.exp(-event.deltaY * 0.002));
  }, { passive: false });

  // Drag with one pointer to pan; pinch with two to zoom.
  const pointers = new Map();
  let pinch = 0;
  const spread = () => {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y);
  };
  root.addEventListener("pointerdown", (event) => {
    const stage = event.target.closest("[data-stage]");
    if (!stage) return;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY, stage });
    if (pointers.size === 2) pinch = spread();
  });
  root.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const moved = { x: event.clientX, y: event.clientY, stage: last.stage };
    if (pointers.size === 1) {
      x += ((moved.x - last.x) / last.stage.clientWidth) * 100;
      y += ((moved.y - last.y) / last.stage.clientHeight) * 100;
      pointers.set(event.pointerId, moved);
      apply();
    } else if (pointers.size === 2) {
      pointers.set(event.pointerId, moved);
      const now = spread();
      if (pinch > 0) zoomBy(now / pinch);
      pinch = now;
    }
  });
  const release = (event) => { pointers.delete(event.pointerId); pinch = 0; };
  root.addEventListener("pointerup", release);
  root.addEventListener("pointercancel", release);

  // Which pane is largest; only its video is heard.
  let main = 0;
  function show(index) {
    main = (index + panes.length) % panes.length;
    panes.forEach((pane, i) => pane.classList.toggle("is-main", i === main));
    for (const video of videos) video.muted = !panes[main].contains(video);
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select")) return;
    const actions = {
      ArrowRight: () => show(main + 1), ArrowLeft: () => show(main - 1),
      "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8),
      "0": () => { zoom = 1; x = 0; y = 0; apply(); },
    };
    if (!actions[event.key]) return;
    event.preventDefault();
    actions[event.key]();
  });

  // Videos: one Play and one position for all.
  const play = root.querySelector("[data-play]");
  const seek = root.querySelector("[data-seek]");
  if (videos.length) {
    for (const video of videos) {
      video.controls = false;
      video.loop = true;
    }
    show(main);
    play.addEventListener("click", () => {
      const start = videos.some((video) => video.paused);
      for (const video of videos) {
        if (start) video.play().catch(() => {});
        else video.pause();
      }
      play.textContent = start ? "Pause all" : "Play all";
    });
    seek.addEventListener("input", () => {
      for (const video of videos) {
        if (video.duration) video.currentTime = (seek.value / 1000) * video.duration;
      }
    });
    videos[0].addEventListener("timeupdate", () => {
      const lead = videos[0];
      if (lead.duration && document.activeElement !== seek) seek.value = Math.round((lead.currentTime / lead.duration) * 1000);
    });
  }
  apply();
})();
