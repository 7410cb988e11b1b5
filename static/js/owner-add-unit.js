/* Used by templates/owners/owner_detail.html. */
// The reason only applies to a transfer: hide it for a co-owner.
(function () {
  var form = document.querySelector('#add-unit form');
  var reason = document.getElementById('reason-col');
  if (!form || !reason) return;
  function sync() {
    var checked = form.querySelector('input[name="mode"]:checked');
    reason.hidden = checked && checked.value === 'co_owner';
  }
  form.addEventListener('change', sync);
  sync();
})();
