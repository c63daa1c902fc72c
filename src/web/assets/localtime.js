// Beacon: shows every <time datetime> (written in UTC by the server) in the viewer's own time
// zone as well. The page reads the same without it: the UTC text stays.
(function () {
  'use strict';
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return;
  // (dateStyle and timeStyle cannot be combined with timeZoneName: the parts are named one by one.)
  var withDate = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  var timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i++) {
    var t = times[i];
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d.getTime())) continue;
    var local = document.createElement('span');
    local.className = 'local';
    local.textContent = '(' + (t.classList.contains('clock') ? timeOnly : withDate).format(d) + ')';
    t.title = d.toISOString();
    t.insertAdjacentElement('afterend', local);
  }
  var notes = document.querySelectorAll('.zone-note');
  for (var j = 0; j < notes.length; j++) notes[j].textContent = ' In brackets: your time zone (' + zone + ').';
})();
