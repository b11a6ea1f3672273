// Map pages: hovering or focusing a unit (on the map or in the table) shows its figures in
// the details box and highlights it in both places. The map works without this script:
// every shape has a <title> and the table holds the same figures.
(() => {
  const details = document.getElementById("map-details");
  if (!details) return;
  // translated labels come from the page (data-label-* attributes of the details box)
  const d = details.dataset;
  const labels = {
    index: d.labelIndex, class: d.labelClass, rank: d.labelRank, change: d.labelChange,
    group: d.labelGroup, empty: d.labelEmpty,
  };

  const shapes = (key) => document.querySelectorAll(`.map-unit[data-key="${CSS.escape(key)}"]`);
  const rows = (key) => document.querySelectorAll(`tr[data-key="${CSS.escape(key)}"]`);

  function clear() {
    document.querySelectorAll(".is-active").forEach((el) => el.classList.remove("is-active"));
  }

  function show(unit) {
    clear();
    const key = unit.dataset.key;
    shapes(key).forEach((el) => el.classList.add("is-active"));
    rows(key).forEach((el) => el.classList.add("is-active"));
    details.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = `${unit.dataset.name} (${unit.dataset.code})`;
    details.append(title);
    if (unit.dataset.empty) {
      const p = document.createElement("p");
      p.textContent = labels.empty;
      details.append(p);
    } else {
      const list = document.createElement("dl");
      for (const field of ["index", "class", "rank", "change", "group"]) {
        const value = unit.dataset[field];
        if (!value || value === "–") continue;
        const dt = document.createElement("dt");
        dt.textContent = labels[field];
        const dd = document.createElement("dd");
        dd.textContent = value;
        list.append(dt, dd);
      }
      details.append(list);
    }
    details.hidden = false;
  }

  document.querySelectorAll(".map-unit").forEach((unit) => {
    unit.addEventListener("mouseenter", () => show(unit));
    unit.addEventListener("focus", () => show(unit));
  });
  document.querySelectorAll("tr[data-key]").forEach((row) => {
    row.addEventListener("mouseenter", () => {
      const shape = shapes(row.dataset.key)[0];
      if (shape) show(shape);
    });
  });
})();
