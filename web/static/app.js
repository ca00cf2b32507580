// Progressive enhancement for forms: commune search by name or postal code,
// and the bureaux of the chosen commune. Pages work without it for staff;
// public forms need it only to find a commune code.
(function () {
  'use strict';

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); var args = arguments; t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  // The list of communes is chosen for the person only when it leaves no
  // doubt: a single commune, or a single one that is exactly what was typed
  // (its name, postal code or INSEE code: "exact" in the answer), which the
  // search puts first. Otherwise ("Paris": 20 arrondissements; "04000":
  // four communes; "Digne": the start of several names) the select stays on
  // a placeholder and the person picks; a form sent without a choice is
  // refused with "Choisissez votre commune." rather than filed under the
  // first commune of the list.
  function chosen(list) {
    if (list.length === 1) { return list[0]; }
    var exact = list.filter(function (c) { return c.exact; });
    return exact.length === 1 && list[0].exact ? list[0] : null;
  }

  document.querySelectorAll('[data-communes]').forEach(function (input) {
    var select = document.getElementById(input.dataset.communes);
    var label = document.querySelector('[data-label-for="' + input.dataset.communes + '"]');
    var asked = 0; // the latest search: an answer to an earlier one that comes late is dropped
    var search = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { return; }
      var n = ++asked;
      fetch('/api/v1/communes?q=' + encodeURIComponent(q))
        .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
        .then(function (list) {
          if (n !== asked) { return; }
          var pick = chosen(list);
          select.innerHTML = '';
          if (!list.length) {
            select.add(new Option('Aucune commune trouvée', ''));
          } else if (!pick) {
            select.add(new Option('— ' + list.length + ' communes\u00a0: choisissez la vôtre —', '', true, true));
          }
          list.forEach(function (c) {
            var text = c.name + ' (' + (c.postal_codes.length ? c.postal_codes.join(', ') : c.code) + ')';
            select.add(new Option(text, c.code, c === pick, c === pick));
          });
          select.dispatchEvent(new Event('change'));
        })
        .catch(function () { /* the list stays as it was; the next keystroke asks again */ });
    }, 200);
    input.addEventListener('input', search);
    select.addEventListener('change', function () {
      if (label) { label.value = select.value && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : ''; }
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
