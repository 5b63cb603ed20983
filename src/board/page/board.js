// The board page. Everything shown comes from /api/board (pushed over
// /api/events) and /api/metrics, and is put on the page with textContent
// only: an agent's output, a plan title, an incident's whys are text, never
// markup. No framework, no build step; uPlot draws the small charts.

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, String(v));
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter(Boolean));
}

function duration(ms) {
  if (ms === null || ms === undefined) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

const usd = (n) => `$${(n || 0).toFixed(2)}`;
const percent = (y) => (y === null || y === undefined ? '-' : `${Math.round(y * 100)}%`);

// --- the token: pasted once per tab, or passed as #token=… (never sent in a URL to the server) ---
const TOKEN_KEY = 'jidoka-board-token';
const fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (fromHash) {
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash[1]));
  history.replaceState(null, '', location.pathname);
}
$('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
$('token').addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, $('token').value.trim()));

function say(text, isError) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

async function act(path, body) {
  const token = $('token').value.trim();
  if (!token) return say('Paste the token from .jidoka/board.token above to act on the line.', true);
  const res = await fetch(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) return say(`${res.status}: ${json.error || res.statusText}`, true);
  say(`done: ${JSON.stringify(json.result)}`);
  return json;
}

// --- rendering ---
let board = null;

function renderLine(b) {
  const line = b.status.andon.line;
  const word =
    { running: 'RUNNING', yellow: 'YELLOW', stopped: 'STOPPED' }[line.state] ||
    String(line.state).toUpperCase();
  $('line').className = `line ${line.state}`;
  $('line-word').textContent = word;
  $('line-reason').textContent =
    line.state === 'stopped'
      ? `stopped by ${line.incident || 'hand'} (${line.category || 'manual'}): ${line.reason || ''}`
      : line.state === 'yellow'
        ? `yellow: ${line.yellow?.reason || ''}`
        : `${b.status.andon.incidents.open} open incident(s)`;
  const d = b.status.daemon;
  $('daemon').textContent = d.running ? `daemon pid ${d.pid}, since ${d.since}` : 'daemon not running';
}

function renderSteps(b) {
  if (!b.steps.length) return replace($('steps'), el('p', { class: 'empty' }, 'nothing running'));
  replace(
    $('steps'),
    b.steps.map((s) =>
      el(
        'div',
        { class: 'step', 'data-plan': s.plan },
        el(
          'div',
          { class: 'step-head' },
          `${s.plan}: chunk ${s.chunk}/${s.chunks}, attempt ${s.attempt}`,
          el('span', { class: 'role' }, s.role || s.step),
          el('span', { class: 'elapsed', 'data-started': s.startedAt || '' }, duration(s.elapsedMs)),
        ),
        el('pre', { class: 'tail' }, s.tail.length ? s.tail.join('\n') : '(no output yet)'),
      ),
    ),
  );
}

function renderQueue(b) {
  const q = b.status.queue;
  replace(
    $('queue'),
    q.length
      ? q.map((p) => el('li', {}, `${p.id}: ${p.title} (${p.risk})`))
      : [el('li', { class: 'empty' }, 'empty')],
  );
}

/** Done plans on their way to main: merging now, waiting, ready, and each last failure with its reason. */
function renderMergeQueue(b) {
  const q = b.status.mergeQueue;
  const sha = (s) => s.slice(0, 12);
  const items = [
    q.merging &&
      el(
        'li',
        { class: 'merging', 'data-plan': q.merging.plan },
        `merging ${q.merging.plan} with ${q.merging.main}`,
      ),
    ...q.waiting.map((id) => el('li', { class: 'waiting', 'data-plan': id }, `waiting: ${id}`)),
    ...q.ready.map((r) =>
      el(
        'li',
        { class: 'ready', 'data-plan': r.plan },
        `ready: ${r.plan} (checks pass merged with ${sha(r.mainSha)}): jidoka merge ${r.plan}`,
      ),
    ),
    ...q.failed.map((f) =>
      el(
        'li',
        { class: 'failed', 'data-plan': f.plan },
        `not merged: ${f.plan}: `,
        f.kind === 'conflict'
          ? `conflict in ${f.files.join(', ')}`
          : `failed on the merged tree: ${f.failedChecks.join(', ')}`,
        ` (main ${sha(f.mainSha)}); jidoka review ${f.plan}`,
      ),
    ),
  ].filter(Boolean);
  replace($('merge-queue'), items.length ? items : [el('li', { class: 'empty' }, 'empty')]);
}

function bar(used, limit) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const b = el('div', { class: `bar${limit > 0 && used > limit ? ' over' : ''}` }, el('div', {}));
  b.firstChild.style.width = `${Math.round(share * 100)}%`;
  return b;
}

