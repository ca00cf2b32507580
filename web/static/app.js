// Progressive enhancement for forms: commune search by name or postal code,
// and the bureaux of the chosen commune. Pages work without it for staff;
// public forms need it only to find a commune code.
(function () {
  'use strict';

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); var args = arguments; t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  document.querySelectorAll('[data-communes]').forEach(function (input) {
    var select = document.getElementById(input.dataset.communes);
    var label = document.querySelector('[data-label-for="' + input.dataset.communes + '"]');
    var search = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { return; }
      fetch('/api/v1/communes?q=' + encodeURIComponent(q))
        .then(function (r) { return r.json(); })
        .then(function (list) {
          select.innerHTML = '';
          if (!list.length) {
            select.add(new Option('Aucune commune trouvée', ''));
          }
          list.forEach(function (c) {
            var text = c.name + ' (' + (c.postal_codes.length ? c.postal_codes.join(', ') : c.code) + ')';
            select.add(new Option(text, c.code));
          });
          select.dispatchEvent(new Event('change'));
        });
    }, 200);
    input.addEventListener('input', search);
    select.addEventListener('change', function () {
      if (label && select.selectedIndex >= 0) { label.value = select.options[select.selectedIndex].text; }
    });
  });

  document.querySelectorAll('[data-bureaux-for]').forEach(function (sel) {
    var commune = document.getElementById(sel.dataset.bureauxFor);
    function load() {
      var keep = sel.dataset.selected || sel.value;
      sel.dataset.selected = '';
      sel.innerHTML = '';
      sel.add(new Option(sel.dataset.empty || 'Je ne sais pas', ''));
      if (!commune.value) { return; }
      fetch('/api/v1/communes/' + encodeURIComponent(commune.value) + '/bureaux')
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) {
          list.forEach(function (b) {
            sel.add(new Option('Bureau ' + b.code + (b.name ? ' – ' + b.name : ''), b.code));
          });
          if (keep) { sel.value = keep; }
          sel.dispatchEvent(new Event('bureaux-loaded'));
        });
    }
    commune.addEventListener('change', load);
    if (commune.value) { load(); }
  });

  // Confirmation for destructive buttons: <button data-confirm="...">.
  document.querySelectorAll('[data-confirm]').forEach(function (btn) {
    btn.addEventListener('click', function (e) {
      if (!window.confirm(btn.dataset.confirm)) { e.preventDefault(); }
    });
  });
})();
