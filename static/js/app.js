// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Tell screen-reader users that results changed, and keep focus predictable.
  var live = document.getElementById("live-status");
  var target = event.detail && event.detail.target;
  if (live && target && target.dataset && target.dataset.announce) {
    live.textContent = target.dataset.announce;
  }
});