function renderSpend(b) {
  const s = b.status.spend;
  const rows = [
    el('div', {}, `today ${usd(s.todayUsd)} of ${usd(s.limitUsdPerDay)} (${s.todayTokens} tokens)`),
    bar(s.todayUsd, s.limitUsdPerDay),
  ];
  for (const p of s.plans)
    rows.push(
      el('div', {}, `${p.plan}: ${usd(p.usd)} of ${usd(b.budgets.usdPerPlan)} (${p.tokens} tokens)`),
      bar(p.usd, b.budgets.usdPerPlan),
    );
  replace($('spend'), rows);
}

function resolveForm(i) {
  const field = (name, label, input) => [el('label', { htmlFor: `${i.id}-${name}` }, label), input];
  const input = (name) => el('input', { id: `${i.id}-${name}`, name, required: name !== 'where' });
  const level = el(
    'select',
    { id: `${i.id}-level`, name: 'level' },
    ['L1', 'L2', 'L3', 'L4'].map((l) => el('option', { value: l }, l)),
  );
  const form = el(
    'form',
    { class: 'inline', 'data-incident': i.id },
    field('rootCause', 'Root cause', input('rootCause')),
    field('countermeasure', 'Countermeasure', input('countermeasure')),
    field('level', 'Level', level),
    field('where', 'Where it lives', input('where')),
    el('button', { type: 'submit' }, 'Resolve and restart'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.where) delete data.where;
    void act(`/api/actions/incidents/${encodeURIComponent(i.id)}/resolve`, data);
  });
  return form;
}

function renderIncidents(b) {
  if (!b.incidents.length) return replace($('incidents'), el('p', { class: 'empty' }, 'no incidents'));
  replace(
    $('incidents'),
    b.incidents.map((i) =>
      el(
        'div',
        { class: `incident ${i.severity} ${i.status}`, 'data-incident': i.id },
        el('div', { class: 'step-head' }, `${i.id} [${i.severity}, ${i.status}] ${i.category}: ${i.title}`),
        el(
          'div',
          {},
          `plan ${i.plan || '-'}, opened ${i.opened_at}${i.resolved_at ? `, resolved ${i.resolved_at} (${i.prevention_level}): ${i.countermeasure || ''}` : ''}`,
        ),
        i.whys.map((w) =>
          el(
            'div',
            { class: 'why' },
            el('div', {}, el('b', {}, `Why ${w.n}`), w.hypothesis),
            el('div', {}, el('b', {}, 'verified by'), w.verification),
            el('div', {}, el('b', {}, 'so'), w.conclusion),
          ),
        ),
        i.status !== 'resolved' ? resolveForm(i) : null,
      ),
    ),
  );
}

function renderPlans(b) {
  const body = $('plans').tBodies[0];
  const button = (p, to, label) => {
    const btn = el('button', { type: 'button', 'data-plan': p.id, 'data-to': to }, label);
    btn.addEventListener('click', () => void act(`/api/actions/plans/${encodeURIComponent(p.id)}/${to}`, {}));
    return btn;
  };
  replace(
    body,
    b.plans.map((p) =>
      el(
        'tr',
        { 'data-plan': p.id },
        el('td', {}, p.id),
        el('td', {}, p.title || ''),
        el('td', {}, el('span', { class: `status ${p.status}` }, p.status)),
        el('td', {}, p.risk || ''),
        el('td', {}, p.chunks),
        el(
          'td',
          {},
          ['proposed', 'rejected', 'failed'].includes(p.status) ? button(p, 'approve', 'Approve') : null,
          ['proposed', 'approved', 'failed', 'invalid'].includes(p.status)
            ? button(p, 'reject', 'Reject')
            : null,
        ),
      ),
    ),
  );
}

function renderWiki(b) {
  const w = b.wiki;
  if (!w)
    return replace(
      $('wiki'),
      el('p', { class: 'empty' }, 'no wiki lint yet (no wiki/ folder, or the first lint is running)'),
    );
  const head = el(
    'div',
    {},
    `${w.pages} pages: ${w.counts.errors} error(s), ${w.counts.warnings} warning(s); relinted ${w.changed ? `${w.changed} ` : ''}in ${w.relintMs} ms at ${w.at}`,
  );
  const list = el(
    'ul',
    {},
    w.findings
      .slice(0, 100)
      .map((f) =>
        el(
          'li',
          { class: `finding ${f.severity}` },
          `${f.file}:${f.line}:${f.column} ${f.rule}: ${f.message}`,
        ),
      ),
  );
  replace($('wiki'), head, list);
}

function render(b) {
  board = b;
  renderLine(b);
  renderSteps(b);
  renderQueue(b);
  renderMergeQueue(b);
  renderSpend(b);
  renderIncidents(b);
  renderPlans(b);
  renderWiki(b);
}

// --- lean figures: numbers, and small charts over time (uPlot) ---
function figure(label, value, detail) {
  return el(
    'div',
    { class: 'figure' },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, value),
    detail ? el('div', { class: 'label' }, detail) : null,
  );
}

