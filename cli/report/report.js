/*
 * report.js - pardo report's page: reads the records pardo embedded (one
 * <script> element of JSON Lines per command) and draws every chart with
 * vega-embed from a Vega-Lite (or, for the dendrogram, Vega) specification.
 * When every chart is drawn, <html data-rendered="N"> holds their number
 * (data-failed the first error): the browser tests wait for it.
 */
(function () {
  'use strict';

  var FINGERPRINTS = ['ly_per_10k', 'exclam_per_100k', 'sentence_mean', 'ttr', 'mattr', 'mtld'];
  var UNKNOWN = '(unknown)';
  var NOLABEL = 'all texts';

  function text(id) {
    var el = document.getElementById(id);
    return el ? el.textContent : '';
  }
  function jsonl(id) {
    return text(id).split('\n').filter(function (l) { return l.trim() !== ''; })
      .map(function (l) { return JSON.parse(l); });
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  /* What a feature is, in the plural: words, word 2-grams, character 3-grams. */
  function featureName() {
    if (meta.features === 'chars') return 'character ' + meta.ngram + '-grams';
    return meta.ngram > 1 ? 'word ' + meta.ngram + '-grams' : 'words';
  }

  function base(path) {
    var i = path.lastIndexOf('/');
    return i < 0 ? path : path.slice(i + 1);
  }
  var BASE = "slice(datum.value, lastindexof(datum.value, '/') + 1)";

  var meta = JSON.parse(text('pardo-meta'));
  var stats = jsonl('pardo-stats');
  var labels = jsonl('pardo-labels');
  var favorites = jsonl('pardo-favorites');
  var loo = jsonl('pardo-loo');
  var grid = jsonl('pardo-grid');
  var unknown = jsonl('pardo-unknown');
  var matrix = jsonl('pardo-matrix');

  var labelOf = {};
  labels.forEach(function (r) { labelOf[r.path] = r.label; });
  var haveLabels = labels.length > 0;
  var read = stats.filter(function (r) { return !('error' in r); });
  var failed = stats.filter(function (r) { return 'error' in r; });

  var main = document.getElementById('report');
  var pending = [];

  function section(id, title) {
    var s = el('section', { id: id }, [el('h2', { text: title })]);
    main.appendChild(s);
    return s;
  }
  function why(parent, sentence) {
    parent.appendChild(el('p', { class: 'why', text: sentence }));
  }
  /* The records behind a section, as pardo printed them, to copy out. */
  function dataBox(parent, ids) {
    ids.forEach(function (id) {
      var pre = el('pre');
      var d = el('details', { class: 'data' },
                 [el('summary', { text: 'Records (JSON Lines): ' + id.replace('pardo-', '') }), pre]);
      d.addEventListener('toggle', function () {
        if (d.open && !pre.textContent) pre.textContent = text(id);
      });
      parent.appendChild(d);
    });
  }
  function chart(parent, name, spec) {
    var box = el('div', { class: 'chart', 'data-chart': name });
    parent.appendChild(box);
    pending.push(vegaEmbed(box, spec, { renderer: 'svg', actions: false })
      .then(function (res) { return res.view.runAsync(); }));
  }
  function vl(spec) {
    spec.$schema = 'https://vega.github.io/schema/vega-lite/v6.json';
    spec.config = Object.assign({ view: { stroke: '#ccc' }, axis: { labelLimit: 220 } },
                                spec.config || {});
    return spec;
  }

  /* ---- 1. corpus ---------------------------------------------------------- */

  function corpusSection() {
    var s = section('corpus', '1. Corpus');
    var words = read.reduce(function (n, r) { return n + (r.words || 0); }, 0);
    s.appendChild(el('p', { text: stats.length + ' files, ' + read.length + ' read, ' +
      failed.length + ' failed; ' + words.toLocaleString('en') + ' words.' +
      (haveLabels ? ' ' + labels.length + ' known texts from ' + meta.known + '.' : '') }));
    if (failed.length) {
      s.appendChild(el('h3', { text: 'Failed files' }));
      s.appendChild(el('ul', { class: 'failed' }, failed.map(function (r) {
        return el('li', { text: r.path + ': ' + r.error });
      })));
    }
    var cols = [];
    stats.forEach(function (r) {
      Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); });
    });
    if (haveLabels) cols.splice(1, 0, 'label');
    var rows = stats.map(function (r) {
      var o = Object.assign({}, r);
      if (haveLabels) o.label = labelOf[r.path] || UNKNOWN;
      return o;
    });
    var table = el('table', { class: 'records', id: 'stats-table' });
    var head = el('tr', {}, cols.map(function (c) { return el('th', { text: c, scope: 'col' }); }));
    var body = el('tbody');
    table.appendChild(el('thead', {}, [head]));
    table.appendChild(body);
    function fill() {
      body.textContent = '';
      rows.forEach(function (r) {
        body.appendChild(el('tr', 'error' in r ? { class: 'failed' } : {}, cols.map(function (c) {
          var v = r[c];
          return el('td', { class: typeof v === 'number' ? 'num' : 'text',
                            text: v === undefined || v === null ? '' : String(v) });
        })));
      });
    }
    Array.prototype.forEach.call(head.children, function (th, i) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(head.children, function (t) { t.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        var c = cols[i];
        rows.sort(function (a, b) {
          var x = a[c], y = b[c];
          if (x === y) return 0;
          if (x === undefined || x === null) return 1;
          if (y === undefined || y === null) return -1;
          return (x < y ? -1 : 1) * dir;
        });
        fill();
      });
    });
    fill();
    s.appendChild(el('div', { class: 'tablebox' }, [table]));
    dataBox(s, ['pardo-stats']);
  }

  /* ---- 2. fingerprints ------------------------------------------------------ */

  function fingerprintSection() {
    var s = section('fingerprints', '2. Fingerprints' + (haveLabels ? ' by author' : ''));
    var withWords = read.filter(function (r) { return r.words > 0; });
    if (!withWords.length) {
      why(s, 'Left out: no text has words.');
      return;
    }
    if (!haveLabels)
      why(s, 'No LABELS file (--known): every text is in one group.');
    /* a field is drawn when some text has a value: mattr is null for every
       text shorter than its window, and then a sentence says so */
    var fields = FINGERPRINTS.filter(function (f) {
      return withWords.some(function (r) { return r[f] !== null && r[f] !== undefined; });
    });
    FINGERPRINTS.forEach(function (f) {
      if (fields.indexOf(f) < 0 && withWords.some(function (r) { return f in r; }))
        why(s, 'No ' + f + ' panel: no text has a value for it (null where spec section 9 ' +
               'says, e.g. mattr for a text shorter than its window).');
    });
    var points = [];
    withWords.forEach(function (r) {
      var label = haveLabels ? (labelOf[r.path] || UNKNOWN) : NOLABEL;
      fields.forEach(function (f) {
        if (r[f] !== null && r[f] !== undefined)
          points.push({ path: r.path, file: base(r.path), label: label,
                        text: label === UNKNOWN ? 'unknown' : 'known', field: f, value: r[f] });
      });
    });
    var groups = {};
    points.forEach(function (p) { groups[p.label] = 1; });
    var order = Object.keys(groups).filter(function (g) { return g !== UNKNOWN; }).sort();
    if (groups[UNKNOWN]) order.push(UNKNOWN);
    var ngroups = order.length;
    var box = el('div', { class: 'charts' });
    s.appendChild(box);
    fields.forEach(function (f) {
      var data = points.filter(function (p) { return p.field === f; });
      chart(box, 'fingerprint-' + f, vl({
        title: f,
        width: 380,
        height: Math.max(60, 18 * ngroups),
        data: { values: data },
        encoding: {
          y: { field: 'label', type: 'nominal', title: haveLabels ? 'label' : null,
               sort: order },
          x: { field: 'value', type: 'quantitative', title: f, scale: { zero: false } }
        },
        layer: [
          { mark: { type: 'point', filled: true, size: 45, opacity: 0.75 },
            encoding: {
              color: { field: 'label', type: 'nominal', legend: null, scale: { scheme: 'tableau20' } },
              shape: { field: 'text', type: 'nominal',
                       scale: { domain: ['known', 'unknown'], range: ['circle', 'cross'] },
                       legend: haveLabels ? { title: 'text' } : null },
              tooltip: [{ field: 'file', title: 'file' }, { field: 'path', title: 'path' },
                        { field: 'label', title: 'label' }, { field: 'value', title: f }]
            } },
          { transform: [{ filter: "datum.label !== '" + UNKNOWN + "'" }],
            mark: { type: 'tick', color: '#000', thickness: 2, size: 16 },
            encoding: { x: { aggregate: 'median', field: 'value', type: 'quantitative' },
                        tooltip: [{ field: 'label', title: 'label' },
                                  { aggregate: 'median', field: 'value', title: 'median' }] } }
        ]
      }));
    });
    s.appendChild(el('p', { text: 'Every text is a point (a cross for an unknown text); the black tick is the median of the ' + (haveLabels ? 'author\u2019s' : '') + ' texts.' }));
    dataBox(s, ['pardo-stats']);
  }

  /* ---- 3. favourite words ----------------------------------------------------- */

  function favoritesSection() {
    var s = section('favorites', '3. Favourite words');
    if (!haveLabels) {
      why(s, 'Left out: favourite words are per label, and no LABELS file (--known) was given.');
      return;
    }
    var rows = [];
    favorites.forEach(function (r) {
      r.words.forEach(function (w, i) {
        rows.push({ label: r.label, rank: i + 1, word: w[0], ratio: w[1], count: w[2],
                    other: w[3], in_texts: w[4] });
      });
    });
    if (!rows.length) {
      why(s, 'Left out: no label has a word that qualifies.');
      return;
    }
    s.appendChild(el('p', { text: 'Each label\u2019s ' + meta.favorites + ' favourite words (words --favorites): how many times more often its texts use the word than the other labels\u2019 texts do.' }));
    chart(s, 'favorites', vl({
      data: { values: rows },
      facet: { field: 'label', type: 'nominal', title: null },
      columns: 4,
      spec: {
        width: 170, height: { step: 13 },
        mark: 'bar',
        encoding: {
          y: { field: 'word', type: 'nominal', sort: { field: 'rank' }, title: null },
          x: { field: 'ratio', type: 'quantitative', title: 'ratio' },
          color: { field: 'label', type: 'nominal', legend: null },
          tooltip: [{ field: 'word' }, { field: 'ratio' }, { field: 'count' },
                    { field: 'other' }, { field: 'in_texts' }]
        }
      },
      resolve: { scale: { y: 'independent', x: 'independent' } }
    }));
    dataBox(s, ['pardo-favorites']);
  }

  /* ---- 4. attribution ----------------------------------------------------------- */

  function attributionSection() {
    var s = section('attribution', '4. Attribution');
    if (!haveLabels) {
      why(s, 'Left out: attribution needs known texts, and no LABELS file (--known) was given.');
      return;
    }
    s.appendChild(el('h3', { text: 'Leave-one-out accuracy' }));
    chart(s, 'loo-grid', vl({
      width: 420, height: 240,
      data: { values: grid },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'mfw', type: 'quantitative', scale: { type: 'log', nice: false, padding: 12 }, title: 'most frequent ' + featureName() + ' (MFW)',
             axis: { values: grid.map(function (g) { return g.mfw; }) } },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
        color: { field: 'delta', type: 'nominal', title: 'delta' },
        strokeDash: { field: 'delta', type: 'nominal', title: 'delta' },
        tooltip: [{ field: 'mfw' }, { field: 'delta' }, { field: 'correct' }, { field: 'texts' },
                  { field: 'accuracy' }]
      }
    }));
    dataBox(s, ['pardo-grid']);

    var folds = loo.filter(function (r) { return 'path' in r; });
    var summary = loo.filter(function (r) { return r.loo; })[0];
    s.appendChild(el('h3', { text: 'Confusion matrix (MFW ' + meta.mfw + ', ' + meta.delta + ')' +
      (summary ? ': ' + summary.correct + ' of ' + summary.texts + ' right' : '') }));
    chart(s, 'confusion', vl({
      data: { values: folds.map(function (r) {
        return { path: r.path, label: r.label, nearest: r.nearest === null ? '(none)' : r.nearest };
      }) },
      transform: [{ aggregate: [{ op: 'count', as: 'texts' }], groupby: ['label', 'nearest'] }],
      encoding: {
        x: { field: 'nearest', type: 'nominal', title: 'attributed to' },
        y: { field: 'label', type: 'nominal', title: 'author' }
      },
      layer: [
        { mark: 'rect',
          encoding: { color: { field: 'texts', type: 'quantitative', scale: { scheme: 'blues' } },
                      tooltip: [{ field: 'label' }, { field: 'nearest' }, { field: 'texts' }] } },
        { mark: { type: 'text', fontSize: 10 },
          encoding: { text: { field: 'texts', type: 'quantitative' },
                      color: { condition: { test: 'datum.texts > 3', value: 'white' }, value: 'black' } } }
      ],
      config: { axis: { labelLimit: 160 }, view: { step: 20 } }
    }));
    dataBox(s, ['pardo-loo']);

    s.appendChild(el('h3', { text: 'Unknown texts' }));
    var ok = unknown.filter(function (r) { return r.distances && Object.keys(r.distances).length; });
    unknown.filter(function (r) { return !ok.includes(r); }).forEach(function (r) {
      s.appendChild(el('p', { class: 'why', text: r.path + ': ' + (r.error ? r.error : 'no words, not attributed') }));
    });
    if (!ok.length) {
      why(s, unknown.length ? 'No unknown text could be attributed.' :
        'Left out: no unknown text was given (PATHs that are not in the LABELS file).');
      return;
    }
    var rows = [];
    ok.forEach(function (r) {
      Object.keys(r.distances).forEach(function (l) {
        rows.push({ path: r.path, file: base(r.path), author: l, distance: r.distances[l],
                    nearest: l === r.nearest ? 'nearest' : 'other' });
      });
    });
    chart(s, 'unknown', vl({
      data: { values: rows },
      facet: { field: 'file', type: 'nominal', title: null },
      columns: 3,
      spec: {
        width: 240, height: { step: 12 },
        mark: 'bar',
        encoding: {
          y: { field: 'author', type: 'nominal', sort: { field: 'distance' }, title: null },
          x: { field: 'distance', type: 'quantitative', title: meta.delta + ' distance' },
          color: { field: 'nearest', type: 'nominal', scale: { domain: ['nearest', 'other'], range: ['#d62728', '#9ecae1'] }, legend: null },
          tooltip: [{ field: 'path' }, { field: 'author' }, { field: 'distance' }]
        }
      },
      resolve: { scale: { y: 'independent' } }
    }));
    dataBox(s, ['pardo-unknown']);
  }

  /* ---- 5. clustering ---------------------------------------------------------------- */

  /* A Newick line into a node table: {id, parent, name, length}, the root
   * first (parent null), children in their order in the tree. */
  function parseNewick(s) {
    var nodes = [], i = 0;
    function fail(what) { throw new Error('Newick: ' + what + ' at ' + i); }
    function name() {
      if (s[i] === "'") {
        var out = '';
        for (i++; ; i++) {
          if (i >= s.length) fail('unterminated quote');
          if (s[i] === "'") {
            if (s[i + 1] === "'") { out += "'"; i++; } else { i++; return out; }
          } else {
            out += s[i];
          }
        }
      }
      var start = i;
      while (i < s.length && ':,();'.indexOf(s[i]) < 0) i++;
      return s.slice(start, i).trim();
    }
    function node(parent) {
      var n = { id: nodes.length, parent: parent, name: null, length: 0 };
      nodes.push(n);
      if (s[i] === '(') {
        do { i++; node(n.id); } while (s[i] === ',');
        if (s[i] !== ')') fail('expected )');
        i++;
      }
      var nm = name();
      n.name = nm === '' ? null : nm;
      if (s[i] === ':') {
        i++;
        var start = i;
        while (i < s.length && ',();'.indexOf(s[i]) < 0) i++;
        n.length = Number(s.slice(start, i));
        if (isNaN(n.length)) fail('bad length');
      }
    }
    s = s.trim();
    node(null);
    if (s[i] !== ';') fail('expected ;');
    return nodes;
  }

  /* Heights: a leaf 0, a node the distance from it down to its leaves. */
  function heights(nodes) {
    var depth = nodes.map(function () { return 0; });
    nodes.forEach(function (n) { if (n.parent !== null) depth[n.id] = depth[n.parent] + n.length; });
    var top = Math.max.apply(null, depth);
    nodes.forEach(function (n) { n.height = Math.max(0, top - depth[n.id]); n.hfrac = top > 0 ? n.height / top : 0; });
    return top;
  }

  function leafOrder(nodes) {
    var kids = {}, order = [];
    nodes.forEach(function (n) { if (n.parent !== null) (kids[n.parent] = kids[n.parent] || []).push(n.id); });
    (function walk(id) {
      if (!kids[id]) order.push(nodes[id].name);
      else kids[id].forEach(walk);
    })(0);
    return order;
  }

  function clusterSection() {
    var s = section('clustering', '5. Clustering');
    if (meta.tree === null) {
      why(s, 'Left out: ' + meta.cluster_missing);
      return;
    }
    var nodes = parseNewick(meta.tree);
    var top = heights(nodes);
    var leaves = leafOrder(nodes);
    if (leaves.length < 2) {
      why(s, 'Left out: clustering needs two texts or more, and there is ' + leaves.length + '.');
      return;
    }
    var labelled = nodes.map(function (n) {
      return Object.assign({}, n, { file: n.name === null ? '' : base(n.name),
                                    label: n.name === null ? '' : (labelOf[n.name] || '') });
    });
    var h = Math.max(80, leaves.length * 14), w = 520, labelSpace = 200;
    s.appendChild(el('p', { text: leaves.length + ' texts' +
      (meta.sample_size ? ' (samples of ' + meta.sample_size + ' words)' : '') + ', the ' + meta.mfw +
      ' most frequent ' + featureName() + ', ' + meta.delta + ' distance, ' + meta.linkage +
      ' linkage (pardo cluster).' }));
    var box = el('div', { class: 'charts' });
    s.appendChild(box);
    chart(box, 'dendrogram', {
      $schema: 'https://vega.github.io/schema/vega/v6.json',
      width: w, height: h, padding: 5,
      signals: [{ name: 'tw', update: 'width - ' + labelSpace }],
      data: [
        { name: 'tree', values: labelled, transform: [
          { type: 'stratify', key: 'id', parentKey: 'parent' },
          { type: 'tree', method: 'cluster', separation: false,
            size: [{ signal: 'height' }, { signal: 'width' }],
            as: ['y', 'tx', 'depth', 'children'] },
          { type: 'formula', expr: '(1 - datum.hfrac) * tw', as: 'x' }
        ] },
        { name: 'links', source: 'tree', transform: [
          { type: 'treelinks' },
          { type: 'linkpath', orient: 'horizontal', shape: 'orthogonal',
            sourceX: 'source.x', sourceY: 'source.y', targetX: 'target.x', targetY: 'target.y' }
        ] }
      ],
      scales: [
        { name: 'h', type: 'linear', domain: [0, top], reverse: true, range: [0, { signal: 'tw' }] },
        { name: 'color', type: 'ordinal', domain: { data: 'tree', field: 'label' }, range: 'category' }
      ],
      axes: [{ orient: 'bottom', scale: 'h', title: 'height (' + meta.delta + ')', tickCount: 5 }],
      marks: [
        { type: 'path', from: { data: 'links' },
          encode: { update: { path: { field: 'path' }, stroke: { value: '#666' } } } },
        { type: 'symbol', from: { data: 'tree' },
          encode: { update: { x: { field: 'x' }, y: { field: 'y' }, size: { value: 16 },
                              fill: { value: '#444' },
                              tooltip: { signal: "datum.name ? {'file': datum.name, 'label': datum.label} : {'height': format(datum.height, '.4f')}" } } } },
        { type: 'text', from: { data: 'tree' },
          encode: { update: { x: { field: 'x', offset: 5 }, y: { field: 'y' }, baseline: { value: 'middle' },
                              text: { field: 'file' }, fontSize: { value: 10 },
                              fill: { signal: "datum.label ? scale('color', datum.label) : '#222'" } } } }
      ]
    });
    var index = {};
    matrix.forEach(function (r, j) { index[j] = r.path; });
    var cells = [];
    matrix.forEach(function (r) {
      r.distances.forEach(function (d, j) { cells.push({ row: r.path, col: index[j], distance: d }); });
    });
    var side = Math.max(120, Math.min(560, leaves.length * 14));
    var named = leaves.length <= 60;    /* beyond, the names overlap: the tooltips name the cells */
    chart(box, 'distance-matrix', vl({
      width: side, height: side,
      data: { values: cells },
      mark: 'rect',
      encoding: {
        x: { field: 'col', type: 'nominal', sort: leaves, title: named ? null : 'texts, in the order of the tree',
             axis: { labelExpr: BASE, labelAngle: -60, labels: named, ticks: named } },
        y: { field: 'row', type: 'nominal', sort: leaves, title: named ? null : 'texts, in the order of the tree',
             axis: { labelExpr: BASE, labels: named, ticks: named } },
        color: { field: 'distance', type: 'quantitative', scale: { scheme: 'viridis', reverse: true } },
        tooltip: [{ field: 'row' }, { field: 'col' }, { field: 'distance' }]
      }
    }));
    s.appendChild(el('p', { text: 'The distance matrix, its rows and columns in the order of the tree\u2019s leaves.' }));
    dataBox(s, ['pardo-matrix']);
  }

  /* ---- the page ------------------------------------------------------------------ */

  main.appendChild(el('h1', { text: 'pardo report' }));
  main.appendChild(el('p', { text: 'Made by pardo ' + meta.pardo + '. Every chart is drawn from the records below it, as pardo prints them.' }));
  [corpusSection, fingerprintSection, favoritesSection, attributionSection, clusterSection]
    .forEach(function (f) {
      try {
        f();
      } catch (e) {
        pending.push(Promise.reject(e));
      }
    });
  Promise.all(pending).then(function () {
    document.documentElement.setAttribute('data-rendered', String(pending.length));
  }, function (e) {
    console.error(e);
    document.documentElement.setAttribute('data-failed', String(e && e.message || e));
  });
}());
