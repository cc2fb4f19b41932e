// Index filters: show the form (hidden without JavaScript, where the full list stays) and hide the rows that
// do not match every chosen value.
for (const form of document.querySelectorAll("form.portal-filters")) {
  const rows = [...document.querySelectorAll("table.portal-list tbody tr")];
  const count = form.querySelector(".portal-filter-count");
  const apply = () => {
    const chosen = [...form.querySelectorAll("select[data-filter]")].filter((s) => s.value);
    let shown = 0;
    for (const row of rows) {
      const match = chosen.every((s) =>
        (row.getAttribute("data-filter-" + s.dataset.filter) || "").split("\n").includes(s.value),
      );
      row.hidden = !match;
      shown += match ? 1 : 0;
    }
    count.textContent = shown + " shown";
  };
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.hidden = false;
}