function spread(s) {
  return s?.n ? `median ${duration(s.p50)}, p90 ${duration(s.p90)} (${s.n})` : 'none yet';
}

const COLORS = ['#1f9d55', '#2563eb', '#e0a800', '#d32f2f'];
const DAY_S = 86_400;

function chart(title, days, series) {
  const names =
    series.length > 1
      ? ` (${series.map((s, i) => `${s.label}: ${['green', 'blue', 'yellow', 'red'][i]}`).join(', ')})`
      : '';
  const box = el('div', { class: 'chart' }, el('div', { class: 'label' }, `${title}${names}`));
  if (typeof uPlot !== 'function' || days.length < 1) return box;
  // A week at least, so one day of records is a point in a week, not a lone point on a scale of years.
  const pad = Math.max(0, 7 - days.length);
  const first = Date.parse(`${days[0]}T00:00:00Z`) / 1000;
  const xs = [
    ...Array.from({ length: pad }, (_, i) => first - (pad - i) * DAY_S),
    ...days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
  ];
  const padded = series.map((s) => [...Array(pad).fill(null), ...s.values]);
  const opts = {
    width: 300,
    height: 130,
    legend: { show: false },
    scales: { x: { time: true } },
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        spanGaps: true,
        points: { size: 6 },
      })),
    ],
    axes: [{ space: 50 }, { size: 40 }],
  };
  new uPlot(opts, [xs, ...padded], box);
  return box;
}

async function loadMetrics() {
  let json;
  try {
    const res = await fetch('/api/metrics');
    json = await res.json();
  } catch {
    return;
  }
  const m = json.figures;
  if (!m)
    return replace(
      $('metrics'),
      el('p', { class: 'empty' }, `no figures yet${json.reason ? `: ${json.reason}` : ''}`),
    );
  const st = m.stations || {};
  const figs = el(
    'div',
    { class: 'figures' },
    ['maker', 'checks', 'checker', 'goal'].map((s) =>
      figure(
        `first-pass yield: ${s}`,
        percent(st[s]?.yield),
        st[s] ? `${st[s].firstPass} of ${st[s].entered}` : '',
      ),
    ),
    figure('rolled throughput yield', percent(m.rolledThroughputYield)),
    figure('lead time (approved → merged)', spread(m.leadTimeMs)),
    figure('cycle time per chunk', spread(m.cycleTimeMs)),
    figure(
      'andon rate per 100 chunks',
      m.andon.ratePer100Chunks === null ? '-' : m.andon.ratePer100Chunks.toFixed(1),
      `${m.andon.stops} stop(s)`,
    ),
    figure('time to restore', spread(m.timeToRestoreMs)),
    figure(
      'cost per accepted chunk',
      m.spend.costUsdPerAcceptedChunk === null ? '-' : usd(m.spend.costUsdPerAcceptedChunk),
      `${m.chunks.accepted} accepted`,
    ),
    figure(
      'work in progress',
      String(m.wip.total),
      `${m.wip.queued} queued, ${m.wip.inProgress} running, ${m.wip.awaitingMerge} awaiting merge`,
    ),
  );
  const s = m.series;
  const charts = s
    ? el(
        'div',
        { class: 'charts' },
        chart(
          'first-pass yield per day',
          s.day,
          ['maker', 'checks', 'checker', 'goal'].map((k) => ({ label: k, values: s.fpy[k] })),
        ),
        chart('chunks accepted per day', s.day, [{ label: 'chunks', values: s.chunksAccepted }]),
        chart('cycle time p50 (s)', s.day, [
          { label: 'cycle', values: s.cycleTimeP50Ms.map((v) => (v === null ? null : v / 1000)) },
        ]),
        chart('incidents per day', s.day, [{ label: 'incidents', values: s.incidents }]),
        chart('cost per day ($)', s.day, [{ label: 'cost', values: s.costUsd }]),
      )
    : null;
  replace($('metrics'), figs, charts);
}

// --- live updates ---
function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('board', (e) => {
    $('live').className = 'live on';
    $('live').textContent = 'live';
    render(JSON.parse(e.data));
  });
  source.addEventListener('full', (e) => {
    $('live').textContent = e.data;
    source.close();
  });
  source.onerror = () => {
    $('live').className = 'live off';
    $('live').textContent = 'reconnecting';
  };
}

$('pull').addEventListener('click', () => {
  const reason = window.prompt('Why are you stopping the line?');
  if (reason) void act('/api/actions/andon/pull', { reason });
});

// Elapsed times tick between updates.
setInterval(() => {
  for (const node of document.querySelectorAll('.elapsed[data-started]')) {
    const started = Date.parse(node.getAttribute('data-started'));
    if (started) node.textContent = duration(Date.now() - started);
  }
}, 1000);

fetch('/api/board')
  .then((r) => r.json())
  .then((b) => {
    if (!board) render(b);
  })
  .catch(() => {});
connect();
void loadMetrics();
setInterval(() => void loadMetrics(), 30_000);
