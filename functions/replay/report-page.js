// The replay report's charts: runs in the page, after the inlined uPlot. Reads #replay-data
// (see report-data.ts) and exposes the charts as window.riskguardCharts for tests and the console.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('replay-data').textContent);
  var S = 1e-3; // uPlot's time axis is in seconds
  var C = {
    guard: '#1f6feb', guard60s: '#bf8700', noGuard: '#6e7781', stepPeak: '#8250df', guardPeak: '#0a3069',
    guardThr: '#cf222e', stepThr: '#fa4549', trip: '#cf222e', exit: '#1f6feb', oracle: '#1a7f37', trip60: '#bf8700', liq: '#cf222e',
  };
  var PALETTE = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#cf222e', '#6e7781', '#116329', '#953800', '#a475f9', '#0550ae'];
  var AXIS = { stroke: '#57606a', grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d0d7de', width: 1 }, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' };

  function num(v, d) { return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }); }
  var CUR = D.currency; // the asset the equity is in (report-data.ts)
  function usdt(v) { return v == null ? '—' : num(v, 2) + ' ' + CUR; }
  function utc(sec) { return sec == null ? '—' : new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'; }
  function tzDate(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }
  function pad(u, min, max) {
    var p = (max - min) * 0.1 || Math.abs(max) * 0.01 || 1;
    return [min - p, max + p];
  }
  var stepped = uPlot.paths.stepped({ align: 1 });
  // Time ticks in UTC, 24 h: HH:MM (the date at midnight), with seconds below 10 minutes, with the date beyond a day and a half.
  function timeTicks(u, splits) {
    var span = u.scales.x.max - u.scales.x.min;
    return splits.map(function (s) {
      var iso = new Date(s * 1000).toISOString();
      if (span > 129600) return iso.slice(5, 10) + ' ' + iso.slice(11, 16);
      if (span < 600) return iso.slice(11, 19);
      return iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
    });
  }
  var X_AXIS = Object.assign({ label: 'time (UTC)', labelSize: 22, space: 90, values: timeTicks }, AXIS);

  // ---- equity --------------------------------------------------------------------------------
  var byKey = {};
  D.equity.series.forEach(function (s) { byKey[s.key] = s; });
  var x = D.equity.t.map(function (t) { return t * S; });
  var data = [x];
  var series = [{ label: 'time (UTC)', value: function (u, v) { return utc(v); } }];
  var isStepped = [false];
  function add(key, label, values, style, step) {
    data.push(values);
    series.push(Object.assign({ label: label, value: function (u, v) { return usdt(v); }, points: { show: false } }, style, step ? { paths: stepped } : {}));
    isStepped.push(!!step);
  }
  add('guard', byKey.guard.label, byKey.guard.values, { stroke: C.guard, width: 2 });
  if (byKey.guard60s) add('guard60s', byKey.guard60s.label, byKey.guard60s.values, { stroke: C.guard60s, width: 1.5, dash: [6, 3] });
  add('noGuard', byKey.noGuard.label, byKey.noGuard.values, { stroke: C.noGuard, width: 1.5 });
  add('stepPeak', byKey.stepPeak.label, byKey.stepPeak.values, { stroke: C.stepPeak, width: 1.2 });
  add('guardPeak', byKey.guardPeak.label, byKey.guardPeak.values, { stroke: C.guardPeak, width: 1.5, dash: [4, 3] }, true);
  if (D.threshold != null) {
    var k = 1 - D.threshold;
    var pct = Math.round(D.threshold * 1000) / 10 + ' %';
    var below = function (vs) { return vs.map(function (p) { return p == null ? null : Math.round(p * k * 100) / 100; }); };
    add('guardThr', pct + " below the guard's peak (its trip line)", below(byKey.guardPeak.values), { stroke: C.guardThr, width: 1.5, dash: [3, 3] }, true);
    add('stepThr', pct + ' below the peak per step', below(byKey.stepPeak.values), { stroke: C.stepThr, width: 1, dash: [1, 3] });
  }

  // Markers and their labels: each label goes to the nearest free spot, clear of every line.
  function boxHitsSeries(u, box) {
    var bb = u.bbox, pr = uPlot.pxRatio, hits = [];
    var v0 = u.posToVal((box.l - bb.left) / pr, 'x');
    var v1 = u.posToVal((box.r - bb.left) / pr, 'x');
    var xs = u.data[0];
    var i0 = Math.max(0, lowerIdx(xs, v0) - 1);
    var i1 = Math.min(xs.length - 1, lowerIdx(xs, v1) + 1);
    for (var s = 1; s < u.series.length; s++) {
      if (!u.series[s].show) continue;
      var ys = u.data[s];
      for (var i = i0; i < i1; i++) {
        if (ys[i] == null || ys[i + 1] == null) continue;
        var ax = u.valToPos(xs[i], 'x', true), bx = u.valToPos(xs[i + 1], 'x', true);
        var ay = u.valToPos(ys[i], 'y', true), by = u.valToPos(ys[i + 1], 'y', true);
        var hit = isStepped[s]
          ? segHits(box, ax, ay, bx, ay) || segHits(box, bx, ay, bx, by)
          : segHits(box, ax, ay, bx, by);
        if (hit) { hits.push(u.series[s].label); break; }
      }
    }
    return hits;
  }
  function lowerIdx(xs, v) { // last index with xs[i] <= v, 0 when none
    var lo = 0, hi = xs.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (xs[mid] <= v) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function segHits(b, ax, ay, bx, by) { // does segment a→b pass through box b?
    var l = Math.max(b.l, Math.min(ax, bx)), r = Math.min(b.r, Math.max(ax, bx));
    if (l > r) return false;
    var yAt = function (px) { return bx === ax ? null : ay + (by - ay) * (px - ax) / (bx - ax); };
    var y0 = bx === ax ? Math.min(ay, by) : yAt(l), y1 = bx === ax ? Math.max(ay, by) : yAt(r);
    return Math.max(y0, y1) >= b.t && Math.min(y0, y1) <= b.b;
  }
  function overlaps(a, b) { return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b; }
  function glyph(ctx, kind, cx, cy, pr) {
    var r = 5 * pr;
    ctx.lineWidth = 2 * pr;
    ctx.beginPath();
    if (kind === 'trip') { ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.fillStyle = C.trip; ctx.fill(); ctx.strokeStyle = '#fff'; ctx.stroke(); }
    else if (kind === 'exit') { ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.fillStyle = '#fff'; ctx.fill(); ctx.strokeStyle = C.exit; ctx.lineWidth = 2.5 * pr; ctx.stroke(); }
    else if (kind === 'oracle') { ctx.moveTo(cx, cy - r - pr); ctx.lineTo(cx + r + pr, cy); ctx.lineTo(cx, cy + r + pr); ctx.lineTo(cx - r - pr, cy); ctx.closePath(); ctx.fillStyle = C.oracle; ctx.fill(); ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5 * pr; ctx.stroke(); }
    else if (kind === 'trip60') { ctx.rect(cx - 4 * pr, cy - 4 * pr, 8 * pr, 8 * pr); ctx.fillStyle = C.trip60; ctx.fill(); ctx.strokeStyle = '#fff'; ctx.lineWidth = pr; ctx.stroke(); }
    else { ctx.moveTo(cx - r, cy - r); ctx.lineTo(cx + r, cy + r); ctx.moveTo(cx - r, cy + r); ctx.lineTo(cx + r, cy - r); ctx.strokeStyle = C.liq; ctx.lineWidth = 2.5 * pr; ctx.stroke(); }
  }
  var DYS = [];
  for (var d = 0; d <= 200; d += 12) DYS.push(-d - 22, d + 8);
  function drawMarkers(u) {
    var ctx = u.ctx, pr = uPlot.pxRatio, bb = u.bbox;
    var xmin = u.scales.x.min, xmax = u.scales.x.max;
    var vis = D.markers.filter(function (m) { return m.t * S >= xmin && m.t * S <= xmax; });
    var taken = [], placed = [];
    ctx.save();
    vis.forEach(function (m) {
      m.cx = u.valToPos(m.t * S, 'x', true);
      m.cy = u.valToPos(m.v, 'y', true);
      glyph(ctx, m.kind, m.cx, m.cy, pr);
      taken.push({ l: m.cx - 7 * pr, r: m.cx + 7 * pr, t: m.cy - 7 * pr, b: m.cy + 7 * pr });
    });
    ctx.font = (12 * pr) + 'px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    vis.forEach(function (m) {
      var w = ctx.measureText(m.label).width + 8 * pr, h = 16 * pr, best = null;
      for (var i = 0; i < DYS.length && !(best && best.hits.length === 0 && !best.overlap); i++) {
        var dxs = [10 * pr, -10 * pr - w, -w / 2];
        for (var j = 0; j < dxs.length; j++) {
          var box = { l: m.cx + dxs[j], t: m.cy + DYS[i] * pr, r: 0, b: 0 };
          box.r = box.l + w; box.b = box.t + h;
          if (box.l < bb.left || box.r > bb.left + bb.width || box.t < bb.top || box.b > bb.top + bb.height) continue;
          var grown = { l: box.l - 2 * pr, r: box.r + 2 * pr, t: box.t - 2 * pr, b: box.b + 2 * pr };
          var hits = boxHitsSeries(u, grown);
          var overlap = taken.some(function (o) { return overlaps(o, grown); });
          var score = hits.length * 10 + (overlap ? 5 : 0);
          if (best === null || score < best.score) best = { box: box, hits: hits, overlap: overlap, score: score, dy: DYS[i] };
          if (score === 0) break;
        }
      }
      if (best === null) return;
      var b = best.box;
      if (Math.abs(best.dy) > 22) { // a leader from the marker to the label
        ctx.beginPath(); ctx.strokeStyle = '#8c959f'; ctx.lineWidth = pr; ctx.setLineDash([2 * pr, 2 * pr]);
        ctx.moveTo(m.cx, m.cy); ctx.lineTo(Math.min(Math.max(m.cx, b.l), b.r), b.t > m.cy ? b.t : b.b); ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.fillStyle = 'rgba(255,255,255,0.92)'; ctx.fillRect(b.l, b.t, b.r - b.l, b.b - b.t);
      ctx.fillStyle = '#1f2328'; ctx.fillText(m.label, b.l + 4 * pr, (b.t + b.b) / 2);
      taken.push(b);
      placed.push({ label: m.label, kind: m.kind, hits: best.hits, overlap: best.overlap });
    });
    ctx.restore();
    u.labels = placed;
  }

  var charts = [];
  function showing(u) {
    var el = document.getElementById('range-now');
    if (el && u === charts[0]) el.textContent = utc(u.scales.x.min) + ' → ' + utc(u.scales.x.max);
  }
  function make(el, opts, d) {
    var u = new uPlot(Object.assign({
      width: Math.max(320, el.clientWidth), height: opts.height || 400, tzDate: tzDate,
      cursor: { sync: { key: 'replay' }, drag: { x: true, y: false } },
      legend: { live: true },
    }, opts, { hooks: Object.assign({ setScale: [function (u, key) { if (key === 'x') showing(u); }] }, opts.hooks || {}) }), d, el);
    charts.push(u);
    return u;
  }

  var equity = make(document.getElementById('chart-equity'), {
    series: series,
    scales: { x: { time: true }, y: { range: pad } },
    axes: [X_AXIS,
      Object.assign({ label: 'equity (' + CUR + ')', labelSize: 22, size: 74, values: function (u, vs) { return vs.map(function (v) { return num(v, 0); }); } }, AXIS)],
    hooks: { draw: [drawMarkers] },
  }, data);

  // ---- prices --------------------------------------------------------------------------------
  var prices = null;
  var pel = document.getElementById('chart-prices');
  if (pel && D.prices.symbols.length) {
    var pdata = [D.prices.t.map(function (t) { return t * S; })].concat(D.prices.values);
    var pseries = [{ label: 'time (UTC)', value: function (u, v) { return utc(v); } }].concat(D.prices.symbols.map(function (s, i) {
      return { label: s + ' mark, % from the start', stroke: PALETTE[i % PALETTE.length], width: 1.2, points: { show: false }, value: function (u, v) { return v == null ? '—' : num(v, 2) + ' %'; } };
    }));
    prices = make(pel, {
      height: 260, series: pseries,
      scales: { x: { time: true }, y: { range: pad } },
      axes: [X_AXIS,
        Object.assign({ label: 'change from the start (%)', labelSize: 22, size: 74, values: function (u, vs) { return vs.map(function (v) { return num(v, 1) + ' %'; }); } }, AXIS)],
    }, pdata);
  }

  // ---- the window: around the action by default, the whole replay on demand --------------------
  var full = false;
  var btn = document.getElementById('range-toggle');
  function view(r) { charts.forEach(function (u) { u.setScale('x', { min: r[0] * S, max: r[1] * S }); }); }
  if (D.focus[0] <= D.full[0] && D.focus[1] >= D.full[1]) {
    btn.disabled = true;
    btn.textContent = 'The whole replay is shown';
  } else {
    view(D.focus);
    btn.addEventListener('click', function () {
      full = !full;
      view(full ? D.full : D.focus);
      btn.textContent = full ? 'Show around ' + D.focusOn : 'Show the full window';
      btn.setAttribute('aria-pressed', String(full));
    });
  }
  showing(equity);

  window.addEventListener('resize', function () {
    charts.forEach(function (u) { u.setSize({ width: Math.max(320, u.root.parentNode.clientWidth), height: u.height }); });
  });
  // For tests and the console: the charts, and which lines cross a box (canvas pixels) of the equity chart.
  window.riskguardCharts = { equity: equity, prices: prices, linesThrough: function (box) { return boxHitsSeries(equity, box); } };
})();
