// The desk's queue refreshes itself: the table part of the page, fetched again every few
// seconds (same session cookie); nothing else, no library.
(function () {
  var queue = document.getElementById("queue");
  if (!queue) return;
  var seconds = parseInt(queue.dataset.refresh, 10) || 15;
  setInterval(function () {
    fetch(queue.dataset.src, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) queue.innerHTML = html; })
      .catch(function () {});
  }, seconds * 1000);
})();
