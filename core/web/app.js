// intake serve: the only script (CSP script-src 'self'; no inline script).
// Progressive: every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var q = document.getElementById('q');
  var sort = document.getElementById('sort');
  // "/" focuses the query box, as on most search pages.
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== q && q) {
      e.preventDefault();
      q.focus();
      q.select();
    }
  });
  // Changing the order searches again.
  if (sort && q && q.value) {
    sort.addEventListener('change', function () { sort.form.submit(); });
  }
});
