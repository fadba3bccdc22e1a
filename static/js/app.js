// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Tell screen-reader users that results changed, and keep focus predictable.
  var live = document.getElementById("live-status");
  var target = event.detail && event.detail.target;
  if (live && target && target.dataset && target.dataset.announce) {
    live.textContent = target.dataset.announce;
  }
});

// htmx re-renders a region (search results after a filter change or a queued search) while a
// keyboard user may be inside it. htmx itself gives focus back only to an element with an id; for
// the others remember "the n-th focusable element inside the nearest element with an id" and focus
// it again after the swap, so the user is not thrown back to the top of the page.
(function () {
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  var remembered = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail && event.detail.target;
    remembered = null;
    if (!active || active === document.body || active.id || !target || !target.contains(active)) {
      return;
    }
    var anchor = active.parentElement && active.parentElement.closest("[id]");
    if (anchor) {
      remembered = {id: anchor.id, index: Array.prototype.indexOf.call(anchor.querySelectorAll(FOCUSABLE), active)};
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var wanted = remembered;
    remembered = null;
    if (!wanted || wanted.index < 0 || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var anchor = document.getElementById(wanted.id);
    var element = anchor && anchor.querySelectorAll(FOCUSABLE)[wanted.index];
    if (element) {
      element.focus();
    }
  });
})();

// "Toon meer" (search results): after the longer list arrives, focus moves to the tick of the first
// result that was not shown before, so a keyboard or screen-reader user reads on from there.
document.addEventListener("htmx:afterSettle", function (event) {
  var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
  var wanted = trigger && trigger.dataset && trigger.dataset.focusAfter;
  var element = wanted && document.getElementById(wanted);
  if (element) {
    element.focus();
  }
});
