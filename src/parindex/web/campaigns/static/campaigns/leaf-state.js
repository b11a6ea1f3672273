// After an autosave, htmx swaps only the leaf's status line; the leaf's frame (filled,
// missing, not applicable) follows the state the server put in that status line.
document.addEventListener("htmx:afterSwap", (event) => {
  const marker = event.detail.target.querySelector("[data-leaf-state]");
  const leaf = event.detail.target.closest("section.leaf");
  if (!marker || !leaf) return;
  leaf.classList.remove("leaf--na", "leaf--filled", "leaf--missing");
  if (marker.dataset.leafState) leaf.classList.add(`leaf--${marker.dataset.leafState}`);
});
