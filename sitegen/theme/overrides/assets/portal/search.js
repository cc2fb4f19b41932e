// The search page: Pagefind's UI over the index built beside the pages, loaded from this site only.
const element = document.getElementById("search");
if (element && window.PagefindUI) {
  new PagefindUI({ element: "#search", bundlePath: element.dataset.bundle, showImages: false, resetStyles: false });
}
