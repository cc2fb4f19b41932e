// The search page: Pagefind's own API, loaded from this site on the first query, so that a query fetches only
// the index chunks and result fragments it needs. Results are written as text: nothing from the index is HTML.
const form = document.getElementById("search");
if (form) {
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const root = new URL(form.dataset.root, location).pathname;
  let pagefind = null;
  const show = async () => {
    if (!pagefind) {
      try {
        pagefind = await import(new URL(form.dataset.bundle + "pagefind.js", location).href);
      } catch {
        // A catalog with nothing to search has no index.
        status.textContent = "There is no search index: nothing in the catalog is searchable.";
        return;
      }
      await pagefind.options({ baseUrl: root });
    }
    // Names are hyphenated (ws-11, team-11/ws-11): Pagefind would read "ws-11" as the one prefix "ws11", which
    // every workspace matches; as separate words the name's own page ranks first.
    const search = await pagefind.debouncedSearch(input.value.trim().replace(/[-/_.]+/g, " "), {}, 150);
    if (search === null) return; // a newer query superseded this one
    const found = await Promise.all(search.results.slice(0, 10).map((result) => result.data()));
    list.replaceChildren(
      ...found.map((page) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = page.url;
        link.textContent = page.meta.title || page.url;
        const excerpt = document.createElement("p");
        excerpt.textContent = new DOMParser().parseFromString(page.excerpt, "text/html").body.textContent;
        item.append(link, excerpt);
        return item;
      }),
    );
    status.textContent = input.value.trim() ? `${search.results.length} result(s)` : "";
  };
  input.addEventListener("input", show);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  form.hidden = false;
  const query = new URLSearchParams(location.search).get("q");
  if (query) {
    input.value = query;
    show();
  }
}
